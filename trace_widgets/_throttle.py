"""Limits on guessing: a client that keeps getting workbook codes, join codes or coach keys
wrong is slowed down, then refused for a while, and is never told which.

"One client" is the address the visitor's connection came from, which the server writes
into each page's request (a browser cannot choose it; see ``_voila_app.CLIENT_HEADER``).
Every page is its own kernel process, so the count of wrong codes is kept in a small SQLite
file in a folder private to the server (``TRACE_THROTTLE_DIR``, made by ``serve`` and
removed when it stops); outside the server (JupyterLab, tests) each process counts alone.

The callers show the same message when a client is refused as when its code was wrong, and
refused tries are not counted (they cannot tell the client anything).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from . import settings

WINDOW_S = 15 * 60
"""Wrong codes are remembered this long."""
FREE = 5
"""Wrong codes within the window that cost nothing (a room's typos, behind one address)."""
REFUSE_AT = 12
"""From this many wrong codes within the window, every try is refused, until the oldest
ones are forgotten; between FREE and this, each try waits a little longer first."""
MAX_DELAY_S = 4.0
FILE = "throttle.sqlite3"

_lock = threading.Lock()
_memory: dict[str, list[float]] = {}  # client -> times of wrong codes, when there is no folder


def _client() -> str:
    # Only a digest is kept: the file says how often, not who.
    who = settings.request_client() or "local"
    return hashlib.sha256(who.encode("utf-8", "replace")).hexdigest()[:32]


@contextlib.contextmanager
def _db(folder: str) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(Path(folder) / FILE, timeout=10, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS wrong (client TEXT NOT NULL, at REAL NOT NULL)")
        # Refused tries, for the record only: they never lengthen a refusal.
        conn.execute("CREATE TABLE IF NOT EXISTS refused (client TEXT NOT NULL, at REAL NOT NULL)")
        yield conn
    finally:
        conn.close()


def wrong_recently(client: str, now: float) -> int:
    """How many wrong codes ``client`` gave within the window before ``now``."""
    folder = settings.get().throttle_dir
    since = now - WINDOW_S
    if not folder:
        with _lock:
            times = [t for t in _memory.get(client, []) if t > since]
            _memory[client] = times
            return len(times)
    with _db(folder) as conn:
        conn.execute("DELETE FROM wrong WHERE at <= ?", (since,))
        row = conn.execute("SELECT COUNT(*) FROM wrong WHERE client = ?", (client,)).fetchone()
        return int(row[0])


def delay_for(wrong: int) -> float | None:
    """Seconds to wait before a try after ``wrong`` recent wrong codes; None: refused.

    Examples
    --------
    >>> [delay_for(n) for n in (0, FREE - 1, FREE, FREE + 1, FREE + 2, FREE + 5, REFUSE_AT)]
    [0.0, 0.0, 1.0, 2.0, 4.0, 4.0, None]
    """
    if wrong >= REFUSE_AT:
        return None
    if wrong < FREE:
        return 0.0
    return min(MAX_DELAY_S, float(2 ** (wrong - FREE)))


def allowed() -> bool:
    """Whether this page's client may try a code now (after waiting, when it has been
    getting codes wrong). When False, show the message for a wrong code."""
    client, now = _client(), time.time()
    delay = delay_for(wrong_recently(client, now))
    if delay is None:
        folder = settings.get().throttle_dir
        if folder:
            with _db(folder) as conn:
                conn.execute("INSERT INTO refused (client, at) VALUES (?, ?)", (client, now))
        return False
    if delay:
        time.sleep(delay)
    return True


def failed() -> None:
    """Count a wrong code from this page's client."""
    client, now = _client(), time.time()
    folder = settings.get().throttle_dir
    if not folder:
        with _lock:
            _memory.setdefault(client, []).append(now)
    else:
        with _db(folder) as conn:
            conn.execute("INSERT INTO wrong (client, at) VALUES (?, ?)", (client, now))
    if wrong_recently(client, now + 1e-6) == REFUSE_AT:
        _tell_server(f"{REFUSE_AT} wrong codes from one address in {WINDOW_S // 60} minutes: "
                     "it is refused until the oldest are that old")


def _tell_server(message: str) -> None:
    # A kernel's sys.stderr goes to the page; the server's terminal is the original one.
    stream = sys.__stderr__
    if stream is not None:
        print(f"[TRACE] {message}", file=stream, flush=True)


def forget() -> None:
    """Forget every wrong code this process counted in memory (tests)."""
    with _lock:
        _memory.clear()
