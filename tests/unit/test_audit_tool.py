"""tools/audit_dependencies.py: a known vulnerability fails unless docs/security.md explains
it, and a closed network is reported, never a failure."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "audit_dependencies.py"


@pytest.fixture
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES = {
    "safe": {"info": {"version": "2.0"}, "vulnerabilities": []},
    "holey": {"info": {"version": "1.0"},
              "vulnerabilities": [{"id": "PYSEC-0000-1"}, {"id": "GHSA-old", "withdrawn": "x"}]},
    "behind": {"info": {"version": "9.0"}, "vulnerabilities": []},
}


def test_project_pages_audit_latest_releases_and_name_the_rest(
        audit: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "_project", PAGES.get)
    audited, vulns, left = audit.with_project_pages({"safe": "2.0", "holey": "1.0",
                                                     "behind": "8.0"})
    assert audited == 2
    assert vulns == [("holey", "1.0", "PYSEC-0000-1")]  # a withdrawn one does not count
    assert left == ["behind 8.0 (latest 9.0)"]


def test_an_unexplained_vulnerability_fails_and_an_explained_one_passes(
        audit: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(audit, "installed", lambda: {"holey": "1.0"})
    monkeypatch.setattr(audit, "with_pip_audit", lambda: None)
    monkeypatch.setattr(audit, "_project", PAGES.get)
    monkeypatch.setattr(audit, "EXPLAINED_IN", tmp_path / "security.md")
    assert audit.main() == 1
    assert "PYSEC-0000-1 (NOT EXPLAINED)" in capsys.readouterr().out
    (tmp_path / "security.md").write_text("| PYSEC-0000-1 | holey | not reachable here |\n")
    assert audit.main() == 0


def test_a_closed_network_is_reported_not_failed(
        audit: ModuleType, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(audit, "with_pip_audit", lambda: None)
    monkeypatch.setattr(audit, "_project", lambda _name: None)
    assert audit.main() == 0
    assert "NOT audited" in capsys.readouterr().out
