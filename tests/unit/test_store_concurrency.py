"""The SQLite store under real load: many writer processes, and a writer killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trace_widgets import _store_engine, store

WORKERS = 8
ANSWERS_EACH = 200
ITEMS = ("task.self.s1", "task.self.s2", "task.self.s3", "task.self.p1")
PROMPTS = ("task.self.p1", "task.self.p2", "task.self.p3")

# Each child appends one answer per transaction and reports each append that returned on
# stdout; a report is written only after the commit, so it is a promise the store made.
WRITER = """
import sys, time
from trace_widgets import store
url, token, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
items = sys.argv[5].split(",")
time.sleep(max(0.0, float(sys.argv[6]) - time.time()))
with store.open_store(url) as s:
    if token == "new":
        token = s.new_participant(consent=True)
    for i in range(count):
        item = items[i % len(items)]
        value = f"w{worker} n{i}" if ".p" in item else i % 5 + 1
        s.save(token, {item: value})
        sys.stdout.write(f"{i}\\n")
        sys.stdout.flush()
"""


def _expected(worker: int, i: int, items: tuple[str, ...] = ITEMS) -> tuple[str, object]:
    item = items[i % len(items)]
    return item, (f"w{worker} n{i}" if ".p" in item else i % 5 + 1)


def _writer(url: str, token: str, worker: int, count: int,
            items: tuple[str, ...] = ITEMS, *, start_at: float = 0.0) -> subprocess.Popen[str]:
    """A writer process; it opens the store at ``start_at`` (a time.time()) if given."""
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, token, str(worker), str(count), ",".join(items),
         str(start_at)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        return str(raw.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.slow
def test_eight_writer_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "trace.sqlite3"
    url = f"sqlite:///{path}"
    with store.open_store(url) as s:
        tokens = [s.new_participant(consent=True) for _ in range(WORKERS)]
    started = time.perf_counter()
    children = [_writer(url, t, n, ANSWERS_EACH) for n, t in enumerate(tokens)]
    results = [child.communicate(timeout=120) for child in children]
    took = time.perf_counter() - started
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert err == ""
        assert len(out.split()) == ANSWERS_EACH
    with store.open_store(url) as s:
        for n, t in enumerate(tokens):
            history = s.history(t)
            got = list(zip(history["item"], history["value"], strict=True))
            assert got == [_expected(n, i) for i in range(ANSWERS_EACH)]
    assert _integrity(path) == "ok"
    print(f"{WORKERS} processes x {ANSWERS_EACH} transactions: {took:.1f} s")


@pytest.mark.slow
def test_eight_processes_open_a_new_file_at_once(tmp_path: Path) -> None:
    # All of them find an empty file and race to switch it to WAL and build the tables,
    # at the same moment (as kernels copied from the fork server do).
    path = tmp_path / "new" / "trace.sqlite3"
    url = f"sqlite:///{path}"
    start_at = time.time() + 8  # after every child has started and imported the store
    children = [_writer(url, "new", n, 20, start_at=start_at) for n in range(WORKERS)]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert len(out.split()) == 20
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM answers").fetchone() == (WORKERS * 20,)
        assert raw.execute("SELECT count(*) FROM participants").fetchone() == (WORKERS,)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert _integrity(path) == "ok"


@pytest.mark.slow
def test_sigkill_mid_burst_loses_no_returned_answer(tmp_path: Path) -> None:
    path = tmp_path / "trace.sqlite3"
    url = f"sqlite:///{path}"
    with store.open_store(url) as s:
        victim_token, bystander_token = (s.new_participant(consent=True) for _ in range(2))
    rng = random.Random(7)
    reported: dict[int, list[int]] = {}
    started = time.perf_counter()
    # Three rounds. In each, a victim is killed at a random moment after it has reported
    # some answers, while a bystander writes to the same file.
    for round_ in range(3):
        victim = _writer(url, victim_token, round_, 100_000, PROMPTS)
        bystander = _writer(url, bystander_token, 10 + round_, 100)
        assert victim.stdout is not None
        lines: list[str] = []
        kill_after = rng.randint(20, 150)
        while len(lines) < kill_after:
            line = victim.stdout.readline()
            assert line, victim.stderr.read() if victim.stderr else "writer died"
            lines.append(line)
        os.kill(victim.pid, signal.SIGKILL)
        # Read the rest through the same file object: readline() has read ahead into its
        # buffer, and communicate() reads the raw pipe, so it would miss those reports
        # (the more, the further the writer got ahead: a loaded machine).
        rest = victim.stdout.read()
        victim.wait(timeout=30)
        victim.stdout.close()
        if victim.stderr is not None:
            victim.stderr.close()
        assert victim.returncode == -signal.SIGKILL
        # A last line without its newline was cut by the kill: not a promise.
        reported[round_] = [int(x) for x in (*lines, *rest.splitlines(keepends=True))
                            if x.endswith("\n")]
        _, err = bystander.communicate(timeout=60)
        assert bystander.returncode == 0, err
    took = time.perf_counter() - started

    assert _integrity(path) == "ok"
    with store.open_store(url) as s:
        kept = list(zip(s.history(victim_token)["item"], s.history(victim_token)["value"],
                        strict=True))
        assert len(s.history(bystander_token)) == 300
    for round_, done in reported.items():
        mine = [row for row in kept if str(row[1]).startswith(f"w{round_} ")]
        # Every reported answer is there, in order; at most the one append in flight when
        # the kill came is there without a report.
        assert mine[:len(done)] == [_expected(round_, i, PROMPTS) for i in done]
        assert len(mine) - len(done) in (0, 1)
    print(f"3 SIGKILL rounds, {sum(map(len, reported.values()))} reported answers: {took:.1f} s")


class _LockedTwice:
    """A cursor whose first two attempts to switch to WAL find the file locked."""

    def __init__(self) -> None:
        self.calls = 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= 2:
            raise sqlite3.OperationalError("database is locked")


def test_switching_to_wal_tries_again_while_the_file_is_locked() -> None:
    cursor = _LockedTwice()
    _store_engine._use_wal(cursor)
    assert cursor.calls == 3


def test_switching_to_wal_gives_up_after_the_busy_timeout() -> None:
    class AlwaysLocked(_LockedTwice):
        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _store_engine._use_wal(AlwaysLocked(), timeout_s=0.2)
