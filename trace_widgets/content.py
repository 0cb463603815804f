"""The TRACE content: the only code that reads ``data/``. Validated, frozen, cached.

Examples
--------
>>> from trace_widgets import content
>>> content.element("task").name
'Task'
>>> len(content.cell("task", "team").statements) >= 3
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ValidationError

from . import settings
from ._paths import bundled
from ._schema import (
    About,
    ActionPlan,
    Cell,
    CellsFile,
    Element,
    Facilitation,
    JourneyFile,
    ModelFile,
    Priorities,
    Prompt,
    RaterGroup,
    Raters,
    RatersFile,
    Scale,
    Space,
    Statement,
    UiFile,
)

__all__ = [
    "Cell",
    "Content",
    "ContentError",
    "Element",
    "Facilitation",
    "ItemSpec",
    "JourneySpec",
    "Prompt",
    "RaterGroup",
    "Raters",
    "Space",
    "Statement",
    "StepSpec",
    "cell",
    "data_dir",
    "element",
    "elements",
    "get",
    "item",
    "journey",
    "kind_file",
    "load",
    "space",
    "spaces",
    "ui",
]

MODEL_FILE = "model.yaml"
UI_FILE = "ui.yaml"
RATERS_FILE = "raters.yaml"
CELLS_DIR = "cells"
JOURNEYS_DIR = "journeys"
DEFAULT_JOURNEY = "default"
"""The journey a learner on their own, and a workshop that names none, goes through."""

ItemKind = Literal["rating", "text", "choice", "date", "element", "space", "flag"]
StepType = Literal["start", "space", "plan"]
_STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


class ContentError(ValueError):
    """The content in ``data/`` is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class ItemSpec:
    """What one answerable item is: the exercise it belongs to and the value it takes."""

    id: str
    exercise: str
    """The id of the exercise kind it belongs to (``exercises.registry``)."""
    kind: ItemKind
    element: str | None = None
    space: str | None = None
    reverse: bool = False


@dataclass(frozen=True)
class StepSpec:
    """One step of a journey: its id (in the address), what it is, and the exercises it
    holds in order. A space step is named by its space; the others by a UI text id."""

    id: str
    type: StepType
    space: str | None
    label: str | None
    exercises: tuple[str, ...]


@dataclass(frozen=True)
class JourneySpec:
    """A journey (``journeys/*.yaml``): its steps in order, and the UI text id of its name.

    Examples
    --------
    >>> from trace_widgets import content
    >>> j = content.journey("default")
    >>> [s.id for s in j.steps]
    ['start', 'self', 'team', 'organisation', 'system', 'plan']
    >>> j.step("team").exercises
    ('rating', 'reflection')
    """

    id: str
    label: str
    steps: tuple[StepSpec, ...]

    @property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps)

    @property
    def spaces(self) -> tuple[str, ...]:
        """The spaces of its space steps, in step order."""
        return tuple(s.space for s in self.steps if s.space is not None)

    def step(self, step_id: str) -> StepSpec:
        return _find(self.steps, step_id, "step")


@dataclass(frozen=True)
class Content:
    """All content, validated. Build it with :func:`load`; get the default with :func:`get`."""

    about: About
    scale: Scale
    elements: tuple[Element, ...]
    spaces: tuple[Space, ...]
    cells: dict[tuple[str, str], Cell]
    ui: dict[str, str]
    sections: dict[str, BaseModel]
    """Each exercise kind's own settings from ``model.yaml``, by kind id."""
    items: dict[str, ItemSpec]
    raters: Raters
    """Who a learner can invite to rate them, and what they may see of it (raters.yaml)."""
    journeys: dict[str, JourneySpec]
    """The journeys (``journeys/*.yaml``) by id; :data:`DEFAULT_JOURNEY` is always one."""

    @property
    def action_plan(self) -> ActionPlan:
        return cast(ActionPlan, self.sections["action_plan"])

    @property
    def max_priorities(self) -> int:
        return cast(Priorities, self.sections["priorities"]).max_choices

    def element(self, element_id: str) -> Element:
        return _find(self.elements, element_id, "element")

    def space(self, space_id: str) -> Space:
        return _find(self.spaces, space_id, "space")

    def cell(self, element_id: str, space_id: str) -> Cell:
        self.element(element_id)
        self.space(space_id)
        return self.cells[(element_id, space_id)]

    def item(self, item_id: str) -> ItemSpec:
        try:
            return self.items[item_id]
        except KeyError:
            raise KeyError(f"unknown item id {item_id!r}") from None

    def journey(self, journey_id: str = DEFAULT_JOURNEY) -> JourneySpec:
        try:
            return self.journeys[journey_id]
        except KeyError:
            raise KeyError(f"unknown journey id {journey_id!r}") from None

    def step_name(self, step: StepSpec) -> str:
        """What a step is called: a space step by its space's name, the others by their label."""
        if step.space is not None:
            return self.space(step.space).name
        return self.text(step.label or "")

    def text(self, key: str, /, **values: object) -> str:
        """A UI string by id, with ``{name}`` placeholders filled in."""
        try:
            template = self.ui[key]
        except KeyError:
            raise KeyError(f"unknown UI text id {key!r}") from None
        return template.format(**values) if values else template

    def statements(self) -> Iterator[tuple[Cell, Statement]]:
        for c in self.cells.values():
            for s in c.statements:
                yield c, s


def _find(items: tuple[Any, ...], wanted: str, what: str) -> Any:
    for it in items:
        if it.id == wanted:
            return it
    known = ", ".join(it.id for it in items)
    raise KeyError(f"unknown {what} id {wanted!r}; known: {known}")


def data_dir() -> Path:
    """The bundled content folder: inside the installed package, or ``data/`` in a checkout."""
    try:
        return bundled("data", MODEL_FILE)
    except FileNotFoundError as exc:
        raise ContentError(f"no content found: {exc}") from None


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ContentError(f"{path}:{where} is not valid YAML: {exc}") from None


def _parse(path: Path, schema: type[BaseModel]) -> Any:
    return _validate(path, schema, _read_yaml(path))


def _validate(path: Path, schema: type[BaseModel], raw: Any, *, prefix: str = "") -> Any:
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        keys = ([prefix] * bool(prefix) + [str(p) for p in err["loc"]] for err in exc.errors())
        problems = "; ".join(f"key {'.'.join(k) or '(top level)'}: {err['msg']}"
                             for k, err in zip(keys, exc.errors(), strict=True))
        raise ContentError(f"{path}: {problems}") from None


def _check_unique(path: Path, key: str, ids: list[str], seen: dict[str, str]) -> None:
    for i in ids:
        if i in seen:
            raise ContentError(f"{path}: key {key}: duplicate id {i!r} (first used in {seen[i]})")
        seen[i] = f"{path.name} {key}"


def load(folder: Path | str | None = None) -> Content:
    """Load and validate all content from ``folder`` (default: the bundled content).

    Raises
    ------
    ContentError
        When a file is missing or malformed, an id is unknown or repeated, or a cell is missing.
    """
    from .exercises import registry  # noqa: PLC0415 - the kinds import content themselves

    root = Path(folder) if folder is not None else data_dir()
    model_path = root / MODEL_FILE
    kinds = registry.kinds()
    raw = _read_yaml(model_path)
    sections: dict[str, BaseModel] = {}
    if isinstance(raw, dict):
        raw = dict(raw)
        for k in kinds:
            if k.section is not None and k.model is not None:
                own = registry.section_default(k.id)  # a kind's own YAML, if it has one
                sections[k.id] = _validate(model_path, k.model, raw.pop(k.section, own),
                                           prefix=k.section)
    model: ModelFile = _validate(model_path, ModelFile, raw)
    ui = {**registry.texts(), **_ui_texts(root)}  # the content folder may reword a kind

    seen: dict[str, str] = {}
    _check_unique(model_path, "elements", [e.id for e in model.elements], seen)
    _check_unique(model_path, "spaces", [s.id for s in model.spaces], seen)
    element_ids = {e.id for e in model.elements}
    space_ids = {s.id for s in model.spaces}

    cells: dict[tuple[str, str], Cell] = {}
    cell_files = sorted((root / CELLS_DIR).glob("*.yaml"))
    for path in cell_files:
        parsed: CellsFile = _parse(path, CellsFile)
        if parsed.space not in space_ids:
            raise ContentError(f"{path}: key space: unknown space id {parsed.space!r}")
        for n, c in enumerate(parsed.cells):
            where = f"cells.{n}"
            if c.space != parsed.space:
                raise ContentError(f"{path}: key {where}.space: {c.space!r} in a file for "
                                   f"space {parsed.space!r}")
            if c.element not in element_ids:
                raise ContentError(f"{path}: key {where}.element: unknown element id "
                                   f"{c.element!r}")
            if (c.element, c.space) in cells:
                raise ContentError(f"{path}: key {where}: cell {c.element}/{c.space} "
                                   "is defined twice")
            _check_unique(path, f"{where}.statements", [s.id for s in c.statements], seen)
            _check_unique(path, f"{where}.prompts", [p.id for p in c.prompts], seen)
            _check_unique(path, f"{where}.facilitation", [f.id for f in c.facilitation], seen)
            cells[(c.element, c.space)] = c

    for e in model.elements:
        for s in model.spaces:
            if (e.id, s.id) not in cells:
                raise ContentError(f"{root / CELLS_DIR}: key cells: the cell {e.id}/{s.id} "
                                   "is missing")
    ordered = {(e.id, s.id): cells[(e.id, s.id)] for s in model.spaces for e in model.elements}
    raters = _raters(root / RATERS_FILE, space_ids, seen, ui)
    journeys = _journeys(root / JOURNEYS_DIR, kinds, space_ids, ui)
    return Content(
        about=model.about,
        scale=model.scale,
        elements=model.elements,
        spaces=model.spaces,
        cells=ordered,
        ui=ui,
        sections=sections,
        items=_items(model_path, kinds, model.spaces, ordered, sections),
        raters=raters,
        journeys=journeys,
    )


def _raters(path: Path, space_ids: set[str], seen: dict[str, str], ui: dict[str, str]
            ) -> Raters:
    parsed: RatersFile = _parse(path, RatersFile)
    raters = parsed.raters
    _check_unique(path, "raters.groups", [g.id for g in raters.groups], seen)
    for n, sp in enumerate(raters.spaces):
        if sp not in space_ids:
            raise ContentError(f"{path}: key raters.spaces.{n}: unknown space id {sp!r}")
    for g in raters.groups:
        if f"raters.group.{g.id}" not in ui:
            raise ContentError(f"{path}: key raters.groups: {g.id!r} has no name "
                               f"(ui id raters.group.{g.id})")
    return raters


def _problem(ui: dict[str, str], path: Path, key: str, text_id: str, **values: object
             ) -> ContentError:
    """A content error, worded in the UI texts by id (the id itself if they lack it)."""
    template = ui.get(text_id)
    message = template.format(**values) if template is not None else (
        f"{text_id} {values}" if values else text_id)
    return ContentError(f"{path}: key {key}: {message}")


def _journeys(folder: Path, kinds: tuple[Any, ...], space_ids: set[str], ui: dict[str, str]
              ) -> dict[str, JourneySpec]:
    """Every journey in ``journeys/``, each step checked against content and the kinds."""
    by_kind = {k.id: k for k in kinds if k.part is not None}
    journeys: dict[str, JourneySpec] = {}
    for path in sorted(folder.glob("*.yaml")):
        parsed: JourneyFile = _parse(path, JourneyFile)
        j = parsed.journey
        if j.id in journeys:
            raise _problem(ui, path, "journey.id", "content.error.journey_twice", id=j.id)
        if j.label not in ui:
            raise _problem(ui, path, "journey.label", "content.error.unknown_text", id=j.label)
        steps: list[StepSpec] = []
        for n, st in enumerate(j.steps):
            where = f"journey.steps.{n}"
            steps.append(_step(ui, path, where, st, by_kind=by_kind, space_ids=space_ids))
            if st.type == "start" and n != 0:
                raise _problem(ui, path, f"{where}.type", "content.error.start_first")
        if steps[0].type != "start":
            raise _problem(ui, path, "journey.steps.0.type", "content.error.start_first")
        ids = [s.id for s in steps]
        for n, i in enumerate(ids):
            if i in ids[:n]:
                raise _problem(ui, path, f"journey.steps.{n}.id", "content.error.step_twice",
                               id=i)
        if sum(s.type == "plan" for s in steps) > 1:
            raise _problem(ui, path, "journey.steps", "content.error.one_plan")
        journeys[j.id] = JourneySpec(j.id, j.label, tuple(steps))
    if DEFAULT_JOURNEY not in journeys:
        raise _problem(ui, folder, "journey.id", "content.error.no_default", id=DEFAULT_JOURNEY)
    return journeys


def _step(ui: dict[str, str], path: Path, where: str, st: Any, *, by_kind: dict[str, Any],
          space_ids: set[str]) -> StepSpec:
    if st.type == "space":
        if st.space is None or st.space not in space_ids:
            raise _problem(ui, path, f"{where}.space", "content.error.unknown_space",
                           id=st.space, known=", ".join(sorted(space_ids)))
        if st.label is not None:
            raise _problem(ui, path, f"{where}.label", "content.error.space_label")
    else:
        if st.space is not None:
            raise _problem(ui, path, f"{where}.space", "content.error.not_a_space_step")
        if st.label is None or st.label not in ui:
            raise _problem(ui, path, f"{where}.label", "content.error.unknown_text",
                           id=st.label)
    step_id = str(st.id or (st.space if st.type == "space" else st.type))
    if not _STEP_ID.match(step_id):
        raise _problem(ui, path, f"{where}.id", "content.error.step_id", id=step_id)
    for m, ex in enumerate(st.exercises):
        key = f"{where}.exercises.{m}"
        found = by_kind.get(ex)
        if found is None:
            raise _problem(ui, path, key, "content.error.unknown_exercise", id=ex,
                           known=", ".join(by_kind))
        if found.place != st.type:
            raise _problem(ui, path, key, "content.error.wrong_place", id=ex,
                           place=found.place, type=st.type)
        if ex in st.exercises[:m]:
            raise _problem(ui, path, key, "content.error.exercise_twice", id=ex)
    return StepSpec(step_id, st.type, st.space, st.label, tuple(st.exercises))


def kind_file(path: Path) -> dict[str, Any]:
    """A kind's own YAML file (``ExerciseKind.content``), as a mapping; the registry checks
    what it holds.

    Raises
    ------
    ContentError
        When the file is missing, not UTF-8, not YAML, or not a mapping.
    """
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: key (top level): must be a mapping")
    return raw


def _ui_texts(root: Path) -> dict[str, str]:
    """``ui.yaml``, then any ``ui_*.yaml`` (one per part of the app); an id may appear once."""
    texts: dict[str, str] = {}
    where: dict[str, str] = {}
    for path in [root / UI_FILE, *sorted(root.glob("ui_*.yaml"))]:
        parsed: UiFile = _parse(path, UiFile)
        for key, text in parsed.ui.items():
            if key in texts:
                raise ContentError(f"{path}: key ui.{key}: duplicate id (first in {where[key]})")
            texts[key] = text
            where[key] = path.name
    return texts


def _items(path: Path, kinds: tuple[Any, ...], spaces: tuple[Space, ...],
           cells: dict[tuple[str, str], Cell], sections: dict[str, BaseModel]
           ) -> dict[str, ItemSpec]:
    """Every item a learner can answer, by id, from every exercise kind: the store accepts
    nothing else."""
    from .exercises.registry import ItemsContext  # noqa: PLC0415

    items: dict[str, ItemSpec] = {}
    for k in kinds:
        for spec in k.items(ItemsContext(spaces, cells, sections.get(k.id))):
            if spec.id in items:
                raise ContentError(f"{path}: key {k.id}: item id {spec.id!r} is used by "
                                   f"{items[spec.id].exercise!r} too")
            items[spec.id] = spec
    return items


@functools.lru_cache(maxsize=4)
def _cached(folder: str | None) -> Content:
    return load(folder)


def get() -> Content:
    """The content in use: ``TRACE_CONTENT_DIR`` if set, else the bundled content. Cached."""
    path = settings.get().content_path
    return _cached(str(path) if path else None)


def element(element_id: str) -> Element:
    return get().element(element_id)


def space(space_id: str) -> Space:
    return get().space(space_id)


def elements() -> tuple[Element, ...]:
    return get().elements


def spaces() -> tuple[Space, ...]:
    return get().spaces


def cell(element_id: str, space_id: str) -> Cell:
    return get().cell(element_id, space_id)


def item(item_id: str) -> ItemSpec:
    return get().item(item_id)


def journey(journey_id: str = DEFAULT_JOURNEY) -> JourneySpec:
    return get().journey(journey_id)


def ui(key: str, /, **values: object) -> str:
    return get().text(key, **values)
