"""A space step: learn what the conditions look like here, rate, reflect, see the profile."""

from __future__ import annotations

import logging
from html import escape

import ipywidgets as widgets
import pandas as pd

from .. import charts, scoring, settings
from .. import content as content_mod
from ..answers import Answer, make
from ..chart_view import ChartPanel
from ..exercises import ReflectionState, ReflectionView, reflection_view, space_rating_view
from ._session import Session
from ._step import BuiltStep

log = logging.getLogger(__name__)


def _heading(text: str, level: int) -> widgets.HTML:
    return widgets.HTML(f"<h{level}>{escape(text)}</h{level}>")


def _learn_html(c: content_mod.Content, space: str) -> str:
    items = "".join(
        f"<li><strong>{escape(e.name)}</strong> ({escape(e.condition)}): "
        f"{escape(c.cell(e.id, space).looks_like)}</li>"
        for e in c.elements
    )
    return f'<ul class="trace-learn">{items}</ul>'


def lowest_and_highest(cells: pd.DataFrame, space: str) -> tuple[str, str] | None:
    """The element ids with the lowest and highest score in ``space`` (first in content order
    on a tie), or None until every cell there has a score."""
    c = content_mod.get()
    here = cells[cells["space"] == space].set_index("element")["score"]
    scores = [(here.get(e.id), i, e.id) for i, e in enumerate(c.elements)]
    if any(s is None or pd.isna(s) for s, _, _ in scores):
        return None
    low = min(scores, key=lambda t: (t[0], t[1]))[2]
    high = max(scores, key=lambda t: (t[0], -t[1]))[2]
    return low, high


class SpaceStep:
    def __init__(self, session: Session, space: str) -> None:
        self.session = session
        self.space = space
        c = content_mod.get()
        sp = c.space(space)
        token = session.token or ""
        self.rating = space_rating_view(token, space, session.save, answers=session.answers(),
                                        workshop=session.workshop, rater=session.rater,
                                        previous=session.previous)
        self.reflecting = "reflect" in session.exercises  # a workshop may leave it out
        self.reflect = widgets.VBox([widgets.Label(c.text("journey.reflect.waiting"))])
        self.reflect.add_class("trace-reflect")
        self._reflecting: tuple[str, str] | None = None
        self._reflect_heading = widgets.HTML()
        self._reflections: dict[str, ReflectionView] = {}
        self.profile = ChartPanel()
        self._shown = -1  # the space's answer version the page shows
        learn = widgets.HTML(_learn_html(c, space))
        self.view = widgets.VBox([
            _heading(sp.name, 1),
            widgets.HTML(f"<p>{escape(sp.description)} "
                         f"{escape(c.text('journey.space.time'))}</p>"),
            _heading(c.text("journey.learn.heading"), 2), learn,
            _heading(c.text("journey.rate.heading"), 2),
            self.rating.widget,
            *((_heading(c.text("journey.reflect.heading"), 2), self.reflect)
              if self.reflecting else ()),
            _heading(c.text("journey.profile.heading"), 2), self.profile.view,
        ])
        self.view.add_class("trace-step-space")
        self.view.add_class(f"trace-step-{space}")
        session.listeners.append(self._on_saved)
        self.refresh()

    def _on_saved(self, rows: list[Answer]) -> None:
        if any(a.exercise == "rating" and a.space == self.space for a in rows):
            self.refresh()

    def stale(self) -> bool:
        return self._shown != self.session.space_versions.get(self.space, 0)

    def refresh(self) -> None:
        self._shown = self.session.space_versions.get(self.space, 0)
        cells = scoring.cell_scores(self.session.answers())
        mine = cells[cells["space"] == self.space]
        self.profile.show(charts.profile(mine, space=self.space),
                          charts.profile_table(mine, space=self.space))
        if self.reflecting:
            self._show_reflection(lowest_and_highest(cells, self.space))

    def flush(self) -> None:
        for view in self._reflections.values():
            view.flush()

    def _share_box(self, prompt: str) -> widgets.Checkbox:
        """In a workshop, the learner may share one reflection with the coach: it is shown
        only among at least ``comment_k`` shared answers, never with a name."""
        c = content_mod.get()
        box = widgets.Checkbox(value=self.session.value(f"share.{prompt}") == "yes",
                               description=c.text("journey.share.label",
                                                  k=settings.get().comment_k),
                               indent=False, layout=widgets.Layout(width="auto"))
        box.add_class("trace-share")

        def changed(change: dict[str, object]) -> None:
            token = self.session.token or ""
            try:
                self.session.save([make(token, f"share.{prompt}", "yes" if change["new"] else None,
                                        workshop=self.session.workshop, rater=self.session.rater)])
            except Exception:  # the box shows what is kept: put it back
                log.exception("sharing %s failed", prompt)
                box.unobserve(changed, "value")
                box.value = self.session.value(f"share.{prompt}") == "yes"
                box.observe(changed, "value")

        box.observe(changed, "value")
        return box

    def _show_reflection(self, pair: tuple[str, str] | None) -> None:
        """Questions on the lowest and highest condition. A question once shown stays, in the
        place it first took: text the learner wrote never disappears, and the widgets already
        on the page are never redrawn, so focus and typing are not disturbed."""
        if pair is None or pair == self._reflecting:
            return
        c = content_mod.get()
        low, high = pair
        wanted = [p.id for p in c.cell(low, self.space).prompts if p.kind != "notice"]
        wanted += [p.id for p in c.cell(high, self.space).prompts if p.kind == "notice"]
        # Questions answered in an earlier sitting stay on the page too.
        wanted += [p.id for e in c.elements for p in c.cell(e.id, self.space).prompts
                   if p.id not in wanted and self.session.has(p.id)]
        for prompt in wanted:
            if prompt not in self._reflections:
                state = ReflectionState.from_answers(
                    self.session.answers(), self.session.token or "", (prompt,),
                    workshop=self.session.workshop, rater=self.session.rater)
                view = reflection_view(state, self.session.save)
                if self.session.workshop:
                    view.widget.children = (*view.widget.children, self._share_box(prompt))
                self._reflections[prompt] = view
        self._reflecting = pair
        lowest = c.text("journey.reflect.lowest", name=c.element(low).name)
        highest = c.text("journey.reflect.highest", name=c.element(high).name)
        self._reflect_heading.value = f"<p>{escape(lowest)}<br>{escape(highest)}</p>"
        views = tuple(v.widget for v in self._reflections.values())
        if self.reflect.children[1:] != views:
            self.reflect.children = (self._reflect_heading, *views)


def build_space_step(session: Session, space: str) -> BuiltStep:
    step = SpaceStep(session, space)
    return BuiltStep(step.view, step.refresh, step.flush, step.stale, step)
