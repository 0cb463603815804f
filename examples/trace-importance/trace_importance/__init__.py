"""Importance: how much each of the five conditions matters now, an exercise kind of its own.

The whole kind is this module and ``importance.yaml`` beside it; the workbook finds it by the
entry point ``importance`` in the group ``trace_workbook.exercises`` (``pyproject.toml``).
It uses only the workbook's public interface: :mod:`trace_widgets.content`,
:mod:`trace_widgets.answers`, :class:`trace_widgets.exercises.Saver` and the kind's
protocols in :mod:`trace_widgets.exercises.registry`.

Each condition is one item, ``importance.<element>``, answered with a level id from the
section's ``levels`` (``most``, ``some``, ``later``) or left empty. The journey shows it
once, in the plan step of a journey that names it.

Examples
--------
>>> state = ImportanceState("p" * 22)
>>> state.choose("task", "most").value
'most'
>>> state.level("task"), state.level("route")
('most', None)
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from trace_widgets import content
from trace_widgets.answers import Answer, AnswerError, make
from trace_widgets.exercises import Saver
from trace_widgets.exercises.registry import ExerciseKind, ItemsContext, PartContext

__all__ = ["KIND", "ImportanceSettings", "ImportanceState", "importance_view", "item_id"]

log = logging.getLogger(__name__)

KIND_ID = "importance"
"""The kind's id: in answers (``exercise``), item ids, journeys and CSS classes."""


class ImportanceSettings(BaseModel):
    """The ``importance`` section (``importance.yaml``, or a content folder's model.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    levels: tuple[str, ...] = Field(min_length=2, max_length=7)
    """Level ids, most important first; each has the UI text ``importance.level.<id>``."""


def item_id(element: str) -> str:
    """The item that holds how much ``element`` matters.

    Examples
    --------
    >>> item_id("energy")
    'importance.energy'
    """
    return f"{KIND_ID}.{element}"


def _settings(c: content.Content) -> ImportanceSettings:
    section = c.sections[KIND_ID]
    assert isinstance(section, ImportanceSettings)  # content read it with our model
    return section


def _elements(cells: Mapping[tuple[str, str], Any]) -> list[str]:
    """The element ids, in content order (the grid's keys are (element, space))."""
    return list(dict.fromkeys(element for element, _ in cells))


@dataclass(frozen=True, eq=False)
class ImportanceState:
    """One person's answers, kept as checked rows: no widgets (the view only shows it).

    ``participant``, ``workshop`` and ``rater`` go into every answer it makes.
    """

    participant: str
    workshop: str = ""
    rater: str = "self"
    _rows: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_context(cls, ctx: PartContext) -> ImportanceState:
        """The state of the open workbook, with the answers it holds already."""
        state = cls(ctx.token or "", ctx.workshop, ctx.rater)
        for el in content.get().elements:
            if ctx.has(item_id(el.id)):
                state.restore(el.id, ctx.value(item_id(el.id)))
        return state

    def level(self, element: str) -> str | None:
        """The level chosen for ``element``, or None."""
        row = self._rows.get(item_id(element))
        return None if row is None or not isinstance(row.value, str) else row.value

    def choose(self, element: str, level: str | None) -> Answer:
        """Keep ``level`` (None to clear it) for ``element``; returns the checked row.

        Raises
        ------
        AnswerError
            For an unknown condition or level (the check of :data:`KIND` decides).
        """
        row = make(self.participant, item_id(element), level, workshop=self.workshop,
                   rater=self.rater)
        self._rows[row.item] = row
        return row

    def restore(self, element: str, level: object) -> None:
        """Take a stored answer back (it was checked when it was saved)."""
        if isinstance(level, str) or level is None:
            self.choose(element, level)


@dataclass(frozen=True)
class ImportanceView:
    """The exercise on screen: one radio group per condition, by element id."""

    widget: widgets.VBox
    state: ImportanceState
    saver: Saver
    controls: dict[str, widgets.RadioButtons]

    def show(self) -> None:
        """Set the controls to the state (after a reload), without saving anything."""
        for element, control in self.controls.items():
            control.value = self.state.level(element)


def _on_change(view: ImportanceView, element: str, change: dict[str, Any]) -> None:
    level = change["new"]
    if level == view.state.level(element):
        return  # the echo of show() or of our own reset
    c = content.get()
    try:
        row = view.state.choose(element, level)
    except AnswerError as err:
        view.saver.reject(c.text("importance.refused", problem=str(err)))
        view.controls[element].value = view.state.level(element)
        return
    view.saver.save_now([row])


def importance_view(state: ImportanceState, save: Any) -> ImportanceView:
    """A radio group per condition; every choice is saved at once through ``save``.

    Examples
    --------
    >>> kept = []
    >>> view = importance_view(ImportanceState("p" * 22), kept.extend)
    >>> view.controls["task"].value = "most"
    >>> kept[-1].item, kept[-1].value, view.saver.message
    ('importance.task', 'most', 'Saved')
    """
    c = content.get()
    saver = Saver(save)
    levels = _settings(c).levels
    options = [(c.text(f"importance.level.{level}"), level) for level in levels]
    controls: dict[str, widgets.RadioButtons] = {}
    for el in c.elements:
        control = widgets.RadioButtons(
            options=options, value=state.level(el.id),
            description=c.text("importance.question", element=el.name,
                               condition=el.condition),
            layout=widgets.Layout(width="100%", flex_flow="column"),
            style={"description_width": "initial"})
        control.add_class("trace-importance-choice")
        control.add_class(f"trace-importance-{el.id}")
        controls[el.id] = control
    status = widgets.Label(saver.message)
    status.add_class("trace-importance-status")
    saver.observe(lambda _: setattr(status, "value", saver.message), names="message")
    box = widgets.VBox([widgets.Label(c.text("importance.intro")), *controls.values(), status],
                       layout=widgets.Layout(width="100%"))
    box.add_class("trace-exercise")
    box.add_class("trace-importance")
    view = ImportanceView(box, state, saver, controls)
    for element, control in controls.items():
        control.observe(functools.partial(_on_change, view, element), names="value")
    return view


class _Part:
    """The kind's piece of a journey step (``registry.Part``)."""

    def __init__(self, ctx: PartContext, space: str | None) -> None:
        self.ctx = ctx
        self.view = importance_view(ImportanceState.from_context(ctx), ctx.save)
        self.widget = self.view.widget

    def refresh(self, cells: pd.DataFrame) -> None:
        """The answers may have changed elsewhere (another tab): show what is kept."""
        fresh = ImportanceState.from_context(self.ctx)
        waiting = {a.item for a in self.view.saver.unsaved}  # kept on screen until saved
        for el in content.get().elements:
            if item_id(el.id) not in waiting:
                self.view.state.restore(el.id, fresh.level(el.id))
        self.view.show()

    def flush(self) -> None:
        """Every choice is saved when it is made."""


def _items(ctx: ItemsContext) -> Iterator[content.ItemSpec]:
    for element in _elements(ctx.cells):
        yield content.ItemSpec(item_id(element), KIND_ID, "choice", element=element)


def _check(spec: content.ItemSpec, value: object, c: content.Content) -> str | None:
    """None (no answer) or one of the section's level ids; anything else is refused."""
    levels = _settings(c).levels
    if value is None or (isinstance(value, str) and value in levels):
        return value
    raise AnswerError("value", "importance.invalid", value=value, levels=", ".join(levels))


def _describe(spec: content.ItemSpec, c: content.Content) -> str:
    """The item's label in the research codebook: its condition and the level ids."""
    assert spec.element is not None  # one item per condition
    el = c.element(spec.element)
    return c.text("importance.codebook", element=el.name, condition=el.condition,
                  levels=", ".join(_settings(c).levels))


KIND = ExerciseKind(
    id=KIND_ID, items=_items, check=_check, section=KIND_ID, model=ImportanceSettings,
    optional=True, label="importance.label", place="plan", part=_Part,
    heading="importance.heading", content=Path(__file__).with_name("importance.yaml"),
    describe=_describe,
)
"""The kind, found by the workbook through the entry point ``importance``."""
