"""Rating: agree or disagree with the statements of one cell, or of a whole space."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import ipywidgets as widgets
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .. import content
from ..answers import Answer, AnswerError, check_typed
from ..content import Statement
from . import _widgets as w
from . import registry
from ._base import ExerciseState, check_element, check_space
from ._rating_control import RatingControl
from ._save import Save, Saver

__all__ = ["KIND", "KIND_ID", "OtherInstrument", "RatingState", "RatingView", "rating_view",
           "space_rating_view"]


@dataclass(frozen=True, eq=False)
class RatingState(ExerciseState):
    """The ratings one person gives to the statements of some cells in one space.

    ``elements`` picks the cells (default: all five, the whole space). A rating is a point
    on the instrument's scale (:meth:`trace_widgets.content.Content.scale_of`), or None for
    "not sure / does not apply", which is an answer but not a score. A statement not rated
    yet has no row.

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
    instrument: str = ""
    """The item bank whose statements are rated (default: the main one, the cells' own;
    a rater rates the learner as a leader with another)."""
    _rows: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)
    _items: tuple[str, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_space(self.space)
        chosen = tuple(self.elements) or tuple(e.id for e in content.get().elements)
        for e in chosen:
            check_element(e)
        if len(set(chosen)) != len(chosen):
            raise AnswerError("elements", "answer.error.element_twice")
        object.__setattr__(self, "elements", chosen)
        c = content.get()
        if self.instrument and self.instrument not in c.instruments:
            raise AnswerError("instrument", "answer.error.unknown_instrument",
                              instrument=self.instrument)
        items = tuple(s.id for e in chosen for s in self._statements(e))
        object.__setattr__(self, "_items", items)

    def _statements(self, element: str) -> tuple[Statement, ...]:
        c = content.get()
        bank = c.instruments.get(self.instrument) if self.instrument else None
        if bank is None or bank.main:
            return c.cell(element, self.space).statements
        return bank.statements(element, self.space)

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """The (element, space) cells rated here, in content order of the elements given."""
        return tuple((e, self.space) for e in self.elements)

    def statements(self, element: str) -> tuple[Statement, ...]:
        """The statements of one of this state's cells."""
        if element not in self.elements:
            raise AnswerError("element", "answer.error.not_rated_here", element=element)
        return self._statements(element)

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
    """A rating exercise on screen: one widget (``control.widget``) for every statement."""

    state: RatingState
    control: RatingControl

    def choose(self, statement: str, choice: int) -> None:
        """Pick choice number ``choice`` for ``statement`` as the page does (same checks)."""
        self.control.choose(statement, choice)


def rating_view(state: RatingState, save: Save, *,
                previous: Mapping[str, int | None] | None = None,
                about: bool = False) -> RatingView:
    """The statements of ``state``'s cells, each a radio group; every choice saved at once.

    Each cell gets a heading (the element and its condition) and its statements; beside each
    statement the page says whether the store holds that very answer ("Saved", "Not saved
    yet", "Not saved, retrying"). Every choice from the browser is checked here first.

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
    about
        Put what each condition looks like in this space under its heading (the journey,
        where it is what the learner reads before rating).

    Examples
    --------
    >>> kept = []
    >>> view = rating_view(RatingState("p" * 22, "self", elements=("task",)), kept.extend)
    >>> view.control.receive({"rate": "task.self.s1", "choice": 3, "seq": 1})  # "Agree"
    >>> [(a.item, a.value) for a in kept], view.saver.message
    ([('task.self.s1', 4)], 'Saved')
    """
    saver = Saver(save)
    control = RatingControl(state, saver, previous=previous, about=about)
    box = w.css(widgets.VBox([control.widget], layout=w.full_width()), "trace-exercise",
                "trace-rating-exercise")
    return RatingView(widget=box, saver=saver, state=state, control=control)


def space_rating_view(participant: str, space: str, save: Save, *,
                      answers: pd.DataFrame | None = None, workshop: str = "",
                      rater: str = "self",
                      previous: Mapping[str, int | None] | None = None,
                      about: bool = False, instrument: str = "") -> RatingView:
    """All five cells of a space, grouped by element, resumed from stored ``answers``
    (the statements of ``instrument``, default the main one: another instrument's cells
    are those it has statements for in ``space``).

    Examples
    --------
    >>> view = space_rating_view("p" * 22, "team", lambda rows: None)
    >>> len(view.state.cells)
    5
    """
    c = content.get()
    bank = c.instruments.get(instrument) if instrument else None
    elements = tuple(e.id for e in c.elements if bank.statements(e.id, space)) \
        if bank is not None and not bank.main else ()
    if answers is None:
        state = RatingState(participant, space, workshop=workshop, rater=rater,
                            instrument=instrument, elements=elements)
    else:
        state = RatingState.from_answers(answers, participant, space, workshop=workshop,
                                         rater=rater, instrument=instrument,
                                         elements=elements)
    return rating_view(state, save, previous=previous, about=about)


# -- the kind ----------------------------------------------------------------------------


def _items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    """Every instrument's statements; the main instrument's are the cells' own."""
    main = next((i for i in c.instruments.values() if i.main), None)
    for (e, s), cell in c.cells.items():
        for st in cell.statements:
            yield content.ItemSpec(st.id, KIND_ID, "rating", e, s, st.reverse,
                                   main.id if main else "")
    for inst in c.instruments.values():
        if not inst.main:
            for (e, s), sts in inst.cells.items():
                for st in sts:
                    yield content.ItemSpec(st.id, KIND_ID, "rating", e, s, st.reverse, inst.id)


class _Part:
    """The space's statements (of ``instrument``, default the main one) in a space step."""

    def __init__(self, ctx: registry.PartContext, space: str | None, *,
                 instrument: str = "") -> None:
        if space is None:
            raise ValueError(content.ui("exercise.error.space_step", kind=KIND_ID))
        # In a new round the journey's session knows last round's answers (a starting
        # point); other contexts have none.
        self.view = space_rating_view(ctx.token or "", space, ctx.save, answers=ctx.answers(),
                                      workshop=ctx.workshop, rater=ctx.rater,
                                      previous=getattr(ctx, "previous", None), about=True,
                                      instrument=instrument)
        self.widget = self.view.widget

    def refresh(self, cells: pd.DataFrame) -> None:
        """The controls are the answers: nothing to redraw."""

    def flush(self) -> None:
        """Every choice is saved at once."""


class OtherInstrument(BaseModel):
    """The ``settings`` of a YAML rating exercise: which instrument's statements it rates
    (a short form such as the pulse, or a researcher's own item bank)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")


def _instance(exercise: registry.Instance, ctx: registry.ItemsContext) -> registry.ExerciseKind:
    """A YAML rating exercise: the statements of another instrument, in each space step it
    is placed in. Its answers are ratings (exercise ``rating``) of that instrument, whose
    statements the rating kind lists already; its scores are never pooled with another's."""
    settings = exercise.settings
    assert isinstance(settings, OtherInstrument)  # content validated it with instance_model
    bank = ctx.instruments.get(settings.instrument)
    if bank is None:
        raise registry.InstanceError(("instrument",), "exercise.error.unknown_instrument",
                                     id=settings.instrument, known=", ".join(ctx.instruments))
    rates = "" if bank.main else bank.id

    def part(part_ctx: registry.PartContext, space: str | None) -> _Part:
        return _Part(part_ctx, space, instrument=rates)

    return registry.ExerciseKind(
        id=exercise.id, items=lambda c: (), check=check_typed, place="space", part=part,
        heading=exercise.heading or KIND.heading, optional=exercise.label is not None,
        label=exercise.label, rates=rates, of=exercise.kind,
    )


KIND_ID = "rating"
KIND = registry.ExerciseKind(
    id=KIND_ID, items=_items, check=check_typed, place="space", part=_Part,
    heading="journey.rate.heading", rates="",
    instance_model=OtherInstrument, instance=_instance,
)
"""Everyone rates: a workshop cannot leave it out (its group results are made of it)."""
