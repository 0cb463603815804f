"""Reflection: answer the prompts of a cell in free text, saved as you write."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape

import ipywidgets as widgets
import pandas as pd

from .. import content, settings
from .._theme import accent
from ..answers import Answer, AnswerError, check_typed, make
from ..content import Prompt
from ..group import SHARE_PREFIX, SHARE_YES
from . import _prompt_set, registry
from . import _widgets as w
from ._base import ExerciseState, check_element, check_space
from ._save import DEBOUNCE_SECONDS, Save, Saver, Scheduler
from ._text import TextField, text_limit

__all__ = [
    "KIND",
    "KIND_ID",
    "ReflectionState",
    "ReflectionView",
    "lowest_and_highest",
    "reflection_view",
    "share_item",
]

log = logging.getLogger(__name__)


def _prompt(item: object) -> Prompt:
    """The content prompt with id ``item``, else :class:`AnswerError`."""
    c = content.get()
    spec = c.items.get(item) if isinstance(item, str) else None
    if spec is None or spec.exercise != "reflection" or spec.element is None or spec.space is None:
        raise AnswerError("item", "answer.error.not_a_prompt", item=item)
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
            raise AnswerError("prompts", "answer.error.prompt_list")
        prompts = tuple(self.prompts)
        if not prompts:
            raise AnswerError("prompts", "answer.error.no_prompt")
        for p in prompts:
            _prompt(p)
        if len(set(prompts)) != len(prompts):
            raise AnswerError("prompts", "answer.error.prompt_twice")
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
            raise AnswerError("item", "answer.error.not_in_exercise", item=item)
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
            raise AnswerError("value", "answer.error.not_text_but", type=type(text).__name__)
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


# -- the kind ----------------------------------------------------------------------------


def share_item(prompt: str) -> str:
    """The item that says whether the reflection on ``prompt`` is shared.

    Examples
    --------
    >>> share_item("task.self.p1")
    'share.task.self.p1'
    """
    return SHARE_PREFIX + prompt


def _items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    for (e, s), cell in c.cells.items():
        for p in cell.prompts:
            yield content.ItemSpec(p.id, KIND_ID, "text", e, s)
            yield content.ItemSpec(share_item(p.id), KIND_ID, "flag", e, s)


def _describe(spec: content.ItemSpec, c: content.Content) -> str:
    """A prompt's own wording; a share flag names the prompt it shares."""
    prompt = spec.id.removeprefix(SHARE_PREFIX)
    cell = c.cells[(spec.element or "", spec.space or "")]  # every item is a cell's
    text = next(p.text for p in cell.prompts if p.id == prompt)
    return text if prompt == spec.id else c.text("research.item.share", prompt=text)


def lowest_and_highest(cells: pd.DataFrame, space: str) -> tuple[str, str] | None:
    """The element ids with the lowest and highest score in ``space`` (first in content order
    on a tie), or None until at least two cells there have a score: a learner who answers
    "not sure" to most of one condition still gets the questions on the others."""
    c = content.get()
    here = cells[cells["space"] == space].set_index("element")["score"]
    scores = [(s, i, e.id) for i, e in enumerate(c.elements)
              if (s := here.get(e.id)) is not None and not pd.isna(s)]
    if len(scores) < 2:  # a lowest and a highest
        return None
    low = min(scores, key=lambda t: (t[0], t[1]))[2]
    high = max(scores, key=lambda t: (t[0], -t[1]))[2]
    return low, high


class _Part:
    """In a space step: questions on the lowest and highest condition as soon as there are
    a lowest and a highest (two conditions with a score; one answered "not sure" throughout
    has none and is left out)."""

    def __init__(self, ctx: registry.PartContext, space: str | None) -> None:
        if space is None:
            raise ValueError(content.ui("exercise.error.space_step", kind=KIND_ID))
        self.ctx = ctx
        self.space = space
        self.widget = w.css(widgets.VBox([widgets.Label(content.get().text(
            "journey.reflect.waiting"))]), "trace-reflect")
        self._reflecting: tuple[str, str] | None = None
        self._heading = widgets.HTML()
        self._views: dict[str, ReflectionView] = {}

    def refresh(self, cells: pd.DataFrame) -> None:
        self._show(lowest_and_highest(cells, self.space))

    def flush(self) -> None:
        for view in self._views.values():
            view.flush()

    def _share_box(self, prompt: str) -> widgets.Checkbox:
        """In a workshop, the learner may share one reflection with the coach: it is shown
        only among at least ``comment_k`` shared answers, never with a name."""
        ctx, item = self.ctx, share_item(prompt)
        box = w.css(widgets.Checkbox(value=ctx.value(item) == SHARE_YES,
                                     description=content.get().text(
                                         "journey.share.label", k=settings.get().comment_k),
                                     indent=False, layout=widgets.Layout(width="auto")),
                    "trace-share")

        def changed(change: dict[str, object]) -> None:
            try:
                ctx.save([make(ctx.token or "", item, SHARE_YES if change["new"] else None,
                               workshop=ctx.workshop, rater=ctx.rater)])
            except Exception:  # the box shows what is kept: put it back
                log.exception("sharing %s failed", prompt)
                box.unobserve(changed, "value")
                box.value = ctx.value(item) == SHARE_YES
                box.observe(changed, "value")

        box.observe(changed, "value")
        return box

    def leave(self) -> None:
        """The learner moved to another step: questions that gave way while they were here
        (not written to, no longer the pair's) go now, when nobody can be typing in them."""
        if self._reflecting is None:
            return
        wanted = self._wanted(self._reflecting)
        for prompt in [p for p in self._views if p not in wanted and not self._written(p)]:
            self._views.pop(prompt).widget.close()
        self._place()

    def _written(self, prompt: str) -> bool:
        """Whether the learner has written to ``prompt`` (kept, or still on the screen)."""
        view = self._views.get(prompt)
        return self.ctx.has(prompt) or (
            view is not None and any(f.area.value for f in view.fields.values()))

    def _wanted(self, pair: tuple[str, str]) -> list[str]:
        """The pair's questions (acting on the lowest, noticing the highest), then those
        answered in an earlier sitting, which stay on the page too."""
        c, low, high = content.get(), *pair
        wanted = [p.id for p in c.cell(low, self.space).prompts if p.kind != "notice"]
        wanted += [p.id for p in c.cell(high, self.space).prompts if p.kind == "notice"]
        wanted += [p.id for e in c.elements for p in c.cell(e.id, self.space).prompts
                   if p.id not in wanted and self.ctx.has(p.id)]
        return wanted

    def _show(self, pair: tuple[str, str] | None) -> None:
        """Questions on the lowest and highest condition. While the learner rates, the pair
        may change: the new pair's questions are added after those shown, and a question
        once shown stays until the learner leaves the step (:meth:`leave`). The kernel
        cannot know where focus is or what is typed but not yet sent, so removing a box
        while the learner is on the step could take their text with it."""
        if pair is None or pair == self._reflecting:
            return
        c, ctx = content.get(), self.ctx
        low, high = pair
        for prompt in self._wanted(pair):
            if prompt not in self._views:
                state = ReflectionState.from_answers(
                    ctx.answers(), ctx.token or "", (prompt,), workshop=ctx.workshop,
                    rater=ctx.rater)
                view = reflection_view(state, ctx.save)
                if ctx.workshop:
                    view.widget.children = (*view.widget.children, self._share_box(prompt))
                # The condition's accent, as on its rating cell and in the charts.
                element = c.items[prompt].element or low
                view.widget.layout.border_left = f"4px solid {accent(element)}"
                view.widget.layout.padding = "0 0 0 10px"
                self._views[prompt] = view
        self._reflecting = pair
        lowest = c.text("journey.reflect.lowest", name=c.element(low).name)
        highest = c.text("journey.reflect.highest", name=c.element(high).name)
        self._heading.value = f"<p>{escape(lowest)}<br>{escape(highest)}</p>"
        self._place()

    def _place(self) -> None:
        """Put the views on the page in the order they came (a box kept is never redrawn)."""
        views = tuple(v.widget for v in self._views.values())
        if self.widget.children[1:] != views:
            self.widget.children = (self._heading, *views)


KIND_ID = "reflection"
KIND = registry.ExerciseKind(
    id=KIND_ID, items=_items, check=check_typed, optional=True,
    label="coach.new.exercise.reflection", place="space", part=_Part,
    heading="journey.reflect.heading", describe=_describe,
    instance_model=_prompt_set.PromptSet, instance=_prompt_set.instance,
)
"""A cell's questions on the lowest and highest condition; YAML exercises of it are prompt
sets of a researcher's own (:mod:`trace_widgets.exercises._prompt_set`)."""
