"""Known vulnerabilities in the installed Python environment (``make audit``, part of
``make test``).

First ``pip-audit`` (the PyPA's auditor, asking PyPI for each installed version). Where its
service cannot be reached, PyPI's page for each project says which known vulnerabilities
affect the project's *latest* release: that covers every installed distribution that is
at its latest release, and the rest are named as not audited. A closed network is reported,
never a failure (CI must not fail because the network is shut); a known vulnerability that
docs/security.md does not name and explain is a failure.

Usage: ``python tools/audit_dependencies.py`` (exit 1 on an unexplained vulnerability).
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPLAINED_IN = ROOT / "docs" / "security.md"
PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"  # PyPI's JSON API, as pip-audit uses it
TIMEOUT_S = 15
OWN = "trace-workbook"


def explained() -> set[str]:
    """Vulnerability ids that docs/security.md names in its table of explained ones."""
    text = EXPLAINED_IN.read_text(encoding="utf-8") if EXPLAINED_IN.exists() else ""
    return set(re.findall(r"^\|\s*((?:PYSEC|GHSA|CVE|OSV)-[\w-]+)\s*\|", text, re.MULTILINE))


def installed() -> dict[str, str]:
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name and name != OWN:
            found[name] = dist.version
    return found


def with_pip_audit() -> tuple[int, list[tuple[str, str, str]]] | None:
    """(distributions audited, vulnerabilities) from pip-audit, or None when it audited
    nothing (its service did not answer)."""
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
             "-f", "json"], capture_output=True, text=True, timeout=600, check=False)
        report = json.loads(out.stdout or "{}")
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        return None
    return len(audited), [(d["name"], d["version"], v["id"]) for d in audited
                          for v in d.get("vulns", [])]


def _project(name: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(PROJECT_PAGE.format(name=name),  # noqa: S310 - https
                                    timeout=TIMEOUT_S) as response:
            page = json.load(response)
    except (OSError, ValueError, http.client.HTTPException):  # a cut or refused answer
        return None
    return page if isinstance(page, dict) else None


def with_project_pages(dists: dict[str, str]
                       ) -> tuple[int, list[tuple[str, str, str]], list[str]] | None:
    """(audited, vulnerabilities, not audited) from PyPI's project pages, or None when
    none could be read."""
    with ThreadPoolExecutor(8) as pool:
        pages = dict(zip(dists, pool.map(_project, dists), strict=True))
    if not any(pages.values()):
        return None
    audited, vulns, left = 0, [], []
    for name, version in sorted(dists.items()):
        page = pages[name]
        info = page.get("info") if page else None
        latest = info.get("version") if isinstance(info, dict) else None
        if latest != version:
            left.append(f"{name} {version}" + (f" (latest {latest})" if latest else ""))
            continue
        audited += 1
        for v in page.get("vulnerabilities") or []:  # type: ignore[union-attr]
            if not v.get("withdrawn"):
                vulns.append((name, version, str(v.get("id"))))
    return audited, vulns, left


def main() -> int:
    dists = installed()
    left: list[str] = []
    result = with_pip_audit()
    how = "pip-audit"
    if result is None:
        pages = with_project_pages(dists)
        if pages is None:
            print(f"audit: no vulnerability service could be reached; {len(dists)} "  # noqa: T201
                  "installed distributions NOT audited (see docs/security.md)")
            return 0
        audited, vulns, left = pages
        how = "PyPI project pages (latest releases), as pip-audit's service did not answer"
    else:
        audited, vulns = result
    known = explained()
    unexplained = [v for v in vulns if v[2] not in known]
    print(f"audit: {audited} of {len(dists)} installed distributions audited with {how}; "  # noqa: T201
          f"{len(vulns)} known vulnerabilities, {len(unexplained)} not explained")
    for name, version, vuln in vulns:
        mark = "explained in docs/security.md" if vuln in known else "NOT EXPLAINED"
        print(f"  {name} {version}: {vuln} ({mark})")  # noqa: T201
    if left:
        print(f"  not audited (older than their latest release): {', '.join(left)}")  # noqa: T201
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
