"""``trace-workbook export`` and ``erase``: plain messages and exit codes, never tracebacks."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from trace_widgets import _schema, settings, store
from trace_widgets._cli_store import add_store_commands

HASH = "scrypt$" + "ab" * 32


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trace-workbook")
    add_store_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'trace.sqlite3'}"
    # The commands use TRACE_STORE (settings) unless --store is given.
    monkeypatch.setattr(settings, "_current", settings.get().with_(store=url, text_limit=5_000))
    return url


@pytest.fixture
def token(url: str) -> str:
    with store.open_store(url) as s:
        t = s.new_participant(consent=True)
        s.save(t, {"task.self.s1": 4, "task.self.s2": None, "task.self.p1": "=mine"})
    return t


def test_export_a_participant_as_json_to_stdout(token: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["export", "--participant", token, "--format", "json"]) == 0
    out = capsys.readouterr()
    assert [r["value"] for r in json.loads(out.out)["answers"]] == [4, None, "=mine"]
    assert out.err == ""


def test_export_to_a_private_file(token: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.csv"
    assert _run(["export", "--participant", token, "--output", str(target)]) == 0
    assert store.read_export(target.read_text(encoding="utf-8"), "csv")["value"].tolist() == [
        4, None, "=mine"]
    assert target.stat().st_mode & 0o077 == 0
    assert "wrote the export" in capsys.readouterr().err


def test_export_a_workshop(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with store.open_store(url) as s:
        s.create_workshop("TEAM1", "Team day", "team", ["team"], HASH)
        t = s.new_participant(workshop="TEAM1", consent=True)
        s.save(t, {"task.team.s1": 5})
    other = tmp_path / "other.sqlite3"  # --store wins over the settings
    assert _run(["export", "--workshop", "TEAM1", "--store", f"sqlite:///{other}"]) == 1
    capsys.readouterr()
    assert _run(["export", "--workshop", "TEAM1"]) == 0
    out = capsys.readouterr().out
    assert t not in out
    assert store.pseudonym(t) in out


def test_token_from_stdin(token: str, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert _run(["export", "--participant", "-", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scope"] == {"participant": token}


def test_erase(url: str, token: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["erase", "--participant", token]) == 0
    assert capsys.readouterr().out.strip() == _schema.say("cli.erased", count=3)
    assert _schema.say("cli.erased", count=3) == "Erased the workbook and its 3 answers."
    with store.open_store(url) as s, pytest.raises(store.WorkbookNotFoundError):
        s.participant(token)


@pytest.mark.parametrize("argv", [
    ["erase", "--participant", "Z" * 32],
    ["erase", "--participant", "not a token"],
    ["export", "--participant", "Z" * 32],
    ["export", "--workshop", "NOPE"],
    ["export", "--participant", "Z" * 32, "--store", "mysql://x@y/z"],
])
def test_errors_are_plain_messages(url: str, token: str, argv: list[str],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(argv) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("trace-workbook: ")
    assert "Traceback" not in out.err
    assert out.err.count("\n") == 1


def test_unwritable_output_is_a_plain_message(token: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "folder" / "x.csv"
    assert _run(["export", "--participant", token, "--output", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trace-workbook: cannot write")
    assert "Traceback" not in err


def test_usage_is_checked_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["export"], ["export", "--participant", "A", "--workshop", "B"],
                 ["export", "--workshop", "B", "--format", "xml"], ["erase"]):
        with pytest.raises(SystemExit) as caught:
            _run(argv)
        assert caught.value.code == 2
    capsys.readouterr()
