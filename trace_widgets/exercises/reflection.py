"""Reflection: answer the prompts of a cell in free text, saved as you write."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import ipywidgets as widgets

from .. import content
from ..answers import Answer, AnswerError
from ..content import Prompt
from . import _widgets as w
from ._base import ExerciseState, check_element, check_space
from ._save import DEBOUNCE_SECONDS, Save, Saver, Scheduler
from ._text import TextField, text_limit

__all__ = ["ReflectionState", "ReflectionView", "reflection_view"]


def _prompt(item: object) -> Prompt:
    """The content prompt with id ``item``, else :class:`AnswerError`."""
    c = content.get()
    spec = c.items.get(item) if isinstance(item, str) else None
    if spec is None or spec.exercise != "reflection" or spec.element is None or spec.space is None:
        raise AnswerError("item", f"{item!r} is not a reflection prompt")
    return next(p for p in c.cell(spec.element, spec.space).prompts if p.id == item)


@dataclass(frozen=True, eq=False)
class ReflectionState(ExerciseState):
    """One person's written answers to some reflection prompts.

    ``prompts`` are prompt ids from the content; :meth:`for_cell` takes all of a cell's.
    Texts are checked (length within ``settings.text_limit``, no NUL, no lone surrogates)
    before they are kept.

    Examples
    --------
    >>> state = ReflectionState.for_cell("p" * 22, "task", "self")
    >>> state.prompts[0]
    'task.self.p1'
    >>> state.set("task.self.p1", "When I planned the quarter.").value
    'When I planned the quarter.'
    """

    prompts: tuple[str, ...]
    _rows: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.prompts, str):
            raise AnswerError("prompts", "must be a list of prompt ids, not one string")
        prompts = tuple(self.prompts)
        if not prompts:
            raise AnswerError("prompts", "names no prompt")
        for p in prompts:
            _prompt(p)
        if len(set(prompts)) != len(prompts):
            raise AnswerError("prompts", "names a prompt twice")
        object.__setattr__(self, "prompts", prompts)

    @classmethod
    def for_cell(cls, participant: str, element: str, space: str, *, workshop: str = "",
                 rater: str = "self") -> ReflectionState:
        """All the prompts of one cell (notice, understand, act)."""
        cell = content.get().cell(check_element(element), check_space(space))
        return cls(participant, tuple(p.id for p in cell.prompts), workshop=workshop,
                   rater=rater)

    @property
    def limit(self) -> int:
        """The longest text kept, in characters."""
        return text_limit()

    def items(self) -> tuple[str, ...]:
        return self.prompts

    def prompt(self, item: str) -> Prompt:
        """The content of one of this state's prompts."""
        if item not in self.prompts:
            raise AnswerError("item", f"{item!r} is not part of this exercise")
        return _prompt(item)

    def text(self, item: str) -> str:
        """The answer kept for a prompt ("" when none)."""
        row = self._rows.get(item)
        return "" if row is None or row.value is None else str(row.value)

    def set(self, item: str, text: object) -> Answer:
        """Keep ``text`` as the answer to prompt ``item``; returns the row.

        Raises
        ------
        AnswerError
            For a prompt not in this exercise, a value that is not text, text over the
            limit, or text with a NUL or a lone surrogate.
        """
        if not isinstance(text, str):
            raise AnswerError("value", f"expected text, got {type(text).__name__}")
        row = self._make(item, text)
        self._rows[item] = row
        return row

    def answers(self) -> list[Answer]:
        return [self._rows[i] for i in self.prompts if i in self._rows]

    def _restore(self, item: str, value: object, at: dt.datetime | None) -> None:
        self._rows[item] = self._make(item, value, at)


@dataclass(frozen=True)
class ReflectionView(w.View):
    """A reflection exercise on screen; ``fields`` holds one text field per prompt id."""

    state: ReflectionState
    fields: dict[str, TextField]


def reflection_view(state: ReflectionState, save: Save, *, scheduler: Scheduler | None = None,
                    delay: float = DEBOUNCE_SECONDS) -> ReflectionView:
    """A Textarea per prompt, labelled by the prompt, with a live counter; saved as you write.

    Text is saved ``delay`` seconds after the last keystroke (``scheduler`` runs the timer;
    default the kernel's asyncio loop). ``view.flush()`` saves at once, e.g. before the
    journey moves on.

    Examples
    --------
    >>> from trace_widgets.exercises import ManualScheduler
    >>> kept, clock = [], ManualScheduler()
    >>> state = ReflectionState.for_cell("p" * 22, "task", "self")
    >>> view = reflection_view(state, kept.extend, scheduler=clock)
    >>> view.fields["task.self.p1"].area.value = "Planning the quarter."
    >>> view.fields["task.self.p1"].counter.value, view.saver.message, len(kept)
    ('21 / 5,000 characters', 'Saving…', 0)
    >>> clock.advance(1.0)
    >>> view.saver.message, kept[0].value
    ('Saved', 'Planning the quarter.')
    """
    saver = Saver(save, scheduler=scheduler, delay=delay)
    fields: dict[str, TextField] = {}
    for item in state.prompts:
        fields[item] = TextField(
            label=state.prompt(item).text,
            current=functools.partial(state.text, item),
            commit=functools.partial(state.set, item),
            saver=saver, counter=True, css_class="trace-reflection",
        )
    children: list[widgets.Widget] = [f.box for f in fields.values()]
    box = w.css(widgets.VBox([*children, w.status_bar(saver)], layout=w.full_width()),
                "trace-exercise", "trace-reflection-exercise")
    return ReflectionView(widget=box, saver=saver, state=state, fields=fields)
