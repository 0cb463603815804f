"""Rating: agree or disagree with the statements of one cell, or of a whole space."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeGuard

import ipywidgets as widgets
import pandas as pd

from .. import content
from ..answers import Answer, AnswerError, check_typed
from ..content import Statement
from . import _widgets as w
from . import registry
from ._base import ExerciseState, check_element, check_space
from ._save import Save, Saver

__all__ = ["RatingState", "RatingView", "rating_view", "space_rating_view"]


@dataclass(frozen=True, eq=False)
class RatingState(ExerciseState):
    """The ratings one person gives to the statements of some cells in one space.

    ``elements`` picks the cells (default: all five, the whole space). A rating is a point
    on the content's scale, or None for "not sure / does not apply", which is an answer but
    not a score. A statement not rated yet has no row.

    Examples
    --------
    >>> state = RatingState("p" * 22, "team", elements=("task",))
    >>> row = state.set("task.team.s1", 4)
    >>> (row.item, row.value, state.value("task.team.s1"), state.is_answered("task.team.s2"))
    ('task.team.s1', 4, 4, False)
    >>> state.set("task.team.s2", None).value is None  # "not sure" is an answer
    True
    """

    space: str
    elements: tuple[str, ...] = ()
    _rows: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)
    _items: tuple[str, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_space(self.space)
        chosen = tuple(self.elements) or tuple(e.id for e in content.get().elements)
        for e in chosen:
            check_element(e)
        if len(set(chosen)) != len(chosen):
            raise AnswerError("elements", "names a condition twice")
        object.__setattr__(self, "elements", chosen)
        items = tuple(s.id for e in chosen for s in content.get().cell(e, self.space).statements)
        object.__setattr__(self, "_items", items)

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """The (element, space) cells rated here, in content order of the elements given."""
        return tuple((e, self.space) for e in self.elements)

    def statements(self, element: str) -> tuple[Statement, ...]:
        """The statements of one of this state's cells."""
        if element not in self.elements:
            raise AnswerError("element", f"{element!r} is not rated here")
        return content.get().cell(element, self.space).statements

    def items(self) -> tuple[str, ...]:
        return self._items

    def value(self, statement: str) -> int | None:
        """The rating given, or None when "not sure" or not rated yet."""
        row = self._rows.get(statement)
        return None if row is None else row.value  # type: ignore[return-value]

    def is_answered(self, statement: str) -> bool:
        """Whether the statement has a rating or a "not sure"."""
        return statement in self._rows

    def set(self, statement: str, value: object) -> Answer:
        """Rate ``statement``: a point on the scale or None ("not sure"); returns the row.

        Raises
        ------
        AnswerError
            For a statement not rated here, a value off the scale or not a whole number.
        """
        row = self._make(statement, value)
        self._rows[statement] = row
        return row

    def answers(self) -> list[Answer]:
        return [self._rows[i] for i in self._items if i in self._rows]

    def _restore(self, item: str, value: object, at: dt.datetime | None) -> None:
        self._rows[item] = self._make(item, value, at)


@dataclass(frozen=True)
class RatingView(w.View):
    """A rating exercise on screen; ``controls`` holds one choice list per statement id."""

    state: RatingState
    controls: dict[str, widgets.Select]
    keep: dict[str, widgets.Button] = field(default_factory=dict)
    """Per element, the button that keeps the last round's answers (only in a new round)."""
    hints: dict[str, widgets.Label] = field(default_factory=dict)
    """Per statement, what was answered last round (only in a new round)."""


def _choices() -> tuple[list[str], list[int | None]]:
    """Option labels and their values: the scale points, then "not sure" (None)."""
    scale = content.get().scale
    labels = [p.label for p in scale.points] + [scale.not_sure]
    values: list[int | None] = [p.value for p in scale.points]
    return labels, [*values, None]


def _index(state: RatingState, statement: str, values: list[int | None]) -> int | None:
    return values.index(state.value(statement)) if state.is_answered(statement) else None


def _control(statement: Statement, labels: list[str], index: int | None) -> widgets.Select:
    """One statement as a labelled single-choice list.

    ipywidgets' RadioButtons renders its description as a ``<label>`` tied to nothing and
    radio inputs without a shared ``name``, so a screen reader never hears the statement with
    the choices (and announces each option as "1 of 1"). ``Select`` renders a native listbox
    whose ``<label for>`` is the statement: the statement is its accessible name, and arrow
    keys move between the choices, as in a radio group.
    """
    return w.css(
        widgets.Select(options=labels, index=index, rows=len(labels),
                       description=statement.text, **w.labelled()),
        "trace-rating", f"trace-rating-{statement.id.replace('.', '-')}",
    )


class _Wiring:
    """What happens when a choice arrives from the browser: check, keep, save, or refuse."""

    def __init__(self, state: RatingState, saver: Saver, values: list[int | None]) -> None:
        self.state = state
        self.saver = saver
        self.values = values

    def on_index(self, statement: str, control: widgets.Select, change: w.Change) -> None:
        self.update(statement, control, change["new"])

    def update(self, statement: str, control: widgets.Select, index: object) -> None:
        current = _index(self.state, statement, self.values)
        if index == current and (index is None or _is_index(index, self.values)):
            return  # no change, or the echo of our own reset
        if index is None:
            # Ctrl+click clears a listbox; an answer cannot be taken back, so show it again.
            w.reset(control, "index", current)
            return
        try:
            if not _is_index(index, self.values):
                raise AnswerError("value", f"choice {index!r} is not on the scale")
            row = self.state.set(statement, self.values[index])
        except AnswerError:
            self.saver.reject(content.get().text("rating.rejected"))
            w.reset(control, "index", current)
            return
        self.saver.save_now([row])


def _is_index(index: object, values: list[int | None]) -> TypeGuard[int]:
    return isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(values)


def _previous_label(value: object) -> str:
    c = content.get()
    answer = c.scale.not_sure if value is None else c.scale.label(int(value))  # type: ignore[call-overload]
    return c.text("rating.previous", answer=answer)


class _Keeping:
    """The one action that keeps last round's answers of a cell in the new round."""

    def __init__(self, state: RatingState, saver: Saver, values: list[int | None],
                 previous: Mapping[str, int | None], view: dict[str, widgets.Widget]) -> None:
        self.state = state
        self.saver = saver
        self.values = values
        self.previous = previous
        self.widgets = view

    def keep(self, element: str, controls: dict[str, widgets.Select]) -> None:
        rows = [self.state.set(st.id, self.previous[st.id])
                for st in self.state.statements(element)
                if st.id in self.previous and not self.state.is_answered(st.id)]
        if rows:
            self.saver.save_now(rows)
        for st in self.state.statements(element):
            if self.state.is_answered(st.id):
                w.reset(controls[st.id], "index", _index(self.state, st.id, self.values))
        self.tidy(element)

    def on_keep(self, element: str, controls: dict[str, widgets.Select],
                _button: widgets.Button) -> None:
        self.keep(element, controls)

    def on_choice(self, element: str, _change: w.Change) -> None:
        self.tidy(element)

    def tidy(self, element: str) -> None:
        """Hide the hints of answered statements, and the button once nothing is left."""
        left = False
        for st in self.state.statements(element):
            hint = self.widgets.get(f"hint:{st.id}")
            answered = self.state.is_answered(st.id)
            if hint is not None:
                hint.layout.display = "none" if answered else None
            left = left or (st.id in self.previous and not answered)
        button = self.widgets.get(f"keep:{element}")
        if button is not None:
            button.layout.display = None if left else "none"


def rating_view(state: RatingState, save: Save, *,
                previous: Mapping[str, int | None] | None = None) -> RatingView:
    """The statements of ``state``'s cells, one labelled choice list each; saved on change.

    Each cell gets a heading (the element and its condition) and its statements. Every
    choice is saved at once through ``save``; the status line says "Saved", "Saving…" or
    why not.

    In a new round (``previous`` given: the last round's rating of each statement) a
    statement not yet rated in this round shows its last answer as a starting point, and
    each cell has one button that keeps them all. Nothing is chosen for the learner: a
    choice counts in the new round only when it is given (the same value again counts).

    Parameters
    ----------
    state
        What is rated and by whom; a resumed state shows its answers.
    save
        The sink: takes a list of :class:`~trace_widgets.answers.Answer` rows, raises if it
        could not keep them.

    Examples
    --------
    >>> kept = []
    >>> view = rating_view(RatingState("p" * 22, "self", elements=("task",)), kept.extend)
    >>> view.controls["task.self.s1"].index = 3  # "Agree"
    >>> [(a.item, a.value) for a in kept], view.saver.message
    ([('task.self.s1', 4)], 'Saved')
    """
    c = content.get()
    saver = Saver(save)
    labels, values = _choices()
    wiring = _Wiring(state, saver, values)
    earlier = dict(previous or {})
    parts: dict[str, widgets.Widget] = {}
    keeping = _Keeping(state, saver, values, earlier, parts)
    children: list[widgets.Widget] = [
        w.paragraph(c.text("rating.intro", not_sure=c.scale.not_sure), "trace-intro"),
    ]
    if earlier:
        children.append(w.paragraph(c.text("rating.new_round"), "trace-new-round"))
    controls: dict[str, widgets.Select] = {}
    keep: dict[str, widgets.Button] = {}
    hints: dict[str, widgets.Label] = {}
    for element in state.elements:
        el = c.element(element)
        group: list[widgets.Widget] = [
            w.heading(c.text("rating.heading", element=el.name, condition=el.condition)),
        ]
        cell_controls: dict[str, widgets.Select] = {}
        for statement in state.statements(element):
            control = _control(statement, labels, _index(state, statement.id, values))
            handler = functools.partial(wiring.on_index, statement.id, control)
            control.observe(w.guarded(handler, saver.fail), names="index")
            controls[statement.id] = control
            cell_controls[statement.id] = control
            group.append(control)
            if statement.id in earlier:
                hint = w.css(widgets.Label(_previous_label(earlier[statement.id])),
                             "trace-previous")
                hints[statement.id] = parts[f"hint:{statement.id}"] = hint
                control.observe(w.guarded(functools.partial(keeping.on_choice, element),
                                          saver.fail), names="index")
                group.append(hint)
        if any(st.id in earlier for st in state.statements(element)):
            button = w.css(widgets.Button(description=c.text("rating.keep", element=el.name),
                                          layout=widgets.Layout(width="auto")), "trace-keep")
            button.on_click(w.guarded(functools.partial(keeping.on_keep, element, cell_controls),
                                      saver.fail))
            keep[element] = parts[f"keep:{element}"] = button
            group.append(button)
        children.append(w.css(widgets.VBox(group, layout=w.full_width()), "trace-rating-cell"))
    for element in state.elements:
        keeping.tidy(element)
    children.append(w.status_bar(saver))
    box = w.css(widgets.VBox(children, layout=w.full_width()), "trace-exercise",
                "trace-rating-exercise")
    return RatingView(widget=box, saver=saver, state=state, controls=controls, keep=keep,
                      hints=hints)


def space_rating_view(participant: str, space: str, save: Save, *,
                      answers: pd.DataFrame | None = None, workshop: str = "",
                      rater: str = "self",
                      previous: Mapping[str, int | None] | None = None) -> RatingView:
    """All five cells of a space, grouped by element, resumed from stored ``answers``.

    Examples
    --------
    >>> view = space_rating_view("p" * 22, "team", lambda rows: None)
    >>> len(view.state.cells)
    5
    """
    if answers is None:
        state = RatingState(participant, space, workshop=workshop, rater=rater)
    else:
        state = RatingState.from_answers(answers, participant, space, workshop=workshop,
                                         rater=rater)
    return rating_view(state, save, previous=previous)


# -- the kind ----------------------------------------------------------------------------


def _items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    for (e, s), cell in c.cells.items():
        for st in cell.statements:
            yield content.ItemSpec(st.id, KIND_ID, "rating", e, s, st.reverse)


class _Part:
    """The space's statements in the journey's space step."""

    def __init__(self, ctx: registry.PartContext, space: str | None) -> None:
        if space is None:
            raise ValueError("the rating is shown in a space step")
        # In a new round the journey's session knows last round's answers (a starting
        # point); other contexts have none.
        self.view = space_rating_view(ctx.token or "", space, ctx.save, answers=ctx.answers(),
                                      workshop=ctx.workshop, rater=ctx.rater,
                                      previous=getattr(ctx, "previous", None))
        self.widget = self.view.widget

    def refresh(self, cells: pd.DataFrame) -> None:
        """The controls are the answers: nothing to redraw."""

    def flush(self) -> None:
        """Every choice is saved at once."""


KIND_ID = "rating"
KIND = registry.ExerciseKind(
    id=KIND_ID, items=_items, check=check_typed, place="space", part=_Part,
    heading="journey.rate.heading",
)
"""Everyone rates: a workshop cannot leave it out (its group results are made of it)."""
