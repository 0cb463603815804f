"""Pydantic models of the YAML content: the shape each file must have."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Id = Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")
Text = Field(min_length=1, max_length=2_000)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class About(_Frozen):
    title: str = Text
    summary: str = Text
    attribution: str = Text
    source_name: str = Text
    source_url: str = Field(pattern=r"^https://")


class Element(_Frozen):
    id: str = Id
    name: str = Text
    condition: str = Text
    description: str = Text


class Space(_Frozen):
    id: str = Id
    name: str = Text
    description: str = Text


class ScalePoint(_Frozen):
    value: int
    label: str = Text


class Scale(_Frozen):
    points: tuple[ScalePoint, ...]
    not_sure: str = Text

    @field_validator("points")
    @classmethod
    def _one_to_five(cls, points: tuple[ScalePoint, ...]) -> tuple[ScalePoint, ...]:
        if [p.value for p in points] != [1, 2, 3, 4, 5]:
            raise ValueError("the scale must have the points 1, 2, 3, 4, 5 in order")
        return points

    @property
    def low(self) -> int:
        return self.points[0].value

    @property
    def high(self) -> int:
        return self.points[-1].value

    def label(self, value: int) -> str:
        return next(p.label for p in self.points if p.value == value)


class Statement(_Frozen):
    id: str = Id
    text: str = Text
    reverse: bool = False


class Prompt(_Frozen):
    id: str = Id
    kind: Literal["notice", "understand", "act"]
    text: str = Text


class Facilitation(_Frozen):
    id: str = Id
    text: str = Text


class Cell(_Frozen):
    element: str = Id
    space: str = Id
    looks_like: str = Text
    statements: tuple[Statement, ...] = Field(min_length=3)
    prompts: tuple[Prompt, ...] = Field(min_length=3)
    facilitation: tuple[Facilitation, ...] = Field(min_length=1)


class CellsFile(_Frozen):
    space: str = Id
    cells: tuple[Cell, ...]


class PlanField(_Frozen):
    id: str = Id
    label: str = Text
    help: str = Text
    kind: Literal["text", "date", "element", "space"]


class ActionPlan(_Frozen):
    max_actions: int = Field(ge=1, le=20)
    fields: tuple[PlanField, ...] = Field(min_length=1)


class Priorities(_Frozen):
    max_choices: int = Field(ge=1, le=5)


class ModelFile(_Frozen):
    about: About
    scale: Scale
    elements: tuple[Element, ...] = Field(min_length=1)
    spaces: tuple[Space, ...] = Field(min_length=1)
    # Each exercise kind's own section (``priorities``, ``action_plan``, ...) is taken out
    # and checked against that kind's model before this one is checked.


class UiFile(_Frozen):
    ui: dict[str, str]


class RaterGroup(_Frozen):
    id: str = Id
    floor: int = Field(ge=1, le=50)
    named: bool = False
    """The group's view is not anonymous (a line manager): the learner and rater are told."""


class Raters(_Frozen):
    groups: tuple[RaterGroup, ...] = Field(min_length=1)
    all_others_floor: int = Field(ge=1, le=50)
    half_answered: float = Field(gt=0, le=1)
    blind_spot: float = Field(ge=0)
    hidden_strength: float = Field(ge=0)
    spaces: tuple[str, ...] = Field(min_length=1)


class RatersFile(_Frozen):
    raters: Raters


class JourneyStep(_Frozen):
    """One step of a journey: what it is (``type``), and the exercises it holds, in order."""

    type: Literal["start", "space", "plan"]
    id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,19}$")
    """The step's id in the address (``?step=``); a space step's default is its space's id."""
    space: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.-]{0,63}$")
    """A space step's space (its heading and label are the space's own name)."""
    label: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.-]{0,127}$")
    """The UI text id of a start or plan step's name (a space step is named by its space)."""
    exercises: tuple[str, ...] = ()
    """Exercise ids (a kind's own id, or one declared in ``exercises/*.yaml``)."""


class Journey(_Frozen):
    id: str = Id
    label: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,127}$")
    """The UI text id of the journey's name (the coach's form offers it by this name)."""
    steps: tuple[JourneyStep, ...] = Field(min_length=1)


class JourneyFile(_Frozen):
    journey: Journey
