"""Limits on guessing: wrong codes from one client are slowed, then refused, with the same
message as one wrong code; the count is shared by every kernel of a server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from trace_widgets import _throttle, content, settings, store, workshop
from trace_widgets.journey._session import Session
from trace_widgets.journey._start import StartStep


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the throttle asked for (without waiting)."""
    asked: list[float] = []
    monkeypatch.setattr(_throttle.time, "sleep", asked.append)
    return asked


@pytest.fixture
def s() -> Iterator[store.Store]:
    with store.open_store("sqlite://") as opened:
        yield opened


def _from(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    monkeypatch.setenv("HTTP_X_TRACE_CLIENT", address)


def _coach_message(s: store.Store, code: str, key: str) -> str:
    with pytest.raises(workshop.CoachAccessError) as denied:
        workshop.check_coach(s, code, key)
    return str(denied.value)


def test_wrong_coach_keys_are_slowed_then_refused_with_the_same_message(
        s: store.Store, waits: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    _from(monkeypatch, "203.0.113.7")
    w, key = workshop.open_workshop(s, "Ward leads", "cohort", ["team"])
    one_wrong = _coach_message(s, w.code, "WRONG")
    messages = {_coach_message(s, w.code, f"WRONG{n}") for n in range(_throttle.REFUSE_AT + 5)}
    assert messages == {one_wrong}
    assert waits[:4] == [1.0, 2.0, 4.0, 4.0]  # after FREE wrong keys, each waits longer
    assert max(waits) == _throttle.MAX_DELAY_S
    assert len(waits) == _throttle.REFUSE_AT - _throttle.FREE  # then refused, without waiting
    # Refused now even with the right key, and told exactly what a wrong key is told.
    assert _coach_message(s, w.code, key) == one_wrong
    # Another address is not affected.
    _from(monkeypatch, "203.0.113.8")
    assert workshop.check_coach(s, w.code, key).code == w.code


def test_a_refusal_ends_when_the_wrong_codes_are_old(
        s: store.Store, waits: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    _from(monkeypatch, "198.51.100.1")
    w, key = workshop.open_workshop(s, "Ward leads", "cohort", ["team"])
    for n in range(_throttle.REFUSE_AT):
        _coach_message(s, w.code, f"WRONG{n}")
    assert _coach_message(s, w.code, key)
    later = _throttle.time.time() + _throttle.WINDOW_S + 1
    monkeypatch.setattr(_throttle.time, "time", lambda: later)
    assert workshop.check_coach(s, w.code, key).code == w.code


def test_join_codes_and_workbook_codes_count_together(
        s: store.Store, waits: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    _from(monkeypatch, "192.0.2.9")
    w, _ = workshop.open_workshop(s, "Ward leads", "cohort", ["team"])
    not_found = content.get().text("workshop.join.not_found")
    start = StartStep(Session(s), lambda: None)
    for n in range(_throttle.REFUSE_AT // 2):
        assert start.join(f"ZZZZ{n:02d}") == not_found
        assert start.resume(f"NOSUCHWORKBOOK{n:02d}") is False
    # Refused: the real code is "not found", and a real workbook does not open.
    assert start.join(w.code) == not_found
    token = s.new_participant(consent=True)
    assert start.resume(token) is False
    _from(monkeypatch, "192.0.2.10")
    assert start.join(w.code) is None
    assert start.resume(token) is True


def test_every_kernel_of_a_server_shares_the_count(tmp_path: Path) -> None:
    """Separate processes (as each page's kernel is) count into the server's folder."""
    script = ("from trace_widgets import _throttle as t\n"
              "for _ in range(3): t.failed()\n"
              "print(t.wrong_recently(t._client(), t.time.time()))\n")
    env = {"PATH": "/usr/bin:/bin", "TRACE_THROTTLE_DIR": str(tmp_path),
           "HTTP_X_TRACE_CLIENT": "203.0.113.50", "TRACE_STORE": "sqlite://"}
    counts = [subprocess.run([sys.executable, "-c", script], env=env, check=True,
                             capture_output=True, text=True).stdout.strip() for _ in range(3)]
    assert counts == ["3", "6", "9"]
    # The file keeps a digest of the address, never the address.
    assert b"203.0.113.50" not in (tmp_path / _throttle.FILE).read_bytes()


def test_outside_a_server_the_client_is_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HTTP_X_TRACE_CLIENT", raising=False)
    assert settings.request_client() == ""
    assert _throttle.allowed() is True
