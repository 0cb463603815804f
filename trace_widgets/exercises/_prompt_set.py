"""A prompt set: reflection questions a researcher writes in YAML (``exercises/*.yaml``).

A YAML exercise of the reflection kind asks its own prompts in each space step its journey
places it in, optionally about one condition only (a chosen cell: that condition in the
step's space). Its answers are free text, saved as the learner writes, like a cell's
reflection; its items are ``<exercise>.<space>.<prompt>``.

.. code-block:: yaml

    exercise:
      id: strengths
      kind: reflection
      heading: strengths.heading        # a UI text id
      settings:
        element: capability             # optional: only about this condition
        prompts:
          - id: used
            text: "Which of your strengths did you rely on most in {space}?"
"""

from __future__ import annotations

import string
from collections.abc import Iterator

import ipywidgets as widgets
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .. import content
from .._theme import accent
from ..answers import Answer, check_typed, make
from . import _widgets as w
from . import registry
from ._save import Saver
from ._text import TextField

PLACEHOLDERS = ("space", "element")
"""What a prompt's text may name in braces: the step's space and the chosen condition."""


class PromptText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    """The prompt's own id: the last part of its items' ids."""
    text: str = Field(min_length=1, max_length=2_000)
    """The question; ``{space}`` and ``{element}`` are filled in with their names."""


class PromptSet(BaseModel):
    """The ``settings`` of a YAML reflection exercise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    element: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.-]{0,63}$")
    """Ask about this condition only (its cell in the step's space); default: the space."""
    prompts: tuple[PromptText, ...] = Field(min_length=1, max_length=20)


def item_id(exercise: str, space: str, prompt: str) -> str:
    """The item of one prompt in one space.

    Examples
    --------
    >>> item_id("strengths", "team", "used")
    'strengths.team.used'
    """
    return f"{exercise}.{space}.{prompt}"


def _check(settings: PromptSet, ctx: registry.ItemsContext) -> None:
    elements = {e for e, _ in ctx.cells}
    if settings.element is not None and settings.element not in elements:
        raise registry.InstanceError(("element",), "exercise.error.unknown_element",
                                     id=settings.element, known=", ".join(sorted(elements)))
    ids = [p.id for p in settings.prompts]
    for n, p in enumerate(settings.prompts):
        if p.id in ids[:n]:
            raise registry.InstanceError(("prompts", n, "id"), "exercise.error.prompt_twice",
                                         id=p.id)
        named = {f for _, f, _, _ in string.Formatter().parse(p.text) if f is not None}
        allowed = {"space", "element"} if settings.element else {"space"}
        if not named <= allowed:
            raise registry.InstanceError(("prompts", n, "text"), "exercise.error.placeholder",
                                         found=", ".join(sorted(named - allowed)),
                                         allowed=", ".join(sorted(allowed)))


class _Part:
    """The prompts in one space step, each a text box saved a moment after typing stops."""

    def __init__(self, exercise: str, settings: PromptSet, ctx: registry.PartContext,
                 space: str | None) -> None:
        if space is None:
            raise ValueError(content.ui("exercise.error.space_step", kind=exercise))
        c = content.get()
        names = {"space": c.space(space).name}
        if settings.element is not None:
            names["element"] = c.element(settings.element).name
        self.saver = Saver(ctx.save)
        kept: dict[str, str] = {}

        def field(prompt: PromptText) -> TextField:
            item = item_id(exercise, space, prompt.id)
            value = ctx.value(item)
            kept[item] = "" if value is None else str(value)

            def commit(text: object) -> Answer:
                row = make(ctx.token or "", item, text, workshop=ctx.workshop,
                           rater=ctx.rater)
                kept[item] = "" if row.value is None else str(row.value)
                return row

            return TextField(label=prompt.text.format(**names), current=lambda: kept[item],
                             commit=commit, saver=self.saver, counter=True,
                             css_class="trace-reflection")

        self.fields = [field(p) for p in settings.prompts]
        self.widget = w.css(widgets.VBox([*(f.box for f in self.fields),
                                          w.status_bar(self.saver)], layout=w.full_width()),
                            "trace-exercise", "trace-prompt-set", f"trace-exercise-{exercise}")
        if settings.element is not None:  # the condition's accent, as on its rating cell
            self.widget.layout.border_left = f"4px solid {accent(settings.element)}"
            self.widget.layout.padding = "0 0 0 10px"

    def refresh(self, cells: pd.DataFrame) -> None:
        """The boxes hold what the learner wrote: nothing to redraw."""

    def flush(self) -> None:
        self.saver.flush()


def instance(exercise: registry.Instance, ctx: registry.ItemsContext) -> registry.ExerciseKind:
    """The YAML exercise ``exercise`` (its settings a :class:`PromptSet`) as a kind of its own."""
    settings = exercise.settings
    assert isinstance(settings, PromptSet)  # content validated it with instance_model
    _check(settings, ctx)

    def items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
        for sp in c.spaces:
            for p in settings.prompts:
                yield content.ItemSpec(item_id(exercise.id, sp.id, p.id), exercise.id, "text",
                                       settings.element, sp.id)

    texts = {p.id: p.text for p in settings.prompts}

    def describe(spec: content.ItemSpec, c: content.Content) -> str:
        """What the item asks, as the learner read it (the codebook's and report's label)."""
        names = {"space": c.space(spec.space).name if spec.space else ""}
        if settings.element is not None:
            names["element"] = c.element(settings.element).name
        return texts[spec.id.rsplit(".", 1)[-1]].format(**names)

    return registry.ExerciseKind(
        id=exercise.id, items=items, check=check_typed, optional=exercise.label is not None,
        describe=describe,
        label=exercise.label, place="space", heading=exercise.heading or "journey.reflect.heading",
        part=lambda part_ctx, space: _Part(exercise.id, settings, part_ctx, space),
        of=exercise.kind,
    )
