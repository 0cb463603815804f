"""A space step: each exercise kind the step holds (rate, reflect, ...), then the profile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import pandas as pd

from .. import content as content_mod
from .. import scoring
from .._ui import heading as _heading
from ..answers import Answer
from ..chart_view import ChartPanel, profile_html
from ..exercises import registry
from ._session import Session
from ._step import BuiltStep

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.6
"""How long after the last rating the step's questions are brought up to date."""




def parts_here(session: Session, exercises: Sequence[str]) -> list[registry.ExerciseKind]:
    """The exercises of the step's ``exercises`` (ids, in the journey's order) that the
    learner's workbook includes (a workshop may leave the optional ones out)."""
    c = content_mod.get()
    shown = [c.exercise(e) for e in exercises]
    return [k for k in shown if not k.optional or k.id in session.exercises]


def rated_instrument(step: content_mod.StepSpec) -> str | None:
    """The instrument a step's rating exercise rates (``""``: the main one), or None when
    the step rates nothing: its progress and its profile follow it."""
    c = content_mod.get()
    return next((r for e in step.exercises if (r := c.exercise(e).rates) is not None), None)


class SpaceStep:
    """``exercises`` are the ids the journey's step holds, in order (default: the default
    journey's step for ``space``, or rating alone)."""

    def __init__(self, session: Session, space: str,
                 exercises: Sequence[str] | None = None, *,
                 time: str = "journey.space.time") -> None:
        self.session = session
        self.space = space
        c = content_mod.get()
        sp = c.space(space)
        if exercises is None:
            default = c.journey()
            exercises = next((st.exercises for st in default.steps if st.space == space),
                             (scoring.RATING,))
        shown = parts_here(session, exercises)
        self.parts = [k.part(session, space) for k in shown if k.part is not None]
        # The profile scores the instrument rated here (a pulse is never pooled with the
        # full instrument); a step that rates nothing shows the main one's.
        self.instrument = next((k.rates for k in shown if k.rates is not None), None) or None
        self.profile = ChartPanel()
        self._shown = -1  # the space's answer version the page shows
        self._redraw: asyncio.TimerHandle | None = None
        pieces: list[widgets.Widget] = []
        for k, part in zip(shown, self.parts, strict=True):
            if k.heading is not None:
                pieces.append(_heading(c.text(k.heading), 2))
            pieces.append(part.widget)
        self.view = widgets.VBox([
            _heading(sp.name, 1),
            widgets.HTML(f"<p>{escape(sp.description)} "
                         f"{escape(c.text(time))}</p>"),
            *pieces,
            _heading(c.text("journey.profile.heading"), 2), self.profile.view,
        ])
        self.view.add_class("trace-step-space")
        self.view.add_class(f"trace-step-{space}")
        session.listeners.append(self._on_saved)
        session.giving.append(self._on_given)
        self.refresh()

    def _rates_here(self, rows: list[Answer]) -> bool:
        return any(a.exercise == scoring.RATING and a.space == self.space for a in rows)

    def _on_given(self, rows: list[Answer]) -> None:
        """A rating given here redraws the profile at once, before the store has it: the
        learner watches the chart, and the store's commit (10-35 ms under load) need not
        come first. The statement says "Saved" only once the store holds it; the rest of
        the step follows the save (:meth:`_on_saved`)."""
        if self._rates_here(rows):
            self.profile.show_html(profile_html(self._cells(), space=self.space))

    def _on_saved(self, rows: list[Answer]) -> None:
        if self._rates_here(rows):
            self._refresh_soon()

    def _refresh_soon(self) -> None:
        """Bring the rest of the step (its questions) up to date once the ratings settle.

        The profile is drawn as each rating is given (:meth:`_on_given`). The questions
        follow the lowest and highest condition, and a new pair builds new question widgets
        (some 20 models for the page to draw): done after every rating, a learner rating
        quickly had each rating's chart wait behind the previous one's questions (p95 0.3 s
        against 0.08 s with the ratings 0.7 s apart, load ~10). So they are brought up to
        date :data:`SETTLE_SECONDS` after the last rating. Without an event loop (a script,
        a test) at once.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.refresh()
            return
        if self._redraw is not None:
            self._redraw.cancel()
        self._redraw = loop.call_later(SETTLE_SECONDS, self._redraw_now)

    def _redraw_now(self) -> None:
        self._redraw = None
        try:
            self.refresh()
        except Exception:  # a callback has no caller: log it, the answers are saved
            log.exception("redrawing the %s step failed", self.space)

    def _cells(self) -> pd.DataFrame:
        return scoring.cell_scores(self.session.answers(), instrument=self.instrument)

    def stale(self) -> bool:
        return self._shown != self.session.space_versions.get(self.space, 0)

    def refresh(self) -> None:
        self._shown = self.session.space_versions.get(self.space, 0)
        cells = self._cells()
        # Drawn without the renderer, and not at all when these figures were drawn before.
        self.profile.show_html(profile_html(cells, space=self.space))
        for part in self.parts:
            part.refresh(cells)

    def flush(self) -> None:
        for part in self.parts:
            part.flush()

    def leave(self) -> None:
        """The learner moved on: save, then let each part drop what it kept only while they
        were here (reflection questions that gave way)."""
        self.flush()
        for part in self.parts:
            leave = getattr(part, "leave", None)  # optional in registry.Part
            if leave is not None:
                leave()


def build_space_step(session: Session, step_spec: content_mod.StepSpec, *,
                     time: str = "journey.space.time") -> BuiltStep:
    """A space step; ``time`` is the UI text id of how long it takes (its journey's)."""
    if step_spec.space is None:
        raise ValueError(content_mod.ui("journey.error.not_a_space_step", step=step_spec.id))
    step = SpaceStep(session, step_spec.space, step_spec.exercises, time=time)
    return BuiltStep(step.view, step.refresh, step.flush, step.stale, step,
                     leave=step.leave)
