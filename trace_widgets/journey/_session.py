"""One learner's open workbook: the store, their token, and their current answers."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .. import answers as answers_mod
from .. import content as content_mod
from ..answers import COLUMNS, Answer, AnswerError
from ..store import Store, WorkbookNotFoundError

log = logging.getLogger(__name__)


@dataclass
class Session:
    """The workbook open in this kernel. ``save`` is the sink every exercise writes through."""

    store: Store
    token: str | None = None
    workshop: str = ""
    exercises: tuple[str, ...] = field(
        default_factory=lambda: content_mod.get().workshop_exercises)
    """What the workbook includes besides the ratings: all, or what its workshop chose."""
    rater: str = "self"
    display_name: str | None = None
    round: int = 1
    """The round this workbook rates in now; every answer saved here is stamped with it."""
    previous: dict[str, int | None] = field(default_factory=dict)
    """The last rating of each statement in an earlier round: a new round's starting point."""
    _values: dict[str, Answer] = field(default_factory=dict)
    listeners: list[Callable[[list[Answer]], None]] = field(default_factory=list)
    giving: list[Callable[[list[Answer]], None]] = field(default_factory=list)
    """Told of rows as they are given, before the store has them: a chart may show them at
    once (the page says "Saved" only once ``listeners`` hear of them)."""
    _given: dict[str, Answer] = field(default_factory=dict)
    version: int = 0
    """Goes up with every save, so a step knows whether it is out of date."""
    space_versions: dict[str, int] = field(default_factory=dict)
    """The same, for the saves that touched each space."""

    @property
    def is_open(self) -> bool:
        return self.token is not None

    def start(self, *, display_name: str | None = None, workshop: str | None = None,
              role: str | None = None) -> str:
        """Create a workbook with consent recorded, and open it."""
        token = self.store.new_participant(display_name=display_name or None,
                                           workshop=workshop, role=role, consent=True)
        self.open(token)
        return token

    def open(self, token: str) -> None:
        """Open an existing workbook; raises WorkbookNotFoundError for anything else."""
        participant = self.store.participant(token)
        if participant.subject is not None:
            raise WorkbookNotFoundError  # a rater link opens the rater's page, not a workbook
        self.token = participant.token
        self.workshop = participant.workshop or ""
        self.rater = participant.role or "self"
        self.display_name = participant.display_name
        self.round = participant.round
        earlier = self.store.previous(participant.token)
        self.previous = {str(i): (None if v is None else int(v))
                         for i, v in zip(earlier["item"], earlier["value"], strict=True)}
        self._values = self._read(participant.token)

    def _read(self, token: str) -> dict[str, Answer]:
        frame = self.store.current(token)
        # The store checked every row when it was written; these are its own rows back.
        return {str(rec["item"]): Answer(**{k: rec[k] for k in COLUMNS})
                for rec in frame.to_dict("records")}

    def reload(self) -> bool:
        """Read the workbook's answers again (another notebook may have changed them); True
        when something changed, and then the versions go up as for a save."""
        if self.token is None:
            return False
        values = self._read(self.token)
        changed = [a for item, a in values.items()
                   if item not in self._values or self._values[item].value != a.value]
        changed += [a for item, a in self._values.items() if item not in values]
        if not changed:
            return False
        self._values = values
        self.version += 1
        for space in {a.space for a in changed if a.space}:
            self.space_versions[space] = self.space_versions.get(space, 0) + 1
        return True

    def close(self) -> None:
        self.token = None
        self.workshop = ""
        self.display_name = None
        self.round = 1
        self.previous = {}
        self._values = {}

    def erase(self) -> int:
        if self.token is None:
            raise WorkbookNotFoundError
        gone = self.store.erase(self.token)
        self.close()
        return gone

    def start_round(self) -> int:
        """Start the next round of rating (nothing is lost: earlier rounds stay as they were),
        and open the workbook again in it. Returns the round now."""
        if self.token is None:
            raise WorkbookNotFoundError
        self.store.start_round(self.token)
        return self.follow_round()

    def follow_round(self) -> int:
        """Open the workbook again in the round the store says it is in (a coach may have
        started a workshop's next round), so every step is out of date; the round now."""
        if self.token is None:
            raise WorkbookNotFoundError
        self.open(self.token)
        self.version += 1
        for space in list(self.space_versions):
            self.space_versions[space] += 1
        return self.round

    def history(self) -> pd.DataFrame:
        """Every answer of the workbook, every round (the trend is made of it)."""
        if self.token is None:
            return answers_mod.to_frame(())
        return self.store.history(self.token)

    def save(self, rows: list[Answer]) -> None:
        """Keep ``rows`` in the store (one transaction), then remember them here.

        Every row is given in the workbook's round now. If a coach has started a workshop's
        next round meanwhile, the round is read again and the rows go into it.
        """
        self._given = {a.item: a for a in rows}
        try:
            for listener in list(self.giving):
                try:
                    listener(list(rows))
                except Exception:  # a chart that failed must not stop the save
                    log.exception("an answer listener failed")
            try:
                kept = self.store.append([dataclasses.replace(a, round=self.round)
                                          for a in rows])
            except AnswerError as err:
                if err.field != "round" or self.token is None:
                    raise
                self.round = self.store.participant(self.token).round
                kept = self.store.append([dataclasses.replace(a, round=self.round)
                                          for a in rows])
        finally:
            self._given = {}
        for a in kept:
            self._values[a.item] = a
        self.version += 1
        for space in {a.space for a in kept if a.space}:
            self.space_versions[space] = self.space_versions.get(space, 0) + 1
        for listener in list(self.listeners):
            try:
                listener(list(kept))
            except Exception:  # a broken view must not undo a save that succeeded
                log.exception("an answer listener failed")

    def answers(self) -> pd.DataFrame:
        """The current answers, as the tidy frame scoring and exercises take (while a save
        is under way, with the rows being saved)."""
        values = {**self._values, **self._given} if self._given else self._values
        return answers_mod.to_frame(values.values())

    def value(self, item: str) -> object:
        a = self._values.get(item)
        return None if a is None else a.value

    def has(self, item: str) -> bool:
        return item in self._values
