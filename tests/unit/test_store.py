"""The answer store, run on a real SQLite file and on a real throwaway PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import event, inspect, text, update

from trace_widgets import _migrations, _store_engine, answers, content, settings, store
from trace_widgets.answers import COLUMNS, AnswerError
from trace_widgets.store import (
    ConsentRequiredError,
    Store,
    StoreError,
    WorkbookNotFoundError,
    WorkshopClosedError,
    WorkshopNotFoundError,
)

RATING, RATING2, TEXT, CHOICE, DATE = (
    "task.self.s1", "task.self.s2", "task.self.p1", "priorities.self", "plan.1.when",
)
TEAM_RATING = "task.team.s1"
HASH = "scrypt$" + "ab" * 32
SKIP_POSTGRES = os.environ.get("TRACE_TEST_SKIP_POSTGRES") == "1"


# -- a throwaway PostgreSQL server -------------------------------------------------------


@dataclass
class PgServer:
    port: int
    counter: Iterator[int]

    def new_database(self) -> str:
        import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need it
        from psycopg import sql  # noqa: PLC0415

        name = f"trace_{next(self.counter)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="trace", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://trace@127.0.0.1:{self.port}/{name}"


def _pg_bindir() -> Path | None:
    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.parent.name))

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if SKIP_POSTGRES:
        pytest.skip("TRACE_TEST_SKIP_POSTGRES=1: PostgreSQL tests skipped")
    bindir = _pg_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: no initdb in /usr/lib/postgresql/*/bin or on "
                    "PATH. Install the PostgreSQL server, or set TRACE_TEST_SKIP_POSTGRES=1 to "
                    "skip the PostgreSQL tests.", pytrace=False)
    # The server refuses to run as root: as root, run it as the postgres user.
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="trace-pg-"))
    if as_pg:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    # A throwaway server: durability settings off, it only has to be fast.
    options = (f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    try:
        subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                        "-U", "trace", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True)
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                        "-l", str(root / "server.log"), "-w", "-t", "60", "start"],
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        log = root / "server.log"
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}"
                    f"{log.read_text() if log.exists() else ''}", pytrace=False)
    try:
        yield PgServer(port, itertools.count())
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Default limits, whatever TRACE_* the environment has; never the user's own store."""
    default = f"sqlite:///{tmp_path / 'default' / 'trace.sqlite3'}"
    monkeypatch.setattr(settings, "_current", settings.get().with_(text_limit=5_000,
                                                                   store=default))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'trace.sqlite3'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()


@pytest.fixture
def s(store_url: str) -> Iterator[Store]:
    with store.open_store(store_url) as opened:
        yield opened


@pytest.fixture
def token(s: Store) -> str:
    return s.new_participant(consent=True)


def _count(s: Store, table: str = "answers") -> int:
    with s._engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


# -- round trip, latest wins, history, resume --------------------------------------------


def test_round_trip_keeps_types(s: Store, token: str) -> None:
    entered = {RATING: 4, RATING2: None, TEXT: "Ünïcode, quotes ' \" and\nlines 🌱",
               CHOICE: "task,energy", DATE: "2030-01-31"}
    saved = s.save(token, entered)
    assert [a.value for a in saved] == list(entered.values())

    now = s.current(token)
    assert tuple(now.columns) == COLUMNS
    assert dict(zip(now["item"], now["value"], strict=True)) == entered
    assert [type(v) for v in now["value"]] == [int, type(None), str, str, str]
    assert now["value"].dtype == object
    assert isinstance(now["at"].dtype, pd.DatetimeTZDtype)
    assert str(now["at"].dt.tz) == "UTC"
    first = now.iloc[0]
    assert (first["participant"], first["workshop"], first["exercise"], first["element"],
            first["space"], first["rater"]) == (token, "", "rating", "task", "self", "self")
    assert first["at"] == pd.Timestamp(saved[0].at)


def test_given_times_come_back_as_the_same_instant_in_utc(s: Store, token: str) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    times = [dt.datetime(2031, 3, 4, 5, 6, 7, 891_011, tzinfo=plus_two),
             pd.Timestamp("2031-03-04 09:00:00.5", tz="Europe/London"),
             dt.datetime(2031, 3, 4, 23, 59, 59, tzinfo=dt.timezone.utc)]
    s.append([answers.make(token, RATING, n + 1, at=at) for n, at in enumerate(times)])
    back = s.history(token)["at"].tolist()
    assert back == times
    assert all(str(t.tz) == "UTC" for t in back)


def test_all_ratings_stay_ints_with_not_sure(s: Store, token: str) -> None:
    s.save(token, {RATING: 3, RATING2: None})
    values = s.current(token)["value"].tolist()
    assert values == [3, None]
    assert type(values[0]) is int


def test_latest_wins_and_history_keeps_every_row(s: Store, token: str) -> None:
    s.save(token, {RATING: 2, TEXT: "first"})
    s.save(token, {RATING: 5})
    s.save(token, {TEXT: "second"})
    s.save(token, {RATING: None})

    now = s.current(token)
    assert dict(zip(now["item"], now["value"], strict=True)) == {TEXT: "second", RATING: None}
    past = s.history(token)
    assert list(zip(past["item"], past["value"], strict=True)) == [
        (RATING, 2), (TEXT, "first"), (RATING, 5), (TEXT, "second"), (RATING, None),
    ]
    assert past["at"].is_monotonic_increasing


def test_current_is_one_query(s: Store, token: str) -> None:
    s.save(token, {RATING: 2, TEXT: "a"})
    s.save(token, {RATING: 3})
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(s._engine, "before_cursor_execute", seen)
    try:
        assert len(s.current(token)) == 2
    finally:
        event.remove(s._engine, "before_cursor_execute", seen)
    assert len(statements) == 1


def test_known_workbook_with_no_answers_is_empty(s: Store, token: str) -> None:
    for frame in (s.current(token), s.history(token)):
        assert frame.empty
        assert tuple(frame.columns) == COLUMNS


def test_resume_after_reopening(store_url: str) -> None:
    with store.open_store(store_url) as first:
        token = first.new_participant(consent=True)
        first.save(token, {RATING: 1, TEXT: "kept"})
    with store.open_store(store_url) as again:
        assert again.participant(token).consent_at is not None
        assert again.current(token)["value"].tolist() == [1, "kept"]


def test_tokens_are_unguessable(s: Store) -> None:
    tokens = {s.new_participant() for _ in range(50)}
    assert len(tokens) == 50
    for t in tokens:
        assert re.fullmatch(r"[A-Z2-7]{32}", t)  # base32 of 160 random bits
        assert answers.check_token(t) == t
        assert t not in repr(s.participant(t))


def test_participant_fields(s: Store) -> None:
    s.create_workshop("TEAM1", "Team day", "team", ["team"], HASH)
    t = s.new_participant(workshop="TEAM1", role="leader", display_name="  Sam  ")
    p = s.participant(t)
    assert (p.token, p.workshop, p.role, p.display_name, p.consent_at) == (
        t, "TEAM1", "leader", "Sam", None)
    assert p.created.tzinfo == dt.timezone.utc
    consent = s.record_consent(t)
    assert consent.tzinfo == dt.timezone.utc
    assert s.record_consent(t) == consent  # the first consent counts
    assert s.participant(t).consent_at == consent


# -- resume with a bad token -------------------------------------------------------------


BAD_TOKENS = ["Z" * 32, "", "short", "x" * 200, "'; DROP TABLE answers; --", "A" * 31 + "\x00",
              None, 42]


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_unknown_or_malformed_token_is_a_plain_not_found(s: Store, token: str, bad: Any) -> None:
    s.save(token, {RATING: 3})
    calls = [s.participant, s.current, s.history, s.record_consent, s.erase,
             lambda t: s.save(t, {RATING: 1})]
    if bad is not None:  # export(participant=None) means "no participant given"
        calls.append(lambda t: s.export(participant=t))
    for call in calls:
        with pytest.raises(WorkbookNotFoundError) as caught:
            call(bad)
        assert caught.value.text_id == "store.error.workbook_not_found"
        assert str(caught.value) == content.ui("store.error.workbook_not_found")
    assert _count(s) == 1  # the real workbook is untouched


# -- consent and workshops ---------------------------------------------------------------


def test_no_answers_without_consent(s: Store) -> None:
    t = s.new_participant()
    with pytest.raises(ConsentRequiredError, match="consent"):
        s.save(t, {RATING: 4})
    with pytest.raises(ConsentRequiredError):
        s.append(answers.make(t, RATING, 4))
    assert _count(s) == 0
    s.record_consent(t)
    s.save(t, {RATING: 4})
    assert _count(s) == 1


def test_workshops(s: Store) -> None:
    made = s.create_workshop("NHS1", "Ward leads", "cohort", ["self", "team"], HASH)
    got = s.workshop("NHS1")
    assert got == made
    assert got is not None
    assert (got.code, got.title, got.kind, got.spaces, got.is_open) == (
        "NHS1", "Ward leads", "cohort", ("self", "team"), True)
    assert HASH not in repr(got)
    assert s.workshop("NOPE") is None
    assert s.workshop("not a code!") is None
    with pytest.raises(StoreError, match="taken"):
        s.create_workshop("NHS1", "Again", "team", ["team"], HASH)

    closed = s.close_workshop("NHS1")
    assert closed.closed is not None
    assert not closed.is_open
    assert s.close_workshop("NHS1").closed == closed.closed
    with pytest.raises(WorkshopNotFoundError):
        s.close_workshop("NOPE")


@pytest.mark.parametrize(("args", "field"), [
    (("", "T", "team", ["team"], HASH), "code"),
    (("lower", "T", "team", ["team"], HASH), "code"),
    (("A" * 17, "T", "team", ["team"], HASH), "code"),
    (("W", "  ", "team", ["team"], HASH), "title"),
    (("W", "T" * 201, "team", ["team"], HASH), "title"),
    (("W", "T", "party", ["team"], HASH), "kind"),
    (("W", "T", "team", [], HASH), "spaces"),
    (("W", "T", "team", ["team", "team"], HASH), "spaces"),
    (("W", "T", "team", ["moon"], HASH), "spaces"),
    (("W", "T", "team", "team", HASH), "spaces"),
    (("W", "T", "team", ["team"], ""), "coach_key_hash"),
    (("W", "T", "team", ["team"], "my key"), "coach_key_hash"),
])
def test_bad_workshop_is_refused(s: Store, args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(AnswerError) as caught:
        s.create_workshop(*args)
    assert caught.value.field == field
    assert _count(s, "workshops") == 0


def test_closed_workshop_takes_no_answers_and_no_one_new(s: Store) -> None:
    s.create_workshop("TEAM1", "Team day", "team", ["team"], HASH)
    t = s.new_participant(workshop="TEAM1", role="member", consent=True)
    s.save(t, {TEAM_RATING: 4}, rater="member")
    s.close_workshop("TEAM1")
    with pytest.raises(WorkshopClosedError, match="closed"):
        s.save(t, {TEAM_RATING: 5}, rater="member")
    with pytest.raises(WorkshopClosedError):
        s.new_participant(workshop="TEAM1")
    with pytest.raises(WorkshopNotFoundError):
        s.new_participant(workshop="NOPE")
    assert s.current(t)["value"].tolist() == [4]


def test_answers_go_to_the_participants_own_workshop(s: Store) -> None:
    s.create_workshop("A1", "A", "team", ["team"], HASH)
    s.create_workshop("B1", "B", "team", ["team"], HASH)
    t = s.new_participant(workshop="A1", consent=True)
    with pytest.raises(AnswerError) as caught:
        s.append(answers.make(t, TEAM_RATING, 3, workshop="B1"))
    assert caught.value.field == "workshop"
    with pytest.raises(AnswerError):
        s.append(answers.make(t, TEAM_RATING, 3))  # solo row from a workshop workbook
    assert _count(s) == 0


def test_workshop_answers(s: Store) -> None:
    s.create_workshop("TEAM1", "Team day", "team", ["team"], HASH)
    members = [s.new_participant(workshop="TEAM1", role="member", consent=True)
               for _ in range(3)]
    for n, t in enumerate(members):
        s.save(t, {TEAM_RATING: 1, "task.team.p1": f"note {n}"}, rater="member")
        s.save(t, {TEAM_RATING: n + 2}, rater="member")
    solo = s.new_participant(consent=True)
    s.save(solo, {RATING: 5})

    now = s.workshop_answers("TEAM1")
    assert tuple(now.columns) == COLUMNS
    assert len(now) == 6
    assert set(now["workshop"]) == {"TEAM1"}
    ratings = now[now["item"] == TEAM_RATING]
    assert sorted(ratings["value"]) == [2, 3, 4]
    assert all(type(v) is int for v in ratings["value"])
    # A group view never carries the resume keys.
    assert not set(now["participant"]) & set(members)
    assert set(now["participant"]) == {store.pseudonym(t) for t in members}

    assert len(s.workshop_answers("TEAM1", latest=False)) == 9
    raw = s.workshop_answers("TEAM1", pseudonymous=False)
    assert set(raw["participant"]) == set(members)

    s.create_workshop("EMPTY", "Nobody yet", "cohort", ["self"], HASH)
    assert s.workshop_answers("EMPTY").empty
    for bad in ("NOPE", "", "bad code"):
        with pytest.raises(WorkshopNotFoundError):
            s.workshop_answers(bad)


# -- export and erase --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_equals_what_was_entered(s: Store, token: str, fmt: store.Format) -> None:
    s.save(token, {RATING: 4, RATING2: None, TEXT: "=HYPERLINK(\"http://x\")", CHOICE: "",
                   DATE: "2030-01-31"})
    s.save(token, {TEXT: "'quoted', \"double\", comma\nnew line; -dash @at +plus"})
    s.save(token, {RATING: 5, "plan.1.what": "4"})  # a text that looks like a number
    exported = s.export(participant=token, fmt=fmt)
    back = store.read_export(exported, fmt)
    assert_frame_equal(back, s.history(token))
    values = back["value"].tolist()
    assert [type(v) for v in values] == [int, type(None), str, str, str, str, int, str]


def test_export_json_is_typed_json(s: Store, token: str) -> None:
    s.save(token, {RATING: 4, RATING2: None, TEXT: "text"})
    doc = json.loads(s.export(participant=token, fmt="json"))
    assert doc["format"] == "trace-workbook/answers"
    assert doc["scope"] == {"participant": token}
    assert [r["value"] for r in doc["answers"]] == [4, None, "text"]
    assert list(doc["answers"][0]) == list(COLUMNS)
    assert doc["answers"][0]["at"].endswith("+00:00")


def test_export_csv_defuses_formulas(s: Store, token: str) -> None:
    s.save(token, {TEXT: "=1+1", "task.self.p2": "plain"})
    lines = s.export(participant=token).splitlines()
    assert lines[0].split(",") == [*COLUMNS, "value_type"]
    assert ",'=1+1," in lines[1]
    assert lines[1].endswith(",text")
    assert ",plain," in lines[2]


def test_export_a_workshop_with_pseudonyms(s: Store) -> None:
    s.create_workshop("TEAM1", "Team day", "team", ["team"], HASH)
    members = [s.new_participant(workshop="TEAM1", consent=True) for _ in range(2)]
    for t in members:
        s.save(t, {TEAM_RATING: 3})
        s.save(t, {TEAM_RATING: 4})
    for fmt in ("csv", "json"):
        out = s.export(workshop="TEAM1", fmt=fmt)  # type: ignore[arg-type]
        assert not any(t in out for t in members)
        back = store.read_export(out, fmt)  # type: ignore[arg-type]
        assert_frame_equal(back, s.workshop_answers("TEAM1", latest=False))
    assert json.loads(s.export(workshop="TEAM1", fmt="json"))["scope"] == {"workshop": "TEAM1"}
    with pytest.raises(WorkshopNotFoundError):
        s.export(workshop="NOPE")
    with pytest.raises(ValueError, match="one participant or one workshop"):
        s.export()
    with pytest.raises(ValueError, match="format"):
        s.export(workshop="TEAM1", fmt="xml")  # type: ignore[arg-type]


def test_read_export_refuses_other_files() -> None:
    for data, fmt in (("a,b\n1,2\n", "csv"), ('{"format": "other"}', "json"), ("[", "json")):
        with pytest.raises(StoreError, match="not a TRACE workbook") as caught:
            store.read_export(data, fmt)  # type: ignore[arg-type]
        assert caught.value.text_id == "store.error.not_an_export"
        assert caught.value.values["fmt"] == fmt


def test_erase_removes_every_row(s: Store, token: str) -> None:
    other = s.new_participant(consent=True)
    s.save(other, {RATING: 2})
    s.save(token, {RATING: 3, TEXT: "private"})
    s.save(token, {RATING: 4})
    assert s.erase(token) == 3
    with pytest.raises(WorkbookNotFoundError):
        s.participant(token)
    with pytest.raises(WorkbookNotFoundError):
        s.current(token)
    with pytest.raises(WorkbookNotFoundError):
        s.erase(token)
    with s._engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM answers WHERE participant = :t"),
                            {"t": token}).scalar_one()
        people = conn.execute(text("SELECT count(*) FROM participants WHERE token = :t"),
                              {"t": token}).scalar_one()
    assert (left, people) == (0, 0)
    assert s.current(other)["value"].tolist() == [2]  # nobody else is touched


def test_erase_with_no_answers_says_zero(s: Store, token: str) -> None:
    assert s.erase(token) == 0


def test_erased_text_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    path = tmp_path / "trace.sqlite3"
    secret = "a very private reflection 7f3a9c"
    with store.open_store(f"sqlite:///{path}") as s:
        t = s.new_participant(consent=True)
        keep = s.new_participant(consent=True)
        s.save(keep, {TEXT: "someone else's words"})
        s.save(t, {TEXT: secret})
        s.save(t, {TEXT: secret + " again"})
        s.erase(t)
        files = [p for p in tmp_path.iterdir() if p.name.startswith("trace.sqlite3")]
        blob = b"".join(p.read_bytes() for p in files)
        assert secret.encode() not in blob
        assert t.encode() not in blob
        assert b"someone else's words" in blob


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(("item", "value", "field", "message"), [
    ("task.self.s99", 3, "item", "not an item"),
    ("", 3, "item", "not an item"),
    (RATING, 0, "value", "outside"),
    (RATING, 6, "value", "outside"),
    (RATING, -1, "value", "outside"),
    (RATING, True, "value", "whole number"),
    (RATING, 4.5, "value", "whole number"),
    (RATING, "4", "value", "whole number"),
    (TEXT, "x" * 5_001, "value", "limit is 5,000"),
    (TEXT, "bad \ud800 surrogate", "value", "surrogate"),
    (TEXT, "nul \x00 inside", "value", "NUL"),
    (TEXT, 12, "value", "expected text"),
    (CHOICE, "task,route,energy", "value", "choice"),
    (DATE, "31/01/2030", "value", "not a date"),
])
def test_bad_value_is_refused_and_nothing_written(s: Store, token: str, item: str, value: Any,
                                                  field: str, message: str) -> None:
    with pytest.raises(AnswerError, match=message) as caught:
        s.save(token, {item: value})
    assert caught.value.field == field
    assert _count(s) == 0


def test_text_limit_follows_settings_with_a_hard_cap(s: Store, token: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    s.save(token, {TEXT: "x" * 5_000})
    monkeypatch.setattr(settings, "_current", settings.get().with_(text_limit=20_000))
    s.save(token, {TEXT: "y" * 20_000})
    with pytest.raises(AnswerError, match="limit is 20,000"):
        s.save(token, {TEXT: "z" * 20_001})
    assert [len(v) for v in s.history(token)["value"]] == [5_000, 20_000]


def test_a_batch_with_one_bad_row_writes_nothing(s: Store, token: str) -> None:
    with pytest.raises(AnswerError) as caught:
        s.save(token, {RATING: 4, TEXT: "fine", RATING2: 9})
    assert caught.value.field == "value"
    unconsented = s.new_participant()
    good = answers.make(token, RATING, 4)
    with pytest.raises(ConsentRequiredError):
        s.append([good, answers.make(unconsented, RATING, 4)])
    with pytest.raises(WorkbookNotFoundError):
        s.append([good, answers.make("Q" * 32, RATING, 4)])
    assert _count(s) == 0


def test_a_failure_inside_the_insert_rolls_everything_back(s: Store, token: str) -> None:
    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ANSWERS"):
            raise RuntimeError("disk on fire")

    event.listen(s._engine, "after_cursor_execute", fail)
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            s.save(token, {RATING: 4, TEXT: "written, then rolled back"})
    finally:
        event.remove(s._engine, "after_cursor_execute", fail)
    assert _count(s) == 0
    s.save(token, {RATING: 4})
    assert _count(s) == 1


def test_forged_rows_are_checked_again(s: Store, token: str) -> None:
    good = answers.make(token, RATING, 4)
    forged = [
        (replace(good, value=99), "value"),
        (replace(good, element="energy"), "item"),
        (replace(good, exercise="reflection"), "item"),
        (replace(good, item="nope"), "item"),
        (replace(good, rater="Admin!"), "rater"),
        (replace(good, workshop="lower"), "workshop"),
        (replace(good, participant="x"), "participant"),
        (replace(good, at=dt.datetime(2030, 1, 1)), "at"),  # naive
    ]
    for row, field in forged:
        with pytest.raises(AnswerError) as caught:
            s.append(row)
        assert caught.value.field == field, row
    with pytest.raises(AnswerError):
        s.append(["not an answer"])  # type: ignore[list-item]
    assert _count(s) == 0


def test_sql_in_values_is_only_data(s: Store, token: str) -> None:
    sneaky = "x'); DELETE FROM answers; DROP TABLE participants; --"
    s.save(token, {TEXT: sneaky})
    assert s.current(token)["value"].tolist() == [sneaky]
    assert _count(s, "participants") == 1


def test_bad_participant_fields(s: Store) -> None:
    with pytest.raises(AnswerError) as caught:
        s.new_participant(role="Leader!")
    assert caught.value.field == "role"
    with pytest.raises(AnswerError) as caught:
        s.new_participant(display_name="x" * 81)
    assert caught.value.field == "display_name"
    with pytest.raises(AnswerError):
        s.new_participant(display_name="\ud800")
    assert _count(s, "participants") == 0


# -- schema and migrations ---------------------------------------------------------------


def test_migrations_build_exactly_the_current_schema(s: Store) -> None:
    with s._engine.connect() as conn:
        assert _migrations.version(conn) == _migrations.LATEST
        found = inspect(conn)
        for table in _migrations.metadata.sorted_tables:
            assert {c["name"] for c in found.get_columns(table.name)} == set(table.c.keys())
            wanted = {ix.name for ix in table.indexes}
            assert {ix["name"] for ix in found.get_indexes(table.name)} >= wanted


def test_a_newer_schema_is_refused(store_url: str) -> None:
    with store.open_store(store_url) as s, s._engine.begin() as conn:
        conn.execute(update(_migrations.schema_version).values(version=_migrations.LATEST + 1))
    with pytest.raises(StoreError, match="newer version") as caught:
        store.open_store(store_url)
    assert caught.value.text_id == "store.error.newer_schema"
    assert caught.value.values["found"] == _migrations.LATEST + 1


def test_a_failing_migration_changes_nothing(store_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with store.open_store(store_url):
        pass

    def broken(conn: Any) -> None:
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("the next migration is broken")

    latest = _migrations.LATEST
    steps = (*_migrations.MIGRATIONS, _migrations.Migration(latest + 1, "broken", broken))
    monkeypatch.setattr(_migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(_migrations, "LATEST", latest + 1)
    with pytest.raises(RuntimeError, match="broken"):
        store.open_store(store_url)
    monkeypatch.undo()
    with store.open_store(store_url) as s, s._engine.connect() as conn:
        assert _migrations.version(conn) == latest
        assert not inspect(conn).has_table("half_done")


def test_a_version_1_store_gains_the_workshop_exercises(store_url: str) -> None:
    with store.open_store(store_url) as s:
        s.create_workshop("W1", "Before exercises", "cohort", ["team"], "h" * 64)
        with s._engine.begin() as conn:  # make it as version 1 left it
            conn.execute(text("ALTER TABLE workshops DROP COLUMN exercises"))
            conn.execute(update(_migrations.schema_version).values(version=1))
    with store.open_store(store_url) as s:
        found = s.workshop("W1")
        assert found is not None
        assert found.exercises == store.EXERCISES  # what every workshop had before
        with s._engine.connect() as conn:
            assert _migrations.version(conn) == _migrations.LATEST


def test_a_version_2_store_names_workshop_exercises_as_content_does(store_url: str) -> None:
    with store.open_store(store_url) as s:
        for code, chose in (("W1", ""), ("W2", "reflect"), ("W3", "plan"), ("W4", "reflect,plan")):
            s.create_workshop(code, "Before", "cohort", ["team"], "h" * 64, exercises=())
            with s._engine.begin() as conn:  # as version 2 wrote them
                conn.execute(update(_migrations.workshops)
                             .where(_migrations.workshops.c.code == code).values(exercises=chose))
        with s._engine.begin() as conn:
            conn.execute(update(_migrations.schema_version).values(version=2))
    with store.open_store(store_url) as s:
        found = {c: s.workshop(c).exercises for c in ("W1", "W2", "W3", "W4")}  # type: ignore[union-attr]
        with s._engine.connect() as conn:
            assert _migrations.version(conn) == _migrations.LATEST
    assert found == {"W1": (), "W2": ("reflection",), "W3": ("priorities", "action_plan"),
                     "W4": ("reflection", "priorities", "action_plan")}


def test_a_workshop_keeps_the_exercises_it_chose(s: Store) -> None:
    s.create_workshop("W2", "Ratings only", "team", ["team"], "h" * 64, exercises=())
    s.create_workshop("W3", "No plan", "team", ["team"], "h" * 64, exercises=["reflection"])
    assert s.workshop("W2").exercises == ()  # type: ignore[union-attr]
    assert s.workshop("W3").exercises == ("reflection",)  # type: ignore[union-attr]
    for bad in (["dance"], ["reflect"], ["action_plan", "action_plan"], "action_plan"):
        with pytest.raises(AnswerError) as caught:
            s.create_workshop("W4", "Bad", "team", ["team"], "h" * 64, exercises=bad)
        assert caught.value.field == "exercises"


def test_many_open_a_new_store_at_once(store_url: str) -> None:
    # Every one of them finds no tables and wants to migrate: exactly one must.
    barrier = threading.Barrier(6)

    def open_and_write() -> int:
        barrier.wait()
        with store.open_store(store_url) as s:
            t = s.new_participant(consent=True)
            s.save(t, {RATING: 3})
            return len(s.history(t))

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(lambda _: open_and_write(), range(6))) == [1] * 6
    with store.open_store(store_url) as s, s._engine.connect() as conn:
        assert _migrations.version(conn) == _migrations.LATEST
        assert conn.execute(text("SELECT count(*) FROM trace_schema")).scalar_one() == 1
        assert _count(s) == 6


def test_migrating_twice_is_a_no_op(store_url: str) -> None:
    with store.open_store(store_url) as s:
        t = s.new_participant(consent=True)
        s.save(t, {RATING: 2})
        with s._engine.begin() as conn:
            assert _migrations.upgrade(conn) == (_migrations.LATEST, _migrations.LATEST)
    with store.open_store(store_url) as s:
        assert len(s.history(t)) == 1


# -- SQLite specifics --------------------------------------------------------------------


def test_sqlite_connections_are_set_up(tmp_path: Path) -> None:
    with store.open_store(f"sqlite:///{tmp_path / 'x.sqlite3'}") as s, \
            s._engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys",
                               "secure_delete")}
    assert pragma == {"journal_mode": "wal", "busy_timeout": 10_000, "synchronous": 2,
                      "foreign_keys": 1, "secure_delete": 1}


def test_sqlite_writes_begin_immediate(tmp_path: Path) -> None:
    with store.open_store(f"sqlite:///{tmp_path / 'x.sqlite3'}") as s:
        t = s.new_participant(consent=True)
        statements: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement.split(maxsplit=1)[0].upper() if statement.strip() else "")
            if statement.startswith("BEGIN"):
                statements[-1] = statement

        event.listen(s._engine, "before_cursor_execute", seen)
        s.save(t, {RATING: 4})
        s.current(t)
        event.remove(s._engine, "before_cursor_execute", seen)
    begins = [x for x in statements if x.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"]  # participant(), append, current


def test_default_store_comes_from_settings_and_its_folder_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "deep" / "er" / "trace.sqlite3"
    monkeypatch.setattr(settings, "_current", settings.get().with_(store=f"sqlite:///{path}"))
    with store.open_store() as s:
        assert s.backend == "sqlite"
        s.save(s.new_participant(consent=True), {RATING: 3})
    assert path.is_file()
    assert path.stat().st_mode & 0o077 == 0  # answers are readable by their owner only
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_in_memory_store_works_for_tests() -> None:
    with store.open_store("sqlite://") as s:
        t = s.new_participant(consent=True)
        s.save(t, {RATING: 3})
        assert s.current(t)["value"].tolist() == [3]


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "sqlite:////proc/nope/x.db"])
def test_unusable_store_urls_are_plain_errors(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        store.open_store(url)
    assert "Traceback" not in str(caught.value)


def test_unreachable_postgres_is_a_plain_error() -> None:
    port = _free_port()
    with pytest.raises(StoreError, match="not available") as caught:
        store.open_store(f"postgresql://trace:secret@127.0.0.1:{port}/nothing")
    assert "secret" not in str(caught.value)


@pytest.mark.postgres
def test_url_hides_the_password(pg_server: PgServer) -> None:
    url = pg_server.new_database().replace("trace@", "trace:secret@")
    with store.open_store(url) as s:  # the test server trusts, so any password will do
        assert s.backend == "postgresql"
        assert "secret" not in s.url
        assert "secret" not in repr(s)


def test_plain_postgresql_urls_use_psycopg() -> None:
    engine = _store_engine.make_engine("postgres://trace@127.0.0.1:1/x")
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


# -- performance -------------------------------------------------------------------------


def test_workshop_answers_for_40_people(s: Store) -> None:
    s.create_workshop("BIG", "Forty people", "cohort", ["self", "team"], HASH)
    statements = [i for i in answers_items() if re.fullmatch(r"(task|route)\.\w+\.s\d+", i)]
    for n in range(40):
        t = s.new_participant(workshop="BIG", consent=True)
        s.save(t, dict.fromkeys(statements, 3))
        s.save(t, {statements[0]: (n % 5) + 1})  # one changed answer each
    # Its speed is measured by benchmarks/bench_coach.py (dashboard refresh), not here.
    frame = s.workshop_answers("BIG")
    assert len(frame) == 40 * len(statements)
    assert frame.groupby("participant")["item"].nunique().eq(len(statements)).all()


def answers_items() -> list[str]:
    from trace_widgets import content  # noqa: PLC0415

    return list(content.get().items)


def test_values_travel_as_parameters(s: Store) -> None:
    # Every statement the store runs is built by SQLAlchemy with bound parameters.
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(s._engine, "before_cursor_execute", record)
    t = s.new_participant(consent=True)
    s.save(t, {TEXT: "a value that must travel as a parameter"})
    s.current(t)
    event.remove(s._engine, "before_cursor_execute", record)
    assert seen
    assert not any("must travel" in stmt or t in stmt for stmt, _ in seen)


def test_an_answer_sent_again_is_kept_once(s: Store, token: str) -> None:
    # A save retried after a failure that came after its commit sends the same rows again.
    rows = [answers.make(token, RATING, 4), answers.make(token, TEXT, "Kept once")]
    s.append(rows)
    s.append(rows)
    s.append([rows[0], answers.make(token, RATING2, 2)])
    assert _count(s) == 3
    later = answers.make(token, RATING, 4)  # the same value given again later is a new answer
    s.append([later])
    assert _count(s) == 4
    assert s.history(token)["item"].tolist() == [RATING, TEXT, RATING2, RATING]
