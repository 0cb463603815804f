"""A built step: its widget, and how to bring it up to date when the learner returns."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets


class BuiltStep:
    """A step's widget and how to bring it up to date when the learner comes back to it."""

    def __init__(self, view: widgets.Widget, refresh: Callable[[], None] | None = None,
                 flush: Callable[[], object] | None = None,
                 stale: Callable[[], bool] | None = None, step: object = None, *,
                 leave: Callable[[], object] | None = None) -> None:
        self.view = view
        self.step = step
        """The step object behind the view (tests and the journey look at it)."""
        self.refresh = refresh or (lambda: None)
        self.flush = flush or (lambda: None)
        """Save whatever is still waiting (debounced text) before the learner moves on."""
        self.stale = stale or (lambda: True)
        """Whether answers given since the last refresh change what the step shows."""
        self.leave = leave or self.flush
        """Save what is waiting, then tidy up: the learner has moved to another step."""
