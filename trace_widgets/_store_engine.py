"""The store's database engine: a SQLite file (WAL, synced on commit) or PostgreSQL, by URL."""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from ._store_errors import StoreError

__all__ = ["BUSY_TIMEOUT_MS", "WRITE", "make_engine"]

BUSY_TIMEOUT_MS = 10_000
WRITE = "trace_write"  # execution option that makes SQLite begin with BEGIN IMMEDIATE


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a URL it cannot use is a :class:`StoreError`."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError("store.error.bad_url") from None
    backend = u.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(u)
        if backend in ("postgresql", "postgres"):
            if u.drivername in ("postgresql", "postgres"):
                u = u.set(drivername="postgresql+psycopg")
            return create_engine(u, pool_pre_ping=True)
    except (ImportError, ArgumentError) as exc:
        raise StoreError("store.error.cannot_use", url=u.render_as_string(),
                         problem=exc) from None
    raise StoreError("store.error.backend", backend=backend)


def _sqlite_engine(u: URL) -> Engine:
    db = u.database or ""
    if db in ("", ":memory:") or db.startswith("file:"):
        # One shared connection, or every connection would see its own empty database.
        engine = create_engine(u, poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        path = Path(db).expanduser()
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                # Learners' answers: readable by this user only (SQLite gives the -wal
                # and -shm files the same permissions).
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError("store.error.cannot_create", path=path,
                             problem=exc.strerror) from None
        engine = create_engine(u.set(database=str(path)))
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (see _sqlite_begin): the sqlite3 module's own BEGIN comes
    # only before INSERT/UPDATE/DELETE, too late for the checks that precede them.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # First, so that the pragmas below also wait for a writer instead of failing.
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # WAL: readers never block the writer, and one writer at a time appends to the log.
    _use_wal(cur)
    # FULL, not NORMAL: in WAL mode NORMAL already survives kill -9, but a power cut or an
    # OS crash could lose the last commits; FULL syncs the log on every commit so an answer
    # the page called saved stays saved. One fsync per answer is cheap at human pace.
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    # An erased workbook must not linger in free pages of the file.
    cur.execute("PRAGMA secure_delete = ON")
    cur.close()


def _use_wal(cur: Any, *, timeout_s: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Switch the file to WAL (it stays so: the mode is kept in the file).

    Changing the mode needs the file to itself, and where waiting could deadlock SQLite
    answers "locked" at once instead of waiting: this happens when several processes open a
    new file at the same moment (kernels copied from the fork server do). So try again.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(secrets.randbelow(50) / 1000 + 0.01)


def _sqlite_begin(conn: Connection) -> None:
    # Writes take the write lock at BEGIN, where busy_timeout waits for it; a deferred
    # transaction that upgrades later can fail at once with "database is locked".
    immediate = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
