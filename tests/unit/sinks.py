"""A save sink for the exercise tests: collects what a view saves, raises while ``broken``."""

from __future__ import annotations

from trace_widgets.answers import Answer


class Sink:
    """Collects what the view saves; raises while ``broken``, as a full disk or a locked
    database would."""

    def __init__(self) -> None:
        self.calls: list[list[Answer]] = []
        self.broken = False

    def __call__(self, rows: list[Answer]) -> None:
        if self.broken:
            raise OSError("database is locked")
        self.calls.append(list(rows))

    @property
    def rows(self) -> list[Answer]:
        return [r for call in self.calls for r in call]
