"""Pydantic models of the YAML content: the shape each file must have, and their JSON Schema.

The JSON Schemas in ``data/schemas/`` are generated from these models (:func:`json_schemas`,
``trace-workbook content schema``); a test keeps the shipped ones in step.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from ._paths import bundled

_ID_PATTERN = r"^[a-z][a-z0-9_.-]{0,63}$"
Id = Field(pattern=_ID_PATTERN)
Text = Field(min_length=1, max_length=2_000)
Version = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
Digest = Field(pattern=r"^[0-9a-f]{16,64}$")

PROBLEMS_FILE = "ui_content.yaml"
"""The wording of content problems and of the ``content`` commands, in the bundled content.
It is read on its own, so a broken content folder can still be described."""
CLI_FILE = "ui_cli.yaml"
"""The wording of the other commands, read on its own too: ``--help`` loads no content."""


@functools.lru_cache(maxsize=1)
def _problem_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in (PROBLEMS_FILE, CLI_FILE):
        try:
            raw = yaml.safe_load((bundled("data", name) / name).read_text(encoding="utf-8"))
            texts.update({str(k): str(v) for k, v in raw["ui"].items()})
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
            continue
    return texts


def say(key: str, /, **values: object) -> str:
    """A content problem's message (``content.*`` in ``ui_content.yaml``), or what the
    command line says (``cli.*`` in ``ui_cli.yaml``), filled in.

    Examples
    --------
    >>> say("content.problem.missing_file")
    'file is missing'
    """
    template = _problem_texts().get(key)
    if template is None:  # the bundled wording itself is broken: still say something exact
        return " ".join([key, *(f"{k}={v!r}" for k, v in values.items())])
    return template.format(**values)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class About(_Frozen):
    title: str = Text
    summary: str = Text
    attribution: str = Text
    source_name: str = Text
    source_url: str = Field(pattern=r"^https://")


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a ``#rrggbb`` colour against white.

    Examples
    --------
    >>> round(contrast_on_white("#767676"), 2)
    4.54
    """
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


AA_TEXT = 4.5
"""WCAG AA contrast for body text; a condition's colour is used for its headings' text."""


class Element(_Frozen):
    id: str = Id
    name: str = Text
    condition: str = Text
    description: str = Text
    colour: str = Field(pattern=r"^#[0-9a-f]{6}$")
    """The condition's accent on every card, heading and chart (text on white: AA)."""

    @field_validator("colour")
    @classmethod
    def _readable(cls, colour: str) -> str:
        if contrast_on_white(colour) < AA_TEXT:
            raise ValueError(say("content.problem.contrast", colour=colour,
                                 contrast=contrast_on_white(colour), needed=AA_TEXT))
        return colour


class Space(_Frozen):
    id: str = Id
    name: str = Text
    description: str = Text


MAX_POINTS = 11
"""The most points a scale may have (0-10 is the longest in common use)."""


class ScalePoint(_Frozen):
    value: int = Field(ge=0, le=100)
    label: str = Text


class Scale(_Frozen):
    """A rating scale: its points in order, each a whole number and its label, and what "not
    sure" is called. ``model.yaml`` has the default; an instrument may bring its own."""

    points: tuple[ScalePoint, ...]
    not_sure: str = Text

    @field_validator("points")
    @classmethod
    def _rising_by_one(cls, points: tuple[ScalePoint, ...]) -> tuple[ScalePoint, ...]:
        # Scoring turns reverse-worded answers round as low + high - value: no gaps.
        values = [p.value for p in points]
        if not 2 <= len(values) <= MAX_POINTS or values != list(
                range(values[0], values[0] + len(values))):
            raise ValueError(say("content.problem.scale", most=MAX_POINTS))
        labels = [p.label for p in points]
        twice = next((w for n, w in enumerate(labels) if w in labels[:n]), None)
        if twice is not None:
            raise ValueError(say("content.problem.scale_label_twice", label=twice))
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
    instruments: dict[str, str] = Field(default_factory=dict)
    """Space id -> the instrument whose statements raters answer there (the others: the
    space's own statements). The self space's are about the learner as a leader."""
    chosen: tuple[str, ...] = ()
    """The spaces ticked when a learner first invites raters (default: all of them)."""


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
    intro: str = Field(default="journey.start.intro", pattern=r"^[a-z][a-z0-9_.-]{0,127}$")
    """The UI text id of what the start step says the journey is (its length, its steps)."""
    space_time: str = Field(default="journey.space.time", pattern=r"^[a-z][a-z0-9_.-]{0,127}$")
    """The UI text id of how long a space step takes, under each space's description."""
    steps: tuple[JourneyStep, ...] = Field(min_length=1)


class JourneyFile(_Frozen):
    journey: Journey


class Exercise(_Frozen):
    """An exercise declared in YAML: an instance of an installed kind, with its settings."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    """Its id: in journeys' steps, in answers (``exercise``), the start of its items' ids."""
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    """The installed kind it is an instance of (``trace-workbook content list``)."""
    label: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.-]{0,127}$")
    """A UI text id: a workshop may then leave it out (the coach's form offers it by this
    name); without one it is always shown where its journey places it."""
    heading: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.-]{0,127}$")
    """The UI text id of its heading in a step (default: its kind's)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """What its kind takes (see the kind's ``instance_model`` in the researcher guide)."""


class ExerciseFile(_Frozen):
    exercise: Exercise


class InstrumentStatement(_Frozen):
    """One statement of an instrument: its own wording and cell, or taken ``from`` a statement
    of the cells (a short form: the wording, cell and reverse flag are that statement's)."""

    id: str = Id
    from_: str | None = Field(default=None, alias="from", pattern=_ID_PATTERN)
    element: str | None = Field(default=None, pattern=_ID_PATTERN)
    space: str | None = Field(default=None, pattern=_ID_PATTERN)
    text: str | None = Field(default=None, min_length=1, max_length=2_000)
    reverse: bool | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_source(self) -> InstrumentStatement:
        own = (self.element, self.space, self.text)
        if self.from_ is not None and any(v is not None for v in (*own, self.reverse)):
            raise ValueError(say("content.problem.from_and_own"))
        if self.from_ is None and any(v is None for v in own):
            raise ValueError(say("content.problem.own_or_from"))
        return self


class InstrumentFile(_Frozen):
    """``instruments/<id>/instrument.yaml``: a named, versioned item bank."""

    id: str = Id
    version: str = Version
    """Raise it whenever a statement is added, removed or reworded (then record its
    fingerprint); answers keep the version they were given against."""
    name: str = Text
    description: str = Text
    cells: bool = False
    """True: the statements are those of ``cells/*.yaml`` (the bundled TRACE instrument)."""
    statements: tuple[InstrumentStatement, ...] = ()
    scale: Scale | None = None
    """Its own rating scale (default: the scale of ``model.yaml``). A different scale is a
    different version: the fingerprint records it."""

    @model_validator(mode="after")
    def _cells_or_statements(self) -> InstrumentFile:
        if self.cells == bool(self.statements):
            raise ValueError(say("content.problem.cells_or_statements"))
        return self


class RecordedVersion(_Frozen):
    digest: str = Digest
    """SHA-256 of every statement's id, wording and reverse flag, in order."""
    statements: dict[str, str]
    """Each statement's id and the digest of its wording and reverse flag."""
    scale: str | None = Field(default=None, pattern=r"^[0-9a-f]{16,64}$")
    """The digest of the scale's points, labels and "not sure" (absent in a version
    recorded before instruments had scales: its scale is not checked)."""


class FingerprintsFile(_Frozen):
    """``instruments/<id>/fingerprints.yaml``: what each released version's statements were."""

    instrument: str = Id
    versions: dict[str, RecordedVersion]


def _model_file_with_sections() -> type[BaseModel]:
    """``model.yaml`` as a whole: the model and the built-in exercise kinds' sections."""
    import importlib  # noqa: PLC0415

    from .exercises import registry  # noqa: PLC0415 - the kinds import content

    fields: dict[str, Any] = {}
    for path in registry.BUILTIN:
        module, _, attribute = path.partition(":")
        kind = getattr(importlib.import_module(module), attribute)
        if kind.section is not None and kind.model is not None:
            # Optional: a kind may bring its own section's YAML (registry.section_default).
            fields[kind.section] = (kind.model | None, None)
    return create_model("ModelFile", __base__=ModelFile, **fields)


def _exercise_file_with_settings() -> type[BaseModel]:
    """``exercises/*.yaml`` for editors: ``settings`` is one of the built-in kinds' instance
    models (content checks it against the one its ``kind`` names)."""
    import importlib  # noqa: PLC0415

    from .exercises import registry  # noqa: PLC0415 - the kinds import content

    models = []
    for path in registry.BUILTIN:
        module, _, attribute = path.partition(":")
        kind = getattr(importlib.import_module(module), attribute)
        if kind.instance_model is not None:
            models.append(kind.instance_model)
    settings: Any = functools.reduce(lambda a, b: a | b, models)
    exercise = create_model("Exercise", __base__=Exercise,
                            settings=(settings, Field(default_factory=dict)))
    return create_model("ExerciseFile", __base__=_Frozen, exercise=(exercise, ...))


SCHEMA_FILES = {
    "model": "model.schema.json",
    "cells": "cells.schema.json",
    "ui": "ui.schema.json",
    "raters": "raters.schema.json",
    "instrument": "instrument.schema.json",
    "fingerprints": "fingerprints.schema.json",
    "journey": "journey.schema.json",
    "exercise": "exercise.schema.json",
}
"""The shipped JSON Schema of each kind of content file, in ``data/schemas/``."""


def json_schemas() -> dict[str, str]:
    """Each content file kind's JSON Schema as the text shipped in ``data/schemas/``.

    Examples
    --------
    >>> schemas = json_schemas()
    >>> sorted(schemas) == sorted(SCHEMA_FILES.values())
    True
    >>> json.loads(schemas["cells.schema.json"])["title"]
    'CellsFile'
    """
    models: dict[str, type[BaseModel]] = {
        "model": _model_file_with_sections(), "cells": CellsFile, "ui": UiFile,
        "raters": RatersFile, "instrument": InstrumentFile, "fingerprints": FingerprintsFile,
        "journey": JourneyFile, "exercise": _exercise_file_with_settings(),
    }
    out = {}
    for name, model in models.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  **model.model_json_schema(by_alias=True)}
        out[SCHEMA_FILES[name]] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out
