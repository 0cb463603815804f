"""One answer as a tidy row (the data model of DESIGN.md), checked before anyone keeps it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from . import content as content_mod
from . import settings
from ._words import say
from .settings import TEXT_HARD_CAP

__all__ = [
    "COLUMNS",
    "MAX_ROUND",
    "Answer",
    "AnswerError",
    "Value",
    "check_rater",
    "check_rating",
    "check_round",
    "check_text",
    "check_token",
    "check_typed",
    "check_value",
    "check_workshop_code",
    "make",
    "now",
    "to_frame",
]

COLUMNS = (
    "participant", "workshop", "exercise", "item", "element", "space", "rater", "round",
    "instrument", "version", "value", "at",
)
"""Columns of an answers frame, in order."""
_VALUE = COLUMNS.index("value")

Value = int | str | None
"""A rating (a point of its instrument's scale), a text, or None for "not sure" (a rating
that is not a score)."""

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_CODE = re.compile(r"^[A-Z0-9]{0,16}$")
_RATER = re.compile(r"^[a-z][a-z_]{0,31}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_ROUND = 1_000
"""The highest round number: far more rounds than anyone rates, few enough to check."""


class AnswerError(ValueError):
    """A value is not acceptable; ``field`` names what was wrong, and the UI text
    ``text_id`` (``answer.error.*``), filled in with ``values``, says why: ``str()`` gives
    ``field: why``.

    Examples
    --------
    >>> str(AnswerError("value", "answer.error.not_a_round", high=MAX_ROUND))
    'value: is not a round (1-1000)'
    """

    def __init__(self, field: str, text_id: str, /, **values: object) -> None:
        super().__init__(field, text_id)
        self.field = field
        self.text_id = text_id
        self.values = values

    def __str__(self) -> str:
        return f"{self.field}: {say(self.text_id, **self.values)}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Answer:
    """One answer to one item; build it with :func:`make` so it is checked."""

    participant: str
    workshop: str
    exercise: str
    item: str
    element: str | None
    space: str | None
    rater: str
    value: Value
    at: dt.datetime = dataclasses.field(default_factory=now)
    round: int = 1
    """The round of rating this answer belongs to (see DESIGN.md, "Data model")."""
    instrument: str = ""
    """The instrument (item bank) the item was given in: a statement's own, the main one for
    everything else (content says; :func:`make` fills it in)."""
    version: str = ""
    """That instrument's version when the answer was given."""

    def as_row(self) -> dict[str, Any]:
        # Shallow: every field is immutable (dataclasses.asdict deep-copies, ten times slower).
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def check_text(text: object, *, limit: int | None = None, field: str = "value") -> str:
    """Return ``text`` if it is a string a learner may keep, else raise :class:`AnswerError`.

    Refuses non-strings, text over the limit (settings, capped at 20,000), NUL characters and
    lone surrogates (they cannot be stored as UTF-8 and usually mean a forged request).
    """
    if not isinstance(text, str):
        raise AnswerError(field, "answer.error.not_text_but", type=type(text).__name__)
    cap = min(limit if limit is not None else settings.get().text_limit, TEXT_HARD_CAP)
    if len(text) > cap:
        raise AnswerError(field, "answer.error.too_long", length=len(text), limit=cap)
    if "\x00" in text:
        raise AnswerError(field, "answer.error.nul")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerError(field, "answer.error.surrogate") from None
    return text


def check_rating(value: object, *, field: str = "value",
                 content: content_mod.Content | None = None,
                 instrument: str | None = None) -> int | None:
    """Return a rating on the scale of ``instrument`` (default: the main one), or None for
    "not sure".

    Examples
    --------
    >>> check_rating(5, instrument="pulse")
    5
    >>> check_rating(6)
    Traceback (most recent call last):
    ...
    trace_widgets.answers.AnswerError: value: rating 6 is outside 1-5
    """
    if value is None:
        return None
    scale = (content or content_mod.get()).scale_of(instrument)
    # bool is an int in Python; a forged True must not become a rating of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerError(field, "answer.error.rating_type", type=type(value).__name__)
    if not scale.low <= value <= scale.high:
        raise AnswerError(field, "answer.error.rating_range", value=value, low=scale.low,
                          high=scale.high)
    return value


def check_value(spec: content_mod.ItemSpec, value: object) -> Value:
    """Check ``value`` against what item ``spec`` takes: its exercise (a kind, or a YAML
    exercise of one) decides."""
    c = content_mod.get()
    return c.exercise(spec.exercise).check(spec, value, c)


def check_typed(spec: content_mod.ItemSpec, value: object, c: content_mod.Content) -> Value:
    """The checks every kind shares, by the item's value type (``spec.kind``): a rating, a
    ``yes`` flag, or a text that may have to be a date, an element or a space id."""
    if spec.kind == "rating":
        return check_rating(value, content=c, instrument=spec.instrument)
    if value is None:
        return None
    if spec.kind == "flag":
        if value != "yes":
            raise AnswerError("value", "answer.error.flag")
        return value
    text = check_text(value)
    if spec.kind == "date" and text and not _valid_date(text):
        raise AnswerError("value", "answer.error.not_a_date", value=text)
    if spec.kind == "element" and text and text not in {e.id for e in c.elements}:
        raise AnswerError("value", "answer.error.not_an_element", value=text)
    if spec.kind == "space" and text and text not in {s.id for s in c.spaces}:
        raise AnswerError("value", "answer.error.not_a_space", value=text)
    return text


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_rater(rater: object, *, field: str = "rater") -> str:
    """A rater role: ``self``, or a role such as ``member`` or ``leader``."""
    if not isinstance(rater, str) or not _RATER.match(rater):
        raise AnswerError(field, "answer.error.not_a_rater")
    return rater


def check_round(value: object, *, field: str = "round") -> int:
    """A round number: a whole number from 1 to :data:`MAX_ROUND`.

    Examples
    --------
    >>> check_round(2)
    2
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROUND:
        raise AnswerError(field, "answer.error.not_a_round", high=MAX_ROUND)
    return value


def check_token(token: object, *, field: str = "participant") -> str:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise AnswerError(field, "answer.error.not_a_token")
    return token


def check_workshop_code(code: object, *, field: str = "workshop") -> str:
    if not isinstance(code, str) or not _CODE.match(code):
        raise AnswerError(field, "answer.error.not_a_code")
    return code


def make(participant: str, item: str, value: object, *, workshop: str = "",
         rater: str = "self", at: dt.datetime | None = None, round: int = 1) -> Answer:  # noqa: A002 (the column)
    """Build a checked :class:`Answer`; element, space and exercise come from content.

    Examples
    --------
    >>> a = make("p" * 22, "task.self.s1", 4)
    >>> (a.exercise, a.element, a.space, a.value, a.instrument, a.version)
    ('rating', 'task', 'self', 4, 'trace', '1')
    >>> (b := make("p" * 22, "pulse.task.self", 4)).instrument, b.version
    ('pulse', '1')
    """
    c = content_mod.get()
    try:
        spec = c.item(item) if isinstance(item, str) else None
    except KeyError:
        spec = None
    if spec is None:
        raise AnswerError("item", "answer.error.unknown_item", item=item)
    bank = c.instruments.get(spec.instrument)
    return Answer(
        participant=check_token(participant),
        workshop=check_workshop_code(workshop),
        exercise=spec.exercise,
        item=spec.id,
        element=spec.element,
        space=spec.space,
        rater=check_rater(rater),
        value=check_value(spec, value),
        at=at if at is not None else now(),
        round=check_round(round),
        instrument=bank.id if bank is not None else "",
        version=bank.version if bank is not None else "",
    )


def to_frame(answers: Iterable[Answer]) -> pd.DataFrame:
    """Answers as a tidy frame with :data:`COLUMNS` (empty frames keep the columns)."""
    # Plain tuples: this runs on every rating (the fields are immutable scalars).
    rows = [tuple(getattr(a, c) for c in COLUMNS) for a in answers]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    # Object dtype keeps ratings as int and "not sure" as None (a float column would not).
    frame["value"] = pd.Series([r[_VALUE] for r in rows], dtype=object)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame
