"""The store's tables and the numbered migrations that build them, run in order on open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    insert,
    inspect,
    select,
    text,
    update,
)

TOKEN_LENGTH = 128
CODE_LENGTH = 16


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime in both backends.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC text (which also sorts in time order) and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware datetimes")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# An integer primary key that SQLite treats as the rowid (only INTEGER does) and that
# PostgreSQL can count past 2**31.
_ID = BigInteger().with_variant(Integer, "sqlite")

# Spelled out, not read from exercises.registry: a migration must do tomorrow exactly what
# it did the day it shipped, so the kinds a later release registers must not change it.
ALL_EXERCISES = "reflection,priorities,action_plan"
"""The default of ``workshops.exercises``: the optional built-in exercise kinds' ids as they
were when the column was made; the store always writes the column, so this is a fallback."""
_V2_EXERCISES = "reflect,plan"  # what migration 2 called them (renamed by migration 3)
_V3_RENAMED = {"reflect": ("reflection",), "plan": ("priorities", "action_plan")}

metadata = MetaData()
"""The current schema. Migration 1 builds it; see the note on :data:`MIGRATIONS`."""

schema_version = Table(
    "trace_schema", metadata,
    Column("version", Integer, nullable=False),
)

workshops = Table(
    "workshops", metadata,
    Column("code", String(CODE_LENGTH), primary_key=True),
    Column("title", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("spaces", Text, nullable=False),  # comma list of space ids, in order
    # Comma list of the optional exercises it includes (ratings are always in).
    Column("exercises", Text, nullable=False, server_default=ALL_EXERCISES),
    Column("coach_key_hash", Text, nullable=False),
    # A team's leader joins with their own key (shown to the coach once, kept as a salted
    # hash like the coach key); NULL until one is made, and for cohorts.
    Column("leader_key_hash", Text, nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("closed", UTCDateTime, nullable=True),
    Column("round", Integer, nullable=False, server_default="1"),  # the workshop's round now
    # The journey (journeys/<id>.yaml) its participants follow; "default" before there
    # was a choice.
    Column("journey", String(64), nullable=False, server_default="default"),
    CheckConstraint("kind IN ('cohort', 'team')", name="ck_workshops_kind"),
)

participants = Table(
    "participants", metadata,
    Column("token", String(TOKEN_LENGTH), primary_key=True),
    Column("created", UTCDateTime, nullable=False),
    Column("consent_at", UTCDateTime, nullable=True),
    Column("display_name", Text, nullable=True),
    Column("workshop", String(CODE_LENGTH), ForeignKey("workshops.code"), nullable=True),
    Column("role", String(32), nullable=True),
    # The round this workbook rates in now (1, 2, ...): a learner, or a coach for a
    # workshop, starts the next one on purpose; it is never guessed from time gaps.
    Column("round", Integer, nullable=False, server_default="1"),
    # A rater link is a workbook too: it rates ``subject`` (the learner who made it) in the
    # spaces listed, as one of the rater groups (``role``), in one round, until ``closed``.
    Column("subject", String(TOKEN_LENGTH), ForeignKey("participants.token"), nullable=True),
    Column("spaces", Text, nullable=True),
    Column("closed", UTCDateTime, nullable=True),
    Index("ix_participants_subject", "subject", "round"),
)

answers = Table(
    "answers", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("participant", String(TOKEN_LENGTH), ForeignKey("participants.token"),
           nullable=False),
    Column("workshop", String(CODE_LENGTH), nullable=False),  # "" for solo use
    Column("exercise", String(64), nullable=False),
    Column("item", String(128), nullable=False),
    Column("element", String(64), nullable=True),
    Column("space", String(64), nullable=True),
    Column("rater", String(32), nullable=False),
    Column("round", Integer, nullable=False, server_default="1"),
    # The instrument (item bank) and its version the answer was given against: the store
    # always writes them; rows from before they existed got the bundled instrument's.
    Column("instrument", String(64), nullable=False, server_default=""),
    Column("version", String(32), nullable=False, server_default=""),
    # A rating in value_int, a text in value_text, "not sure" as neither: the type
    # survives the round trip, which one untyped column would not promise.
    Column("value_int", BigInteger, nullable=True),
    Column("value_text", Text, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint("value_int IS NULL OR value_text IS NULL", name="ck_answers_one_value"),
    # Latest row per item is max(id) per (participant, item): this index answers it alone.
    Index("ix_answers_participant_item", "participant", "item", "id"),
    Index("ix_answers_workshop", "workshop", "participant", "item"),
)

group_releases = Table(
    "group_releases", metadata,
    # What a group view last published (trace_widgets.group.Release as JSON), by scope, e.g.
    # "workshop:K7MQ4P": the rule against differencing holds across kernels and tabs.
    Column("scope", String(200), primary_key=True),
    # Bumped on every write: a writer that read an older version loses and reads again.
    Column("version", BigInteger, nullable=False),
    Column("state", Text, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)


research_keys = Table(
    "research_keys", metadata,
    # One row: the key of the research pseudonyms (HMAC-SHA256). Made on first use, read
    # only by Store.research_key, never exported: without it a pseudonym cannot be linked
    # to a token, even by someone who holds the token.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(128), nullable=False),
    Column("created", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="ck_research_keys_one_row"),
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: ``apply`` runs inside the open write transaction."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    metadata.create_all(conn, tables=[workshops, participants, answers])


def _v2_workshop_exercises(conn: Connection) -> None:
    # A new database got the column from migration 1 (it builds the current tables).
    if "exercises" not in {c["name"] for c in inspect(conn).get_columns("workshops")}:
        conn.execute(text("ALTER TABLE workshops ADD COLUMN exercises TEXT NOT NULL "
                          f"DEFAULT '{_V2_EXERCISES}'"))


def _v3_exercise_names(conn: Connection) -> None:
    """Workshops name their exercises as content and answers do (one set of names)."""
    for code, old in conn.execute(select(workshops.c.code, workshops.c.exercises)).all():
        new = ",".join(n for e in old.split(",") if e for n in _V3_RENAMED.get(e, (e,)))
        if new != old:
            conn.execute(update(workshops).where(workshops.c.code == code)
                         .values(exercises=new))
    if conn.dialect.name == "postgresql":  # SQLite cannot change a default (nor needs to)
        conn.execute(text("ALTER TABLE workshops ALTER COLUMN exercises "
                          f"SET DEFAULT '{ALL_EXERCISES}'"))


def _add_round(conn: Connection, table: str) -> None:
    if "round" not in {c["name"] for c in inspect(conn).get_columns(table)}:
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN round INTEGER NOT NULL DEFAULT 1"))


def _v4_rounds(conn: Connection) -> None:
    # Every answer given before rounds existed belongs to round 1.
    for table in ("answers", "participants", "workshops"):
        _add_round(conn, table)


def _v5_raters(conn: Connection) -> None:
    found = {c["name"] for c in inspect(conn).get_columns("participants")}
    kinds = {"subject": f"VARCHAR({TOKEN_LENGTH}) REFERENCES participants(token)",
             "spaces": "TEXT", "closed": "TIMESTAMP" if conn.dialect.name == "sqlite"
             else "TIMESTAMP WITH TIME ZONE"}
    for name, kind in kinds.items():
        if name not in found:
            conn.execute(text(f"ALTER TABLE participants ADD COLUMN {name} {kind}"))
    if "ix_participants_subject" not in {ix["name"] for ix in
                                         inspect(conn).get_indexes("participants")}:
        conn.execute(text("CREATE INDEX ix_participants_subject ON participants "
                          "(subject, round)"))


def _v6_group_releases(conn: Connection) -> None:
    group_releases.create(conn, checkfirst=True)


def _v7_leader_key(conn: Connection) -> None:
    if "leader_key_hash" not in {c["name"] for c in inspect(conn).get_columns("workshops")}:
        conn.execute(text("ALTER TABLE workshops ADD COLUMN leader_key_hash TEXT"))


def _v8_research_keys(conn: Connection) -> None:
    research_keys.create(conn, checkfirst=True)


def _v9_instruments(conn: Connection) -> None:
    """Every answer names its instrument and version; older rows were all given against the
    bundled instrument, whose version now is the only one there has been."""
    from . import content  # noqa: PLC0415 - only this step needs content

    found = {c["name"] for c in inspect(conn).get_columns("answers")}
    for name, size in (("instrument", 64), ("version", 32)):
        if name not in found:
            conn.execute(text(f"ALTER TABLE answers ADD COLUMN {name} VARCHAR({size}) "
                              "NOT NULL DEFAULT ''"))
    if conn.execute(select(answers.c.id).where(answers.c.instrument == "").limit(1)).first():
        main = content.load().instrument()  # the bundled one, whatever TRACE_CONTENT_DIR says
        conn.execute(update(answers).where(answers.c.instrument == "")
                     .values(instrument=main.id, version=main.version))


def _v10_workshop_journey(conn: Connection) -> None:
    if "journey" not in {c["name"] for c in inspect(conn).get_columns("workshops")}:
        conn.execute(text("ALTER TABLE workshops ADD COLUMN journey VARCHAR(64) NOT NULL "
                          "DEFAULT 'default'"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "workshops, participants and the append-only answers table", _v1_initial),
    Migration(2, "a workshop chooses its optional exercises", _v2_workshop_exercises),
    Migration(3, "workshop exercises named as in content: reflection, priorities, action_plan",
              _v3_exercise_names),
    Migration(4, "rounds of rating: every answer, workbook and workshop has a round",
              _v4_rounds),
    Migration(5, "rater links: a workbook that rates another one's leadership", _v5_raters),
    Migration(6, "what each group view last published (no differencing)", _v6_group_releases),
    Migration(7, "a team's leader joins with a key of their own", _v7_leader_key),
    Migration(8, "the server's key for research pseudonyms (made on first use)",
              _v8_research_keys),
    Migration(9, "every answer names the instrument and version it was given against",
              _v9_instruments),
    Migration(10, "a workshop follows the journey its coach chose", _v10_workshop_journey),
)
"""Every schema change, in order. Never edit a shipped step: add the next one.

Migration 1 builds its tables from :data:`metadata`, so a new database has every column at
once; later steps add what older databases lack and skip what is already there.
``test_store`` checks that migrating an empty database ends at exactly :data:`metadata`,
and that a version-1 database gains what came after.
"""

LATEST = MIGRATIONS[-1].version

# Any constant: PostgreSQL advisory locks are keyed by a number, not a name.
_PG_LOCK = 0x7472616365  # "trace"


def version(conn: Connection) -> int | None:
    """The schema version of the database, or None if it has no store yet."""
    if not inspect(conn).has_table(schema_version.name):
        return None
    return conn.scalar(select(schema_version.c.version))


def upgrade(conn: Connection) -> tuple[int, int]:
    """Apply the pending migrations inside the caller's write transaction.

    Returns the versions before and after. A database newer than this code is left alone
    (before > :data:`LATEST`) for the caller to refuse.
    """
    if conn.dialect.name == "postgresql":
        # Two processes opening a new database at once must not both create the tables.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    schema_version.create(conn, checkfirst=True)
    found = conn.scalar(select(schema_version.c.version))
    if found is None:
        conn.execute(insert(schema_version).values(version=0))
        found = 0
    if found >= LATEST:
        return found, found
    for step in MIGRATIONS:
        if step.version > found:
            step.apply(conn)
            conn.execute(update(schema_version).values(version=step.version))
    return found, LATEST
