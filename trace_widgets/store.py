"""The answer store: append-only answers in a SQLite file (default) or PostgreSQL (by URL).

Everything goes through :class:`Store` (SQLAlchemy Core, no ORM). It knows SQL, and nothing
about widgets: values are checked by :mod:`trace_widgets.answers` before any SQL runs.

Examples
--------
>>> from trace_widgets import store
>>> with store.open_store("sqlite://") as s:
...     token = s.new_participant(consent=True)
...     _ = s.save(token, {"task.self.s1": 4})
...     s.current(token)["value"].tolist()
[4]
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    Row,
    Select,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from . import _migrations as m
from . import answers as answers_mod
from . import content as content_mod
from . import settings
from ._store_engine import BUSY_TIMEOUT_MS, WRITE, make_engine
from ._store_errors import StoreError
from ._store_export import (
    CSV_COLUMNS,
    EXPORT_FORMAT,
    EXPORT_VERSION,
    Format,
    answers_frame,
    read_export,
    write_export,
)
from ._words import say
from .answers import Answer, AnswerError
from .exercises import rater_comment, registry
from .group import LEADER
from .scoring import RATING

RATER_EXERCISES = (RATING, rater_comment.KIND_ID)
"""What a rater link answers: the statements of its spaces, and a comment on each."""

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CSV_COLUMNS",
    "EXERCISES",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "KINDS",
    "RATER_EXERCISES",
    "ConsentRequiredError",
    "Format",
    "LeaderTakenError",
    "Participant",
    "RaterLink",
    "RaterLinkClosedError",
    "Store",
    "StoreError",
    "WorkbookNotFoundError",
    "Workshop",
    "WorkshopClosedError",
    "WorkshopNotFoundError",
    "open_store",
    "pseudonym",
    "rater_release_scope",
    "read_export",
]

KINDS = ("cohort", "team")
EXERCISES = registry.workshop_exercises()
"""What a workshop may include besides the ratings (which every workshop has: the group
results are made of them): the optional exercise kinds (``exercises.registry``)."""


class WorkbookNotFoundError(StoreError):
    """No workbook has this token (or it is not a token). Says nothing about other tokens."""

    default_text_id = "store.error.workbook_not_found"


class WorkshopNotFoundError(StoreError):
    """No workshop has this code."""

    default_text_id = "store.error.workshop_not_found"


class WorkshopClosedError(StoreError):
    """The workshop is closed: it takes no new participants and no new answers."""

    default_text_id = "workshop.join.closed"


class LeaderTakenError(StoreError):
    """A team workshop has its leader already: one leader per workshop."""

    default_text_id = "workshop.leader.taken"


class ConsentRequiredError(StoreError):
    """The participant has not consented yet, so nothing of theirs may be kept."""

    default_text_id = "store.error.consent_required"


@dataclass(frozen=True)
class Participant:
    """One workbook: its token is the resume key, so it is left out of ``repr``."""

    token: str = field(repr=False)
    created: dt.datetime
    consent_at: dt.datetime | None
    display_name: str | None
    workshop: str | None
    role: str | None
    round: int = 1
    """The round this workbook rates in now."""
    subject: str | None = field(default=None, repr=False)
    """For a rater link: the token of the learner it rates (never shown to the rater)."""
    spaces: str | None = None
    """For a rater link: the spaces it rates, a comma list."""
    closed: dt.datetime | None = None
    """For a rater link: when the learner closed its round (it then takes no answers)."""


@dataclass(frozen=True)
class RaterLink:
    """What a rater's page may know about the link it was opened with: never the token of
    the learner rated, only their first name (if they gave one)."""

    token: str = field(repr=False)
    group: str
    spaces: tuple[str, ...]
    round: int
    first_name: str | None
    consent_at: dt.datetime | None
    closed: dt.datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed is None


class RaterLinkClosedError(StoreError):
    """The learner has closed this rater link's round: it takes no more answers."""

    default_text_id = "raters.page.closed"


@dataclass(frozen=True)
class Workshop:
    """A workshop a coach runs; ``closed`` is None while it is open."""

    code: str
    title: str
    kind: str
    spaces: tuple[str, ...]
    coach_key_hash: str = field(repr=False)
    created: dt.datetime
    closed: dt.datetime | None
    exercises: tuple[str, ...] = EXERCISES
    """The optional exercises it includes (out of the content's ``workshop_exercises``);
    everyone rates."""
    round: int = 1
    """The round its participants rate in now (the coach starts the next one)."""
    leader_key_hash: str | None = field(default=None, repr=False)
    """The salted hash of a team's leader key (None until one is made)."""
    journey: str = content_mod.DEFAULT_JOURNEY
    """The journey its participants follow (``journeys/*.yaml``), chosen by the coach."""

    @property
    def is_open(self) -> bool:
        return self.closed is None


def open_store(url: str | None = None) -> Store:
    """Open the store at ``url`` (default: ``settings.get().store``), migrating it if needed.

    Parameters
    ----------
    url
        ``sqlite:///PATH`` (the folder is created), ``sqlite://`` (in memory, for tests) or
        ``postgresql://USER@HOST/DB``.

    Raises
    ------
    StoreError
        The URL is not usable, the database cannot be reached or is newer than this code.

    Examples
    --------
    >>> with open_store("sqlite://") as s:
    ...     s.backend
    'sqlite'
    """
    return Store(settings.get().store if url is None else url)


def pseudonym(token: str) -> str:
    """A stable stand-in for ``token`` that cannot be used to open the workbook.

    Examples
    --------
    >>> pseudonym("A" * 32) == pseudonym("A" * 32), pseudonym("A" * 32).startswith("p-")
    (True, True)
    """
    # The token has 160 random bits, so a plain hash of it cannot be turned back.
    return "p-" + hashlib.sha256(b"trace-workbook pseudonym\0" + token.encode()).hexdigest()[:16]


def rater_release_scope(token: str, round: int | None) -> str:  # noqa: A002
    """The store's name for what a learner was shown of their raters in a round (one for
    the Plan step and the learner's report); with ``round`` None, the prefix of them all.

    Examples
    --------
    >>> rater_release_scope("A" * 32, 2) == rater_release_scope("A" * 32, None) + "2"
    True
    """
    return f"raters:{pseudonym(token)}:" + ("" if round is None else str(int(round)))


class Store:
    """The answer store. Use :func:`open_store`; close it (or use ``with``) when done."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        try:
            self._migrate()
        except BaseException:
            self._engine.dispose()
            raise

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def url(self) -> str:
        """The store URL with any password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def close(self) -> None:
        """Close every connection (the store can be opened again with :func:`open_store`)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- participants ----------------------------------------------------------------------

    def new_participant(self, *, workshop: str | None = None, role: str | None = None,
                        display_name: str | None = None, consent: bool = False) -> str:
        """Create a workbook and return its token, the learner's resume key (160 random bits).

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     len(s.new_participant())
        32
        """
        if role is not None:
            answers_mod.check_rater(role, field="role")
        name = answers_mod.check_text(display_name, limit=80, field="display_name").strip() \
            if display_name is not None else None
        # Base32 of 20 random bytes: 32 characters, no padding, nothing a spreadsheet or a
        # URL would mangle, easy to read out.
        token = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
        at = answers_mod.now()
        with self._write() as conn:
            round_now = 1
            if workshop is not None:
                self._require_open_workshop(conn, workshop, lock=role == LEADER)
                # Someone who joins in the workshop's second round rates in that round.
                round_now = int(conn.scalar(select(m.workshops.c.round)
                                            .where(m.workshops.c.code == workshop)) or 1)
            if workshop is not None and role == LEADER:
                # One leader per workshop: the workshop row is locked (FOR UPDATE; SQLite
                # writes one at a time), so two people claiming at once cannot both win.
                p = m.participants.c
                taken = conn.scalar(select(func.count()).where(
                    p.workshop == workshop, p.role == LEADER))
                if taken:
                    raise LeaderTakenError
            conn.execute(insert(m.participants).values(
                token=token, created=at, consent_at=at if consent else None,
                display_name=name or None, workshop=workshop, role=role, round=round_now,
            ))
        return token

    def participant(self, token: str) -> Participant:
        """The workbook with this token; raises :class:`WorkbookNotFoundError` for any other input.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     s.participant(s.new_participant(consent=True)).consent_at is not None
        True
        """
        token = _token(token)
        with self._read() as conn:
            row = conn.execute(
                select(m.participants).where(m.participants.c.token == token)
            ).one_or_none()
        if row is None:
            raise WorkbookNotFoundError
        return Participant(**row._mapping)

    def record_consent(self, token: str) -> dt.datetime:
        """Record that the participant consented (the first time counts); return when.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant()
        ...     s.record_consent(t) == s.record_consent(t)
        True
        """
        token = _token(token)
        p = m.participants.c
        with self._write() as conn:
            conn.execute(update(m.participants).where(p.token == token, p.consent_at.is_(None))
                         .values(consent_at=answers_mod.now()))
            at = conn.execute(select(p.consent_at).where(p.token == token)).one_or_none()
        if at is None:
            raise WorkbookNotFoundError
        return at[0]

    def erase(self, token: str) -> int:
        """Delete the workbook and every answer in it; return how many answer rows went.

        On SQLite, deleted content is overwritten (``secure_delete``) and the write-ahead
        log is truncated, so the text does not linger in the files.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     _ = s.save(t, {"task.self.s1": 4, "task.self.s2": 2})
        ...     s.erase(t)
        2
        """
        token = _token(token)
        with self._write() as conn:
            found = conn.execute(select(m.participants.c.token)
                                 .where(m.participants.c.token == token)
                                 .with_for_update()).one_or_none()
            if found is None:
                raise WorkbookNotFoundError
            # The answers others gave about this learner go with the workbook.
            raters = select(m.participants.c.token).where(m.participants.c.subject == token)
            conn.execute(delete(m.answers).where(m.answers.c.participant.in_(raters)))
            conn.execute(delete(m.participants).where(m.participants.c.subject == token))
            # What the learner was shown of their raters (aggregates and hashes) goes too.
            conn.execute(delete(m.group_releases).where(
                m.group_releases.c.scope.like(rater_release_scope(token, None) + "%")))
            gone = conn.execute(delete(m.answers).where(m.answers.c.participant == token))
            conn.execute(delete(m.participants).where(m.participants.c.token == token))
        if self.backend == "sqlite":
            self._truncate_wal()
        return int(gone.rowcount)

    # -- rater links -----------------------------------------------------------------------

    def invite(self, token: str, group: str, spaces: Sequence[str]) -> str:
        """Make a rater link for the learner's round now; return the rater's token.

        The token goes to the learner once, to hand on to one person; after that the
        learner sees only how many of each group have answered (:meth:`rater_counts`).

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     me = s.new_participant(consent=True, display_name="Sam Jones")
        ...     link = s.rater_link(s.invite(me, "peer", ["team"]))
        ...     link.group, link.spaces, link.first_name, link.round
        ('peer', ('team',), 'Sam', 1)
        """
        c = content_mod.get()
        rules = c.raters
        if group not in {g.id for g in rules.groups}:
            raise AnswerError("group", "answer.error.not_a_rater_group")
        chosen = tuple(spaces) if not isinstance(spaces, str) else ()
        if not chosen or not set(chosen) <= set(rules.spaces) or len(set(chosen)) < len(chosen):
            raise AnswerError("spaces", "answer.error.spaces", known=", ".join(rules.spaces))
        learner = self.participant(token)
        if learner.subject is not None or learner.workshop:
            raise AnswerError("participant", "answer.error.cannot_invite")
        rater = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
        with self._write() as conn:
            conn.execute(insert(m.participants).values(
                token=rater, created=answers_mod.now(), consent_at=None, display_name=None,
                workshop=None, role=group, round=learner.round, subject=learner.token,
                spaces=",".join(s for s in rules.spaces if s in chosen), closed=None,
            ))
        return rater

    def rater_link(self, token: str) -> RaterLink | None:
        """The rater link with this token, or None (also for a learner's own token)."""
        try:
            p = self.participant(token)
        except WorkbookNotFoundError:
            return None
        if p.subject is None:
            return None
        learner = self.participant(p.subject)
        name = (learner.display_name or "").split()
        return RaterLink(p.token, p.role or "", tuple((p.spaces or "").split(",")), p.round,
                         name[0] if name else None, p.consent_at, p.closed)

    def rater_counts(self, token: str, *, round: int | None = None  # noqa: A002
                     ) -> pd.DataFrame:
        """Per rater link of the learner's round (default: now): its group and whether it has
        given any rating, sorted by group and answered first, so that the order says nothing
        about who. No token.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     me = s.new_participant(consent=True)
        ...     _ = s.invite(me, "peer", ["team"])
        ...     s.rater_counts(me).to_dict("records")
        [{'group': 'peer', 'answered': False}]
        """
        learner = self.participant(token)
        wanted = learner.round if round is None else answers_mod.check_round(round)
        p, a = m.participants.c, m.answers.c
        rated = (select(a.id).where(a.participant == p.token, a.exercise == RATING)
                 .limit(1).exists())
        with self._read() as conn:
            rows = conn.execute(select(p.role, rated).where(
                p.subject == learner.token, p.round == wanted)).all()
        frame = pd.DataFrame([(r[0], bool(r[1])) for r in rows], columns=["group", "answered"])
        return frame.sort_values(["group", "answered"], ascending=[True, False],
                                 ignore_index=True)

    def raters_closed(self, token: str) -> bool:
        """Whether the learner has closed their round now to raters (and has any links)."""
        learner = self.participant(token)
        p = m.participants.c
        with self._read() as conn:
            rows = conn.execute(select(p.closed).where(
                p.subject == learner.token, p.round == learner.round)).all()
        return bool(rows) and all(r.closed is not None for r in rows)

    def close_raters(self, token: str) -> int:
        """Close the learner's round now to raters: their links take no more answers.
        Returns how many links were closed."""
        learner = self.participant(token)
        p = m.participants.c
        with self._write() as conn:
            done = conn.execute(update(m.participants).where(
                p.subject == learner.token, p.round == learner.round, p.closed.is_(None),
            ).values(closed=answers_mod.now()))
        return int(done.rowcount)

    def about(self, token: str, *, round: int | None = None  # noqa: A002
              ) -> pd.DataFrame:
        """The current ratings and comments others gave about the learner in a round
        (default: now).

        Rater tokens are replaced by :func:`pseudonym` (they never leave the store but to
        their owner); ``rater`` is each rater's group. What the learner may see of these
        is decided by :func:`trace_widgets.others.views`.
        """
        learner = self.participant(token)
        wanted = learner.round if round is None else answers_mod.check_round(round)
        a, p = m.answers.c, m.participants.c
        raters = select(p.token).where(p.subject == learner.token, p.round == wanted)
        ids = (select(func.max(a.id).label("id"))
               .where(a.participant.in_(raters), a.exercise.in_(RATER_EXERCISES))
               .group_by(a.participant, a.item).subquery())
        frame = self._frame(_SELECT.join_from(m.answers, ids, a.id == ids.c.id)
                            .order_by(a.id))
        names = {t: pseudonym(t) for t in frame["participant"].unique()}
        frame["participant"] = frame["participant"].map(names)
        return frame

    # -- workshops -------------------------------------------------------------------------

    def create_workshop(self, code: str, title: str, kind: str, spaces: Sequence[str],
                        coach_key_hash: str, *, exercises: Sequence[str] | None = None,
                        journey: str = content_mod.DEFAULT_JOURNEY) -> Workshop:
        """Create an open workshop. Store only a hash of the coach's key, never the key.

        ``exercises`` are the optional ones it includes (default: all the content has);
        ``journey`` is the one its participants follow, which must have a step for each of
        its ``spaces``.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     s.create_workshop("NHS1", "Ward leads", "cohort", ["self", "team"], "h" * 64).spaces
        ('self', 'team')
        """
        if not answers_mod.check_workshop_code(code, field="code"):
            raise AnswerError("code", "answer.error.empty")
        title = answers_mod.check_text(title, limit=200, field="title").strip()
        if not title:
            raise AnswerError("title", "answer.error.empty")
        if kind not in KINDS:
            raise AnswerError("kind", "answer.error.one_of", known=", ".join(KINDS))
        c = content_mod.get()
        if not isinstance(journey, str) or journey not in c.journeys:
            raise AnswerError("journey", "answer.error.one_of", known=", ".join(c.journeys))
        known = set(c.journey(journey).spaces)
        chosen = tuple(spaces) if not isinstance(spaces, str) else ()
        if not chosen or not set(chosen) <= known or len(set(chosen)) < len(chosen):
            raise AnswerError("spaces", "answer.error.spaces",
                              known=", ".join(c.journey(journey).spaces))
        optional = c.workshop_exercises
        if exercises is None:
            exercises = optional
        extra = tuple(exercises) if not isinstance(exercises, str) else (exercises, "")
        if not set(extra) <= set(optional) or len(set(extra)) < len(extra):
            raise AnswerError("exercises", "answer.error.different_ones",
                              known=", ".join(optional))
        extra = tuple(e for e in optional if e in extra)
        key_hash = answers_mod.check_text(coach_key_hash, limit=512, field="coach_key_hash")
        if not key_hash or any(c.isspace() for c in key_hash):
            raise AnswerError("coach_key_hash", "answer.error.not_a_hash")
        made = Workshop(code, title, kind, chosen, key_hash, answers_mod.now(), None, extra,
                        journey=journey)
        try:
            with self._write() as conn:
                conn.execute(insert(m.workshops).values(
                    code=code, title=title, kind=kind, spaces=",".join(chosen),
                    exercises=",".join(extra), coach_key_hash=key_hash, created=made.created,
                    closed=None, journey=journey,
                ))
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                raise StoreError("store.error.code_taken", code=code) from None
            raise
        return made

    def workshop(self, code: str) -> Workshop | None:
        """The workshop with this code, or None.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     s.workshop("NOPE") is None
        True
        """
        try:
            code = answers_mod.check_workshop_code(code)
        except AnswerError:
            return None
        with self._read() as conn:
            row = conn.execute(select(m.workshops).where(m.workshops.c.code == code)).one_or_none()
        return None if row is None else _workshop(row)

    def close_workshop(self, code: str) -> Workshop:
        """Close a workshop (the first close counts); it then refuses new answers.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
        ...     s.close_workshop("W1").is_open
        False
        """
        w = m.workshops.c
        with self._write() as conn:
            conn.execute(update(m.workshops).where(w.code == code, w.closed.is_(None))
                         .values(closed=answers_mod.now()))
        found = self.workshop(code)
        if found is None:
            raise WorkshopNotFoundError
        return found

    def set_leader_key_hash(self, code: str, key_hash: str) -> bool:
        """Keep the hash of a team workshop's leader key, once: False (nothing changed) when
        it has one already or is not an open team workshop.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
        ...     s.set_leader_key_hash("W1", "x" * 64), s.set_leader_key_hash("W1", "y" * 64)
        (True, False)
        """
        key_hash = answers_mod.check_text(key_hash, limit=512, field="leader_key_hash")
        if not key_hash or any(c.isspace() for c in key_hash):
            raise AnswerError("leader_key_hash", "answer.error.not_a_hash")
        w = m.workshops.c
        with self._write() as conn:
            done = conn.execute(update(m.workshops).where(
                w.code == code, w.kind == "team", w.closed.is_(None),
                w.leader_key_hash.is_(None)).values(leader_key_hash=key_hash))
        return bool(done.rowcount)

    # -- answers ---------------------------------------------------------------------------

    def append(self, rows: Answer | Iterable[Answer]) -> tuple[Answer, ...]:
        """Keep answers, all in one transaction: either every row is written or none is.

        Each row is checked again with :func:`answers.make` (any client can forge a row),
        the participant must exist and have consented, and the workshop must be open.

        Raises
        ------
        AnswerError
            A value is not acceptable; ``field`` names it.
        WorkbookNotFoundError, ConsentRequiredError, WorkshopClosedError
            The rows cannot be kept for this participant.

        Examples
        --------
        >>> from trace_widgets import answers
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     rows = [answers.make(t, "task.self.s1", 3), answers.make(t, "task.self.p1", "Hi")]
        ...     len(s.append(rows))
        2
        """
        batch = tuple(_recheck(a) for a in ((rows,) if isinstance(rows, Answer) else rows))
        if not batch:
            return ()
        with self._write() as conn:
            self._require_can_answer(conn, batch)
            fresh = _not_kept(conn, batch)
            if fresh:
                conn.execute(insert(m.answers), [_to_row(a) for a in fresh])
        return batch

    def start_round(self, token: str) -> int:
        """Start the participant's next round of rating and return its number.

        A round with no rating in it yet is not left behind empty: starting again then
        keeps the round as it is. Answers of earlier rounds stay as they were.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     first = s.start_round(t)  # nothing rated yet: still round 1
        ...     _ = s.save(t, {"task.self.s1": 4})
        ...     first, s.start_round(t), s.participant(t).round
        (1, 2, 2)
        """
        token = _token(token)
        p, a = m.participants.c, m.answers.c
        with self._write() as conn:
            found = conn.execute(select(p.round).where(p.token == token)
                                 .with_for_update()).one_or_none()
            if found is None:
                raise WorkbookNotFoundError
            rated = conn.scalar(select(a.id).where(
                a.participant == token, a.round == found.round, a.exercise == RATING,
            ).limit(1))
            if rated is None:
                return int(found.round)
            conn.execute(update(m.participants).where(p.token == token)
                         .values(round=found.round + 1))
        return int(found.round) + 1

    def start_workshop_round(self, code: str) -> int:
        """Start a workshop's next round for everyone in it (the coach's choice); its number.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
        ...     t = s.new_participant(workshop="W1", consent=True)
        ...     s.start_workshop_round("W1"), s.participant(t).round
        (2, 2)
        """
        w, p = m.workshops.c, m.participants.c
        with self._write() as conn:
            self._require_open_workshop(conn, code)
            now_round = int(conn.scalar(select(w.round).where(w.code == code)) or 1) + 1
            conn.execute(update(m.workshops).where(w.code == code).values(round=now_round))
            conn.execute(update(m.participants).where(p.workshop == code)
                         .values(round=now_round))
        return now_round

    def save(self, token: str, values: Mapping[str, object], *,
             rater: str = "self") -> tuple[Answer, ...]:
        """Check and keep ``{item id: value}`` for a participant, in their workshop if any.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     [a.value for a in s.save(t, {"task.self.s1": None, "task.self.p1": "Why"})]
        [None, 'Why']
        """
        p = self.participant(token)
        return self.append([answers_mod.make(p.token, item, value, workshop=p.workshop or "",
                                             rater=rater, round=p.round)
                            for item, value in values.items()])

    def current(self, token: str) -> pd.DataFrame:
        """The participant's current answers: the latest row per item, in one query.

        A rating counts only in its round: the current ratings are the latest of the
        participant's round now (so a new round starts with none, see :meth:`previous`).
        Reflections, priorities and the plan carry on from round to round.

        Returns a frame with :data:`answers.COLUMNS`; ``value`` keeps int, str and None.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     _ = s.save(t, {"task.self.s1": 2})
        ...     _ = s.save(t, {"task.self.s1": 5})
        ...     s.current(t)["value"].tolist()
        [5]
        """
        token = _token(token)
        a, p = m.answers.c, m.participants.c
        round_now = (select(p.round).where(p.token == token).scalar_subquery())
        latest = (select(func.max(a.id).label("id"))
                  .where(a.participant == token,
                         (a.exercise != RATING) | (a.round == round_now))
                  .group_by(a.item).subquery())
        return self._frame(_SELECT.join_from(m.answers, latest, a.id == latest.c.id)
                           .order_by(a.id), participant=token)

    def previous(self, token: str) -> pd.DataFrame:
        """The participant's last rating of each statement before the round they are in.

        The starting point of a new round: shown beside each statement, kept with one
        action, never counted in the new round until it is given again.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     _ = s.save(t, {"task.self.s1": 2})
        ...     _ = s.start_round(t)
        ...     s.previous(t)[["item", "round", "value"]].to_dict("records"), len(s.current(t))
        ([{'item': 'task.self.s1', 'round': 1, 'value': 2}], 0)
        """
        token = _token(token)
        a, p = m.answers.c, m.participants.c
        round_now = (select(p.round).where(p.token == token).scalar_subquery())
        latest = (select(func.max(a.id).label("id"))
                  .where(a.participant == token, a.exercise == RATING, a.round < round_now)
                  .group_by(a.item).subquery())
        return self._frame(_SELECT.join_from(m.answers, latest, a.id == latest.c.id)
                           .order_by(a.id), participant=token)

    def history(self, token: str) -> pd.DataFrame:
        """Every answer the participant gave, oldest first (progress and audit trail).

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     _ = s.save(t, {"task.self.s1": 2})
        ...     _ = s.save(t, {"task.self.s1": 5})
        ...     s.history(t)["value"].tolist()
        [2, 5]
        """
        token = _token(token)
        a = m.answers.c
        return self._frame(_SELECT.where(a.participant == token).order_by(a.id),
                           participant=token)

    def workshop_size(self, code: str) -> int:
        """How many participants joined a workshop (answered or not).

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
        ...     _ = [s.new_participant(workshop="W1", consent=True) for _ in range(3)]
        ...     s.workshop_size("W1"), s.workshop_size("NOPE")
        (3, 0)
        """
        try:
            code = answers_mod.check_workshop_code(code)
        except AnswerError:
            return 0
        p = m.participants.c
        with self._read() as conn:
            return int(conn.scalar(select(func.count()).where(p.workshop == code)) or 0)

    def workshop_answers(self, code: str, *, latest: bool = True, round: int | None = None,  # noqa: A002
                         pseudonymous: bool = True) -> pd.DataFrame:
        """The answers of everyone in a workshop: latest per participant and item by default.

        Parameters
        ----------
        latest
            False for every row (history) instead of the current answers.
        round
            With ``latest``, whose ratings: this round's (default: the workshop's round
            now). Texts and plans are the latest of any round.
        pseudonymous
            Replace tokens by :func:`pseudonym` (the default): a token opens a workbook,
            and a group view never needs it.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
        ...     t = s.new_participant(workshop="W1", consent=True)
        ...     _ = s.save(t, {"task.team.s1": 4})
        ...     len(s.workshop_answers("W1"))
        1
        """
        try:
            code = answers_mod.check_workshop_code(code)
        except AnswerError:
            code = ""
        if not code:
            raise WorkshopNotFoundError
        a, w = m.answers.c, m.workshops.c
        query = _SELECT.where(a.workshop == code)
        if latest:
            wanted = (select(w.round).where(w.code == code).scalar_subquery()
                      if round is None else answers_mod.check_round(round))
            ids = (select(func.max(a.id).label("id"))
                   .where(a.workshop == code, (a.exercise != RATING) | (a.round == wanted))
                   .group_by(a.participant, a.item).subquery())
            query = _SELECT.join_from(m.answers, ids, a.id == ids.c.id)
        frame = self._frame(query.order_by(a.id), workshop=code)
        if pseudonymous:
            names = {t: pseudonym(t) for t in frame["participant"].unique()}
            frame["participant"] = frame["participant"].map(names)
        return frame

    def workshops(self) -> tuple[Workshop, ...]:
        """Every workshop, oldest first.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
        ...     [w.code for w in s.workshops()]
        ['W1']
        """
        w = m.workshops.c
        with self._read() as conn:
            rows = conn.execute(select(m.workshops).order_by(w.created, w.code)).all()
        return tuple(_workshop(r) for r in rows)

    def solo_answers(self) -> pd.DataFrame:
        """Every answer row given outside any workshop, with tokens, and ``subject``: for a
        rater's answer the token of the learner they rate, else None.

        For the research export only, which replaces every token by a keyed pseudonym before
        anything leaves the process.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     me = s.new_participant(consent=True)
        ...     _ = s.save(me, {"task.self.s1": 4})
        ...     s.solo_answers()[["item", "value", "subject"]].values.tolist()
        [['task.self.s1', 4, None]]
        """
        a, p = m.answers.c, m.participants.c
        frame = self._frame(_SELECT.where(a.workshop == "").order_by(a.id))
        with self._read() as conn:
            subjects = {str(t): str(subject) for t, subject in conn.execute(
                select(p.token, p.subject).where(p.workshop.is_(None),
                                                 p.subject.is_not(None)))}
        frame["subject"] = pd.Series([subjects.get(t) for t in frame["participant"]],
                                     dtype=object, index=frame.index)
        return frame

    def research_key(self) -> bytes:
        """The server's key for research pseudonyms: 32 random bytes, made on first use.

        It stays in the store; :mod:`trace_widgets.research` only hashes tokens with it.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     s.research_key() == s.research_key(), len(s.research_key())
        (True, 32)
        """
        k = m.research_keys.c
        with self._read() as conn:
            found = conn.scalar(select(k.key).where(k.id == 1))
        if found is None:
            try:
                with self._write() as conn:
                    if conn.scalar(select(k.key).where(k.id == 1)) is None:
                        conn.execute(insert(m.research_keys).values(
                            id=1, key=secrets.token_hex(32), created=answers_mod.now()))
            except StoreError as exc:  # another process made it first: use theirs
                if not isinstance(exc.__cause__, IntegrityError):
                    raise
            with self._read() as conn:
                found = conn.scalar(select(k.key).where(k.id == 1))
        return bytes.fromhex(str(found))

    def export(self, *, participant: str | None = None, workshop: str | None = None,
               fmt: Format = "csv") -> str:
        """Every answer of one participant or one workshop as CSV or JSON text.

        A workshop export replaces tokens with :func:`pseudonym`. In CSV, a text that a
        spreadsheet would run as a formula gets a leading ``'``; :func:`read_export` removes
        it again, and the ``value_type`` column keeps ints, texts and "not sure" apart.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     t = s.new_participant(consent=True)
        ...     _ = s.save(t, {"task.self.s1": 4})
        ...     read_export(s.export(participant=t, fmt="json"), "json")["value"].tolist()
        [4]
        """
        if (participant is None) == (workshop is None):
            raise ValueError(say("store.error.export_scope"))
        if fmt not in ("csv", "json"):
            raise ValueError(say("store.error.export_format", fmt=fmt))
        if participant is not None:
            frame, scope = self.history(participant), {"participant": participant}
        else:
            frame = self.workshop_answers(str(workshop), latest=False)
            scope = {"workshop": str(workshop)}
        return write_export(frame, scope, fmt)

    # -- what group views published -------------------------------------------------------

    def release_state(self, scope: str) -> tuple[int, str] | None:
        """What a group view last published under ``scope``: (version, text), or None.

        The text is opaque here (:meth:`trace_widgets.group.Release.to_json`); the version
        goes back to :meth:`save_release_state` so two writers cannot both win.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     s.release_state("workshop:W1") is None
        True
        """
        r = m.group_releases.c
        with self._read() as conn:
            row = conn.execute(select(r.version, r.state).where(r.scope == _scope(scope))
                               ).one_or_none()
        return None if row is None else (int(row.version), str(row.state))

    def save_release_state(self, scope: str, state: str, *, expected: int) -> bool:
        """Keep ``state`` under ``scope`` if its version is still ``expected`` (0: none yet).

        Returns False, changing nothing, when another writer got there first: read it again
        (:meth:`release_state`) and decide anew.

        Examples
        --------
        >>> with open_store("sqlite://") as s:
        ...     first = s.save_release_state("workshop:W1", "{}", expected=0)
        ...     late = s.save_release_state("workshop:W1", "{}", expected=0)
        ...     first, late, s.release_state("workshop:W1")
        (True, False, (1, '{}'))
        """
        scope = _scope(scope)
        if not isinstance(state, str):
            raise AnswerError("state", "answer.error.not_text")
        r = m.group_releases.c
        at = answers_mod.now()
        try:
            with self._write() as conn:
                found = conn.execute(select(r.version).where(r.scope == scope)
                                     .with_for_update()).one_or_none()
                if found is None:
                    if expected != 0:
                        return False
                    conn.execute(insert(m.group_releases).values(scope=scope, version=1,
                                                                 state=state, updated=at))
                    return True
                if int(found.version) != expected:
                    return False
                conn.execute(update(m.group_releases).where(r.scope == scope)
                             .values(version=expected + 1, state=state, updated=at))
        except StoreError as exc:
            # Two first writers at once (PostgreSQL): the one whose insert clashed lost.
            if isinstance(exc.__cause__, IntegrityError):
                return False
            raise
        return True

    # -- internals -------------------------------------------------------------------------

    def _frame(self, query: Select[Any], *, participant: str = "",
               workshop: str = "") -> pd.DataFrame:
        with self._read() as conn:
            rows = conn.execute(query).all()
            # Only an empty result needs a second look: unknown, or known with no answers.
            if not rows and participant and conn.scalar(
                select(m.participants.c.token).where(m.participants.c.token == participant)
            ) is None:
                raise WorkbookNotFoundError
            if not rows and workshop and conn.scalar(
                select(m.workshops.c.code).where(m.workshops.c.code == workshop)
            ) is None:
                raise WorkshopNotFoundError
        return _frame_from_rows(rows)

    def _require_open_workshop(self, conn: Connection, code: str, *,
                               lock: bool = False) -> None:
        try:
            code = answers_mod.check_workshop_code(code)
        except AnswerError:
            code = ""
        row = conn.execute(select(m.workshops.c.closed).where(m.workshops.c.code == code)
                           .with_for_update(read=not lock)).one_or_none() if code else None
        if row is None:
            raise WorkshopNotFoundError
        if row.closed is not None:
            raise WorkshopClosedError("store.error.workshop_closed", code=code)

    def _require_can_answer(self, conn: Connection, batch: Sequence[Answer]) -> None:
        p = m.participants.c
        tokens = sorted({a.participant for a in batch})
        # FOR SHARE (PostgreSQL): an erase or a close cannot slip in before we commit.
        found = {r.token: r for r in conn.execute(
            select(p.token, p.consent_at, p.workshop, p.round, p.subject, p.spaces, p.closed,
                   p.role).where(p.token.in_(tokens))
            .with_for_update(read=True))}
        for a in batch:
            row = found.get(a.participant)
            if row is None:
                raise WorkbookNotFoundError
            if row.consent_at is None:
                raise ConsentRequiredError
            if a.workshop != (row.workshop or ""):
                raise AnswerError("workshop", "answer.error.other_workshop")
            if a.round != row.round:
                # Earlier rounds are closed; a later one has not been started.
                raise AnswerError("round", "answer.error.other_round")
            if row.subject is not None:
                _check_rater_answer(a, row)
        for code in sorted({a.workshop for a in batch if a.workshop}):
            self._require_open_workshop(conn, code)

    def _migrate(self) -> None:
        with self._read() as conn:
            found = m.version(conn)
        if found is None or found < m.LATEST:
            # Another process may have migrated meanwhile: upgrade() looks again, locked.
            with self._write() as conn:
                found, _ = m.upgrade(conn)
        if found > m.LATEST:
            raise StoreError("store.error.newer_schema", url=self.url, found=found,
                             latest=m.LATEST)

    def _truncate_wal(self) -> None:
        # Best effort: a reader that is still open keeps its frames; the next checkpoint
        # (SQLite's own, or the next erase) removes them.
        raw = self._engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        except sqlite3.Error:  # the erase itself is committed already
            pass
        finally:
            raw.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise _unavailable(exc, writing=False) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise _unavailable(exc, writing=True) from exc


_COLS = m.answers.c
_SELECT: Select[Any] = select(
    _COLS.participant, _COLS.workshop, _COLS.exercise, _COLS.item, _COLS.element,
    _COLS.space, _COLS.rater, _COLS.round, _COLS.instrument, _COLS.version, _COLS.value_int,
    _COLS.value_text, _COLS.at,
)
_SELECT_NAMES = tuple(c.name for c in _SELECT.selected_columns)


def _unavailable(exc: SQLAlchemyError, *, writing: bool) -> StoreError:
    # The details (SQL, parameters) go to the log through __cause__, not to the learner.
    return StoreError("store.error.unavailable_write" if writing
                      else "store.error.unavailable_read", error=type(exc).__name__)


def _check_rater_answer(a: Answer, link: Any) -> None:
    """A rater link rates the spaces it was made for, as its group, until it is closed."""
    if link.closed is not None:
        raise RaterLinkClosedError
    if a.exercise not in RATER_EXERCISES or a.space not in (link.spaces or "").split(","):
        raise AnswerError("item", "answer.error.not_this_link")
    c = content_mod.get()
    if a.exercise == RATING and a.instrument != c.raters.instruments.get(
            str(a.space), c.instrument().id):
        raise AnswerError("item", "answer.error.not_this_link")  # e.g. the learner's own
    if a.rater != link.role:
        raise AnswerError("rater", "answer.error.not_this_group")


def _scope(scope: object) -> str:
    if not isinstance(scope, str) or not 1 <= len(scope) <= 200:
        raise AnswerError("scope", "answer.error.length", low=1, high=200)
    return scope


def _token(token: object) -> str:
    try:
        return answers_mod.check_token(token)
    except AnswerError:
        raise WorkbookNotFoundError from None


def _recheck(a: object) -> Answer:
    if not isinstance(a, Answer):
        raise AnswerError("answer", "answer.error.not_an_answer", type=type(a).__name__)
    if not isinstance(a.at, dt.datetime) or a.at.tzinfo is None:
        raise AnswerError("at", "answer.error.no_time_zone")
    made = answers_mod.make(a.participant, a.item, a.value, workshop=a.workshop, rater=a.rater,
                            at=a.at, round=a.round)
    if (made.exercise, made.element, made.space) != (a.exercise, a.element, a.space):
        raise AnswerError("item", "answer.error.item_elsewhere", item=a.item,
                          where=f"{a.exercise}/{a.element}/{a.space}")
    return made


def _not_kept(conn: Connection, batch: Sequence[Answer]) -> list[Answer]:
    """The rows of ``batch`` the store does not hold yet, so a retried save adds no copy.

    A save can fail after its commit (the connection drops before the answer comes back);
    the page then sends the same answers again. An answer is the same when participant,
    item and time (to the microsecond, set when it was given) are.
    """
    a = m.answers.c
    found = conn.execute(select(a.participant, a.item, a.at).where(
        a.participant.in_({r.participant for r in batch}),
        a.item.in_({r.item for r in batch}),
        a.at.in_({r.at for r in batch}),
    )).all()
    held = {(p, i, t) for p, i, t in found}
    return [r for r in batch if (r.participant, r.item, r.at) not in held]


def _to_row(a: Answer) -> dict[str, Any]:
    row = a.as_row()
    value = row.pop("value")
    row["value_int"] = value if isinstance(value, int) else None
    row["value_text"] = value if isinstance(value, str) else None
    return row


def _frame_from_rows(rows: Sequence[Row[Any]]) -> pd.DataFrame:
    """Rows of :data:`_SELECT` as a frame: column by column, which is fast in pandas."""
    by_column = zip(*rows, strict=True) if rows else ((),) * len(_SELECT_NAMES)
    columns = dict(zip(_SELECT_NAMES, by_column, strict=True))
    value_int, value_text = columns.pop("value_int"), columns.pop("value_text")
    columns["value"] = tuple(i if i is not None else t
                             for i, t in zip(value_int, value_text, strict=True))
    return answers_frame(columns)


def _workshop(row: Row[Any]) -> Workshop:
    d = dict(row._mapping)
    d["spaces"] = tuple(s for s in d["spaces"].split(",") if s)
    c = content_mod.get()
    optional = c.workshop_exercises
    d["exercises"] = tuple(e for e in d["exercises"].split(",") if e in optional)
    if d.get("journey") not in c.journeys:  # its journey's file was taken away since
        d["journey"] = content_mod.DEFAULT_JOURNEY
    return Workshop(**d)
