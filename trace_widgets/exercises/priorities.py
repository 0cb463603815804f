"""Priorities: after rating a space, choose the conditions to work on, scores alongside."""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import content, scoring
from .._schema import Priorities
from .._theme import accent
from ..answers import Answer, AnswerError, Value, check_text
from . import _widgets as w
from . import registry
from ._base import ExerciseState, check_element, check_space
from ._save import Save, Saver, problem

__all__ = ["KIND", "KIND_ID", "PrioritiesState", "PrioritiesView", "item_id", "priorities_view"]


def _scores(scores: Mapping[str, object]) -> dict[str, float]:
    """Checked scores by element id; missing and NaN scores are left out ("no score yet")."""
    if not isinstance(scores, Mapping):
        raise AnswerError("scores", "answer.error.scores")
    scale = content.get().scale
    out: dict[str, float] = {}
    for element, score in scores.items():
        check_element(element)
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, numbers.Real):
            raise AnswerError("scores", "answer.error.score_type", element=element)
        number = float(score)
        if math.isnan(number):
            continue
        if not scale.low <= number <= scale.high:
            raise AnswerError("scores", "answer.error.score_range", element=element)
        out[element] = number
    return out


@dataclass(frozen=True, eq=False)
class PrioritiesState(ExerciseState):
    """The one or two conditions (``content.max_priorities``) a person will work on in a space.

    ``scores`` are the person's cell scores in the space by element (see
    :func:`trace_widgets.scoring.cell_scores`); :meth:`from_answers` works them out. The
    answer is item ``priorities.{space}``, value the chosen element ids joined by commas.

    Examples
    --------
    >>> state = PrioritiesState("p" * 22, "team", scores={"task": 2.5})
    >>> state.toggle("task", True).value
    'task'
    >>> state.toggle("energy", True).value
    'task,energy'
    >>> state.score("route") is None
    True
    """

    space: str
    scores: Mapping[str, float] = field(default_factory=dict, kw_only=True)
    _rows: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_space(self.space)
        object.__setattr__(self, "scores", _scores(self.scores))

    @classmethod
    def from_answers(cls, frame: pd.DataFrame, participant: str, *args: Any,
                     **kwargs: Any) -> PrioritiesState:
        """Resume the choice, with scores from the ratings in ``frame`` unless given."""
        if "scores" not in kwargs:
            space = kwargs.get("space", args[0] if args else None)
            kwargs["scores"] = _space_scores(frame, participant, check_space(space))
        return super().from_answers(frame, participant, *args, **kwargs)

    @property
    def item(self) -> str:
        return item_id(self.space)

    @property
    def chosen(self) -> tuple[str, ...]:
        """The element ids chosen, in the order kept."""
        row = self._rows.get(self.item)
        value = None if row is None else row.value
        return tuple(value.split(",")) if isinstance(value, str) and value else ()

    @property
    def limit(self) -> int:
        return content.get().max_priorities

    def score(self, element: str) -> float | None:
        """The person's score for the element's cell in this space, or None."""
        return self.scores.get(check_element(element))

    def items(self) -> tuple[str, ...]:
        return (self.item,)

    def choose(self, elements: Iterable[str]) -> Answer:
        """Keep ``elements`` as the choice (none, one, or up to :attr:`limit`); returns the row.

        Raises
        ------
        AnswerError
            For an unknown condition, a repeat, or more than :attr:`limit`.
        """
        if isinstance(elements, str):
            raise AnswerError("value", "answer.error.element_list")
        chosen = [check_element(e) for e in elements]
        if len(chosen) > self.limit:
            raise AnswerError("value", "answer.error.max_choices", limit=self.limit)
        row = self._make(self.item, ",".join(chosen))
        self._rows[self.item] = row
        return row

    def toggle(self, element: str, on: bool) -> Answer:
        """Add or take away one condition, keeping content order; returns the row."""
        if not isinstance(on, bool):
            raise AnswerError("value", "answer.error.not_a_bool", type=type(on).__name__)
        check_element(element)
        now = set(self.chosen) - {element} | ({element} if on else set())
        return self.choose(e.id for e in content.get().elements if e.id in now)

    def answers(self) -> list[Answer]:
        return [self._rows[self.item]] if self.item in self._rows else []

    def _restore(self, item: str, value: object, at: dt.datetime | None) -> None:
        self._rows[item] = self._make(item, "" if value is None else value, at)


def _space_scores(frame: pd.DataFrame, participant: str, space: str) -> dict[str, float]:
    """The participant's cell scores in one space, by element (NaN left for "no score")."""
    cells = scoring.cell_scores(frame)
    mine = cells.loc[(cells["participant"] == participant)
                     & (cells["space"].astype(str) == space)]
    return {str(e): float(s) for e, s in zip(mine["element"].astype(str), mine["score"],
                                             strict=True)}


@dataclass(frozen=True)
class PrioritiesView(w.View):
    """The priorities exercise on screen; ``controls`` holds one checkbox per element id."""

    state: PrioritiesState
    controls: dict[str, widgets.Checkbox]


def _label(state: PrioritiesState, element: str) -> str:
    c = content.get()
    el = c.element(element)
    score = state.score(element)
    said = (c.text("priorities.no_score") if score is None
            else c.text("priorities.score", score=score, high=c.scale.high))
    return c.text("priorities.option", element=el.name, condition=el.condition, score=said)


class _Wiring:
    def __init__(self, state: PrioritiesState, saver: Saver) -> None:
        self.state = state
        self.saver = saver

    def on_value(self, element: str, box: widgets.Checkbox, change: w.Change) -> None:
        self.update(element, box, change["new"])

    def update(self, element: str, box: widgets.Checkbox, on: object) -> None:
        current = element in self.state.chosen
        if on is current:
            return  # no change, or the echo of our own reset
        c = content.get()
        try:
            row = self.state.toggle(element, on)  # type: ignore[arg-type]  # toggle checks it
        except AnswerError as err:
            too_many = on is True and len(self.state.chosen) >= self.state.limit
            self.saver.reject(c.text("priorities.too_many", max=self.state.limit) if too_many
                              else c.text("priorities.rejected", problem=problem(err)))
            w.reset(box, "value", current)
            return
        self.saver.save_now([row])


def priorities_view(state: PrioritiesState, save: Save) -> PrioritiesView:
    """A checkbox per condition, its score beside it; choose up to ``max_priorities``.

    Every change is saved at once as item ``priorities.{space}``. Choosing one too many is
    refused with a message and the box is unticked again.

    Examples
    --------
    >>> kept = []
    >>> view = priorities_view(PrioritiesState("p" * 22, "team", scores={"task": 2.25}),
    ...                        kept.extend)
    >>> view.controls["task"].description
    'Task – a clear, shared task: 2.2 out of 5'
    >>> view.controls["task"].value = True
    >>> kept[-1].item, kept[-1].value
    ('priorities.team', 'task')
    """
    c = content.get()
    saver = Saver(save)
    wiring = _Wiring(state, saver)
    controls: dict[str, widgets.Checkbox] = {}
    for el in c.elements:
        box = w.css(widgets.Checkbox(value=el.id in state.chosen, description=_label(state, el.id),
                                     indent=False, layout=w.full_width()),
                    "trace-priority", f"trace-priority-{el.id}")
        # The condition's accent beside it, as on its rating cell and in the charts.
        box.layout.border_left = f"4px solid {accent(el.id)}"
        box.layout.padding = "0 0 0 8px"
        box.observe(w.guarded(functools.partial(wiring.on_value, el.id, box), saver.fail),
                    names="value")
        controls[el.id] = box
    intro = c.text("priorities.intro", max=state.limit, space=c.space(state.space).name)
    group = w.css(widgets.VBox(list(controls.values()), layout=w.full_width()),
                  "trace-priority-group")
    box = w.css(widgets.VBox([w.paragraph(intro, "trace-intro"), group, w.status_bar(saver)],
                             layout=w.full_width()),
                "trace-exercise", "trace-priorities-exercise")
    return PrioritiesView(widget=box, saver=saver, state=state, controls=controls)


# -- the kind ----------------------------------------------------------------------------


def item_id(space: str) -> str:
    """The item that holds the priorities chosen in ``space``.

    Examples
    --------
    >>> item_id("team")
    'priorities.team'
    """
    return f"{KIND_ID}.{space}"


def _items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    for sp in c.spaces:
        yield content.ItemSpec(item_id(sp.id), KIND_ID, "choice", None, sp.id)


def _describe(spec: content.ItemSpec, c: content.Content) -> str:
    assert spec.space is not None  # one item per space
    return c.text("research.item.priorities", space=c.space(spec.space).name)


def _check(spec: content.ItemSpec, value: object, c: content.Content) -> Value:
    """Up to ``max_choices`` different condition ids, comma-separated ("" for none)."""
    if value is None:
        return None
    text = check_text(value)
    if text:
        chosen = text.split(",")
        known = {e.id for e in c.elements}
        if len(chosen) > c.max_priorities or not set(chosen) <= known or len(set(chosen)) < len(
            chosen
        ):
            raise AnswerError("value", "answer.error.not_a_choice", value=text,
                              limit=c.max_priorities)
    return text


class _Part:
    """In the plan step: the priorities of every space, drawn again as scores change."""

    def __init__(self, ctx: registry.PartContext, space: str | None) -> None:
        self.ctx = ctx
        self.widget = w.css(widgets.VBox(), "trace-priorities")

    def refresh(self, cells: pd.DataFrame) -> None:
        ctx, frame = self.ctx, self.ctx.answers()
        views = [priorities_view(PrioritiesState.from_answers(
                    frame, ctx.token or "", space=s.id, workshop=ctx.workshop,
                    rater=ctx.rater), ctx.save)
                 for s in content.get().spaces]
        for old in self.widget.children:
            w.close_tree(old)
        self.widget.children = tuple(v.widget for v in views)

    def flush(self) -> None:
        """Every choice is saved at once."""


KIND_ID = "priorities"
KIND = registry.ExerciseKind(
    id=KIND_ID, items=_items, check=_check, section="priorities", model=Priorities,
    optional=True, label="coach.new.exercise.priorities", place="plan", part=_Part,
    heading="journey.priorities.heading", describe=_describe,
)
