"""The plan step: the whole TRACE grid, then each exercise kind shown in the plan step
(priorities in each space, the action plan, ...), others' views and rounds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import ipywidgets as widgets

from .. import charts, scoring
from .. import content as content_mod
from .._browser import report_buttons
from .._report_sources import learner_report_of
from .._ui import heading as _heading
from ..chart_view import ChartPanel
from ._others import OthersPanel
from ._session import Session
from ._space import parts_here
from ._step import BuiltStep


class PlanStep:
    """``exercises`` are the ids the journey's plan step holds, in order (default: the
    default journey's)."""

    def __init__(self, session: Session, on_new_round: Callable[[], None] | None = None,
                 exercises: Sequence[str] | None = None) -> None:
        self.session = session
        self._on_new_round = on_new_round
        c = content_mod.get()
        self.grid = ChartPanel()
        self.trend = ChartPanel()
        self.trend_summary = widgets.HTML()  # a paragraph that wraps
        self.trend_summary.add_class("trace-trend-summary")
        self.round_note = widgets.HTML()
        self.round_note.add_class("trace-round-note")
        self.new_round = widgets.Button(description=c.text("journey.rounds.start", round=2),
                                        layout=widgets.Layout(width="auto"))
        self.new_round.add_class("trace-new-round-button")
        self.new_round.on_click(lambda _: self._start_round())
        # In a workshop the coach starts the next round for everyone.
        solo = not session.workshop
        rounds = widgets.VBox([self.round_note, *((self.new_round,) if solo else ()),
                               self.trend_summary, self.trend.view])
        rounds.add_class("trace-rounds")
        # Raters are asked by a learner on their own; a workshop compares its own members.
        self.others = OthersPanel(session) if solo else None
        if exercises is None:
            exercises = next((st.exercises for st in c.journey().steps if st.type == "plan"),
                             ())
        shown = parts_here(session, exercises)
        self.parts = [k.part(session, None) for k in shown if k.part is not None]
        self._shown = -1  # the answer version the page shows
        pieces: list[widgets.Widget] = []
        for k, part in zip(shown, self.parts, strict=True):
            if k.heading is not None:
                pieces.append(_heading(c.text(k.heading), 2))
            pieces.append(part.widget)
        self.view = widgets.VBox([
            _heading(c.text("journey.plan.heading"), 1),
            widgets.HTML(f"<p>{escape(c.text('journey.plan.intro'))}</p>"),
            _heading(c.text("journey.grid.heading"), 2), self.grid.view,
            *pieces,
            *((_heading(c.text("raters.heading"), 2), self.others.view)
              if self.others is not None else ()),
            _heading(c.text("journey.rounds.heading"), 2), rounds,
            _heading(c.text("report.download.heading"), 2),
            widgets.HTML(f"<p>{escape(c.text('report.download.intro'))}</p>"),
            report_buttons(self.report, labels={"pdf": c.text("report.download.pdf"),
                                                "html": c.text("report.download.html")},
                           filename=lambda fmt: c.text("report.file.learner", ext=fmt)),
        ])
        self.view.add_class("trace-step-plan")
        self.refresh()

    def refresh(self) -> None:
        """Scores may have changed in the space steps since this step was last shown."""
        self._shown = self.session.version
        cells = scoring.cell_scores(self.session.answers())
        self.grid.show(charts.heatmap(cells), charts.heatmap_table(cells))
        for part in self.parts:
            part.refresh(cells)
        self._show_rounds()
        if self.others is not None:
            self.others.refresh()

    def _show_rounds(self) -> None:
        c = content_mod.get()
        rounds = scoring.round_scores(self.session.history())
        self.round_note.value = (
            f"<p>{escape(c.text('journey.rounds.now', round=self.session.round))}</p>")
        self.new_round.description = c.text("journey.rounds.start", round=self.session.round + 1)
        self.trend_summary.value = f"<p>{escape(charts.trend_summary(rounds))}</p>"
        self.trend.show(charts.trend(rounds), charts.trend_table(rounds))

    def _start_round(self) -> None:
        self.session.start_round()
        self.refresh()
        if self._on_new_round is not None:
            self._on_new_round()

    def stale(self) -> bool:
        return self._shown != self.session.version

    def flush(self) -> None:
        for part in self.parts:
            part.flush()

    def report(self, fmt: str) -> bytes:
        """The learner's report as it stands, with any text still being typed saved first."""
        self.flush()
        if self.session.token is None:
            raise ValueError(content_mod.ui("journey.error.no_workbook"))
        return learner_report_of(self.session.store, self.session.token, fmt)


def build_plan_step(session: Session, on_new_round: Callable[[], None] | None = None,
                    step_spec: content_mod.StepSpec | None = None) -> BuiltStep:
    step = PlanStep(session, on_new_round,
                    step_spec.exercises if step_spec is not None else None)
    return BuiltStep(step.view, step.refresh, step.flush, step.stale, step)
