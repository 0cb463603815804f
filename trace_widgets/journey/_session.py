"""One learner's open workbook: the store, their token, and their current answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .. import answers as answers_mod
from ..answers import COLUMNS, Answer
from ..store import EXERCISES, Store, WorkbookNotFoundError

log = logging.getLogger(__name__)


@dataclass
class Session:
    """The workbook open in this kernel. ``save`` is the sink every exercise writes through."""

    store: Store
    token: str | None = None
    workshop: str = ""
    exercises: tuple[str, ...] = EXERCISES
    """What the workbook includes besides the ratings: all, or what its workshop chose."""
    rater: str = "self"
    display_name: str | None = None
    _values: dict[str, Answer] = field(default_factory=dict)
    listeners: list[Callable[[list[Answer]], None]] = field(default_factory=list)
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
        self.token = participant.token
        self.workshop = participant.workshop or ""
        self.rater = participant.role or "self"
        self.display_name = participant.display_name
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
        self._values = {}

    def erase(self) -> int:
        if self.token is None:
            raise WorkbookNotFoundError
        gone = self.store.erase(self.token)
        self.close()
        return gone

    def save(self, rows: list[Answer]) -> None:
        """Keep ``rows`` in the store (one transaction), then remember them here."""
        kept = self.store.append(rows)
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
        """The current answers, as the tidy frame scoring and exercises take."""
        return answers_mod.to_frame(self._values.values())

    def value(self, item: str) -> object:
        a = self._values.get(item)
        return None if a is None else a.value

    def has(self, item: str) -> bool:
        return item in self._values
