"""What every exercise state shares: who answers, and how stored answers come back."""

from __future__ import annotations

import datetime as dt
import logging
import numbers
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from .. import answers as answers_mod
from .. import content
from ..answers import Answer, AnswerError

log = logging.getLogger(__name__)

S = TypeVar("S", bound="ExerciseState")

Stored = dict[str, tuple[object, "dt.datetime | None"]]
"""The latest stored value and time of each item, by item id."""


def stored(frame: pd.DataFrame, participant: str, items: Collection[str]) -> Stored:
    """The latest value and time of each of ``items`` that ``participant`` answered.

    The current answer is the latest row for (participant, item); rows with the same time
    keep their frame order, so the later row wins. Values come back as plain Python: a rating
    stored as 4.0 (pandas turns int columns with gaps into floats) is 4 again, NaN is None.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> p = "p" * 22
    >>> rows = [answers.make(p, "task.self.s1", 2), answers.make(p, "task.self.s1", 5)]
    >>> {k: v for k, (v, _) in stored(answers.to_frame(rows), p, ["task.self.s1"]).items()}
    {'task.self.s1': 5}
    """
    missing = [c for c in ("participant", "item", "value", "at") if c not in frame.columns]
    if missing:
        raise KeyError(f"stored answers need the columns {', '.join(missing)}")
    wanted = list(items)
    rows = frame.loc[(frame["participant"] == participant) & frame["item"].isin(wanted)]
    if rows.empty:
        return {}
    at = pd.to_datetime(rows["at"], utc=True)
    order = at.reset_index(drop=True).sort_values(kind="stable", na_position="first").index
    out: Stored = {}
    for i in order:
        when = at.iloc[i]
        out[str(rows["item"].iloc[i])] = (
            _plain(rows["value"].iloc[i]),
            None if pd.isna(when) else when.to_pydatetime(),
        )
    return out


def _plain(value: Any) -> object:
    """A stored value as the plain Python value it was given as."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
    return value


@dataclass(frozen=True, eq=False)
class ExerciseState:
    """Who is answering, checked once; subclasses hold the answers and check each one.

    A state is frozen: who answers never changes; answers change only through the state's
    own methods, which check every value with :func:`trace_widgets.answers.make`.
    """

    participant: str
    workshop: str = field(default="", kw_only=True)
    rater: str = field(default="self", kw_only=True)

    def __post_init__(self) -> None:
        # Building one throwaway row checks token, workshop code and rater with the same
        # rules the store uses, so the two can never disagree.
        first_rating = next(iter(content.get().items))
        self._make(first_rating, None, check_item=False)

    def items(self) -> tuple[str, ...]:
        """Every item id this exercise can answer."""
        raise NotImplementedError

    def answers(self) -> list[Answer]:
        """The current answers, one checked row per answered item."""
        raise NotImplementedError

    @classmethod
    def from_answers(cls: type[S], frame: pd.DataFrame, participant: str, *args: Any,
                     **kwargs: Any) -> S:
        """Build the state, then fill it from stored answers (a frame with answers.COLUMNS).

        A stored value the state would not accept now (content changed, a damaged row) is
        left out and logged, so one bad row cannot lock a learner out of their workbook.
        Extra arguments go to the constructor.

        Examples
        --------
        >>> from trace_widgets import answers
        >>> from trace_widgets.exercises import RatingState
        >>> frame = answers.to_frame([answers.make("p" * 22, "task.team.s1", 5)])
        >>> RatingState.from_answers(frame, "p" * 22, "team").value("task.team.s1")
        5
        """
        state = cls(participant, *args, **kwargs)
        state._resume(stored(frame, participant, state.items()))
        return state

    def _resume(self, rows: Stored) -> None:
        for item in self.items():
            if item not in rows:
                continue
            value, at = rows[item]
            try:
                self._restore(item, value, at)
            except AnswerError as err:
                log.warning("left out stored answer %s: %s", item, err)

    def _restore(self, item: str, value: object, at: dt.datetime | None) -> None:
        raise NotImplementedError

    def _make(self, item: str, value: object, at: dt.datetime | None = None, *,
              check_item: bool = True) -> Answer:
        if check_item and item not in self.items():
            raise AnswerError("item", "answer.error.not_in_exercise", item=item)
        return answers_mod.make(self.participant, item, value, workshop=self.workshop,
                                rater=self.rater, at=at)


def check_space(space: object) -> str:
    """A space id from the content, else :class:`AnswerError`."""
    known = [s.id for s in content.get().spaces]
    if not isinstance(space, str) or space not in known:
        raise AnswerError("space", "answer.error.not_a_space", value=space)
    return space


def check_element(element: object) -> str:
    """An element id from the content, else :class:`AnswerError`."""
    known = [e.id for e in content.get().elements]
    if not isinstance(element, str) or element not in known:
        raise AnswerError("element", "answer.error.not_an_element", value=element)
    return element
