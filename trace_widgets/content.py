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

import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
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
    ExerciseFile,
    Facilitation,
    FingerprintsFile,
    InstrumentFile,
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
    say,
)

__all__ = [
    "CELLS_DIR",
    "DEFAULT_JOURNEY",
    "EXERCISES_DIR",
    "FINGERPRINTS_FILE",
    "INSTRUMENTS_DIR",
    "INSTRUMENT_FILE",
    "JOURNEYS_DIR",
    "MODEL_FILE",
    "RATERS_FILE",
    "UI_FILE",
    "Cell",
    "Content",
    "ContentError",
    "Element",
    "Facilitation",
    "Instrument",
    "ItemKind",
    "ItemSpec",
    "JourneySpec",
    "Key",
    "Problem",
    "Prompt",
    "RaterGroup",
    "Raters",
    "Space",
    "Statement",
    "StepSpec",
    "StepType",
    "cell",
    "check",
    "data_dir",
    "element",
    "elements",
    "fingerprint",
    "get",
    "instrument",
    "item",
    "journey",
    "kind_file",
    "load",
    "record_fingerprints",
    "scale_digest",
    "space",
    "spaces",
    "statement_digest",
    "ui",
]

MODEL_FILE = "model.yaml"
UI_FILE = "ui.yaml"
RATERS_FILE = "raters.yaml"
CELLS_DIR = "cells"
INSTRUMENTS_DIR = "instruments"
INSTRUMENT_FILE = "instrument.yaml"
FINGERPRINTS_FILE = "fingerprints.yaml"
JOURNEYS_DIR = "journeys"
EXERCISES_DIR = "exercises"
DEFAULT_JOURNEY = "default"
"""The journey a learner on their own, and a workshop that names none, goes through."""

ItemKind = Literal["rating", "text", "choice", "date", "element", "space", "flag"]
StepType = Literal["start", "space", "plan"]
_STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
Key = tuple[str | int, ...]
"""Where a value sits in a YAML document: mapping keys and list positions."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: the file, the line, the key and what is wrong."""

    file: Path
    line: int
    key: str
    message: str
    draft: bool = False
    """Not wrong, only unfinished (a version whose fingerprint is not recorded yet): the app
    still loads it, ``content check`` reports it."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class ContentError(ValueError):
    """The content is malformed; the message names every problem, each on its own line as
    ``file:line: key: message``, and :attr:`problems` holds them."""

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        self.problems: tuple[Problem, ...] = () if isinstance(problems, str) else tuple(problems)
        super().__init__(problems if isinstance(problems, str)
                         else "\n".join(str(p) for p in self.problems))


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
    instrument: str = ""
    """The id of the instrument (item bank) it belongs to: its own for a statement, the main
    instrument for everything else; content fills it in when a kind leaves it empty."""


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
    intro: str = "journey.start.intro"
    """The UI text id of what its start step says it is."""
    space_time: str = "journey.space.time"
    """The UI text id of how long one of its space steps takes."""

    @property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps)

    @property
    def spaces(self) -> tuple[str, ...]:
        """The spaces of its space steps, in step order."""
        return tuple(s.space for s in self.steps if s.space is not None)

    def step(self, step_id: str) -> StepSpec:
        return _find(self.steps, step_id, "step")


def statement_digest(statement: Statement) -> str:
    """What :func:`fingerprint` records of one statement: its wording and reverse flag."""
    raw = f"{statement.text}\0{int(statement.reverse)}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def scale_digest(scale: Scale) -> str:
    """What a version's fingerprint records of its scale: each point's value and label, and
    the words for "not sure" (a different scale is a different instrument version).

    Examples
    --------
    >>> from trace_widgets import content
    >>> len(scale_digest(content.get().scale))
    16
    """
    raw = "\0".join([*(f"{p.value}={p.label}" for p in scale.points), scale.not_sure])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def fingerprint(statements: Iterable[Statement]) -> str:
    """SHA-256 of every statement's id, wording and reverse flag, in id order.

    Examples
    --------
    >>> a = Statement(id="x.s1", text="We know the way.")
    >>> fingerprint([a]) == fingerprint([a]), fingerprint([a]) == fingerprint(
    ...     [Statement(id="x.s1", text="We know the road.")])
    (True, False)
    """
    digest = hashlib.sha256()
    for st in sorted(statements, key=lambda st: st.id):
        digest.update(f"{st.id}\0{st.text}\0{int(st.reverse)}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Instrument:
    """A named, versioned item bank: the statements a learner rates, by cell.

    Answers record the id and version they were given against; scores of two instruments
    are never pooled (``scoring`` keeps them apart).
    """

    id: str
    version: str
    name: str
    description: str
    main: bool
    """Its statements are the cells' own (``cells/*.yaml``): the bundled journey rates it."""
    cells: dict[tuple[str, str], tuple[Statement, ...]]
    """Its statements by (element, space), in content order."""
    same_as: dict[str, str]
    """A short form's statement id -> the statement of the cells it was taken from."""
    folder: Path
    scale: Scale
    """What its statements are rated on: its own ``scale:``, else the scale of ``model.yaml``."""
    own_scale: bool = False
    """It declares its own scale in ``instrument.yaml`` (rather than taking the model's)."""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.statements())

    def statements(self, element: str | None = None, space: str | None = None
                   ) -> tuple[Statement, ...]:
        """Its statements, all or those of one element and/or space."""
        return tuple(st for (e, s), sts in self.cells.items()
                     if element in (None, e) and space in (None, s) for st in sts)


@dataclass(frozen=True)
class Content:
    """All content, validated. Build it with :func:`load`; get the default with :func:`get`."""

    about: About
    scale: Scale
    """The main instrument's scale (the model's unless that instrument brings its own): the
    one the cells' statements, and the scores, charts and reports of them, are on. An item
    of another instrument is on that instrument's scale (:meth:`scale_of`)."""
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
    instruments: dict[str, Instrument] = dataclasses.field(default_factory=dict)
    """The item banks, by id, the main one (whose statements are the cells') first."""
    exercises: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Every exercise by id: the installed kinds, then those declared in ``exercises/*.yaml``
    (each an :class:`~trace_widgets.exercises.registry.ExerciseKind`)."""

    def exercise(self, exercise_id: str) -> Any:
        """An exercise (a kind, or a YAML exercise of one) by id, or KeyError."""
        try:
            return self.exercises[exercise_id]
        except KeyError:
            raise KeyError(f"unknown exercise id {exercise_id!r}") from None

    @property
    def workshop_exercises(self) -> tuple[str, ...]:
        """The exercises a workshop may include or leave out (everyone rates), in order."""
        return tuple(e.id for e in self.exercises.values() if e.optional)

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

    def instrument(self, instrument_id: str | None = None) -> Instrument:
        """An instrument by id; the main one (the cells' statements) by default."""
        if instrument_id is None:
            return next(iter(self.instruments.values()))
        try:
            return self.instruments[instrument_id]
        except KeyError:
            known = ", ".join(self.instruments)
            raise KeyError(f"unknown instrument id {instrument_id!r}; known: {known}") from None

    def scale_of(self, instrument_id: str | None = None) -> Scale:
        """The scale an instrument's statements are rated on (default, or an id that is no
        instrument's: the main one's).

        Examples
        --------
        >>> from trace_widgets import content
        >>> c = content.get()
        >>> c.scale_of("pulse") == c.scale_of() == c.scale, c.scale.high
        (True, 5)
        """
        bank = self.instruments.get(instrument_id or "")
        return bank.scale if bank is not None else self.scale

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
        raise ContentError(f"{exc}") from None


# -- reading YAML, keeping every problem with its file, line and key ---------------------


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML has it: the pure-Python one took 0.75 s of a 0.77 s load."""


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, noting a key given twice in one mapping (it keeps the last)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[int, str, int]] = []  # (line, key, first line)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in first:
                    self.repeated.append((line, key_node.value, first[key_node.value]))
                else:
                    first[key_node.value] = line
        return super().construct_mapping(node, deep=deep)


def _key_lines(node: yaml.Node, prefix: Key, out: dict[Key, int]) -> None:
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            key = (*prefix, str(key_node.value))
            out.setdefault(key, key_node.start_mark.line + 1)
            _key_lines(value, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for n, value in enumerate(node.value):
            _key_lines(value, (*prefix, n), out)


class _Reader:
    """Reads the files of one load and keeps every problem found, with file, line and key.

    Line numbers are worked out only when there is a problem to place: a clean load parses
    each file once, as before.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.seen: dict[str, str] = {}
        """Every id so far and where it is, for duplicates across files."""
        self.origins: dict[str, tuple[Path, Key]] = {}
        """Where each statement of the cells is, to place a problem with its wording."""
        self._failed: set[Path] = set()
        self._texts: dict[Path, str] = {}
        self._lines: dict[Path, dict[Key, int]] = {}

    def add(self, path: Path, key: Key | str, message: str, *, draft: bool = False) -> None:
        parts: Key = tuple(key.split(".")) if isinstance(key, str) else key
        shown = ".".join(str(p) for p in parts) or say("content.key.top")
        self.problems.append(Problem(path, self.line(path, parts), shown, message, draft))

    def line(self, path: Path, key: Key) -> int:
        """The line of ``key`` in ``path``, or of the nearest key above it that exists."""
        if path not in self._lines:
            lines: dict[Key, int] = {}
            text = self._texts.get(path)
            if text is not None:
                try:
                    node = yaml.compose(text, Loader=_SafeLoader)
                except yaml.YAMLError:
                    node = None
                if node is not None:
                    _key_lines(node, (), lines)
            self._lines[path] = lines
        lines = self._lines[path]
        normal = tuple(str(p) if isinstance(p, str) else p for p in key)
        for n in range(len(normal), 0, -1):
            if normal[:n] in lines:
                return lines[normal[:n]]
        return 1

    def read(self, path: Path) -> Any:
        """The YAML document in ``path``, or None (and a problem) when it cannot be read."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._failed.add(path)
            self.add(path, (), say("content.problem.missing_file"))
            return None
        except UnicodeDecodeError as exc:
            self._failed.add(path)
            self.add(path, (), say("content.problem.not_utf8", reason=exc.reason))
            return None
        self._texts[path] = text
        loader = _Loader(text)
        try:
            data = loader.get_single_data()
        except yaml.YAMLError as exc:
            self._failed.add(path)
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(path, mark.line + 1 if mark is not None else 1,
                                         say("content.key.yaml"),
                                         say("content.problem.bad_yaml", problem=problem)))
            return None
        finally:
            loader.dispose()
        for line, key, first in loader.repeated:
            self.problems.append(Problem(path, line, key, say("content.problem.repeated_key",
                                                              key=key, first=first)))
        return data

    def validate(self, path: Path, schema: type[BaseModel], raw: Any, *, prefix: Key = ()
                 ) -> Any:
        """``raw`` as a ``schema`` object, or None (and a problem for each error)."""
        try:
            return schema.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                self.add(path, (*prefix, *err["loc"]), err["msg"])
            return None

    def parse(self, path: Path, schema: type[BaseModel]) -> Any:
        raw = self.read(path)
        return None if path in self._failed else self.validate(path, schema, raw)

    def unique(self, path: Path, key: Key, ids: list[str]) -> None:
        """Note each id already used elsewhere in the content."""
        seen = self.seen
        for n, i in enumerate(ids):
            if i in seen:
                self.add(path, (*key, n, "id"),
                         say("content.problem.duplicate_id", id=i, first=seen[i]))
            else:
                seen[i] = f"{path.name} {'.'.join(str(p) for p in key)}"


def _parse(path: Path, schema: type[BaseModel]) -> Any:
    """One file as a ``schema`` object, or :class:`ContentError` naming its problems."""
    reader = _Reader()
    found = reader.parse(path, schema)
    if reader.problems:
        raise ContentError(reader.problems)
    return found


def load(folder: Path | str | None = None, *,
         instruments: Path | str | None = None) -> Content:
    """Load and validate all content from ``folder`` (default: the bundled content).

    ``instruments`` is a researcher's folder of further instruments (``TRACE_INSTRUMENTS_DIR``
    in :func:`get`), laid out like ``instruments/`` (one folder per instrument), or one
    instrument's own folder.

    Raises
    ------
    ContentError
        Naming every problem found (file, line, key, what): a file missing or malformed, an
        id unknown or repeated, a cell missing, a statement's wording changed under a
        recorded version.
    """
    reader = _Reader()
    loaded = _load(reader, folder, instruments)
    blocking = [p for p in reader.problems if not p.draft]
    if blocking or loaded is None:
        raise ContentError(blocking or reader.problems)
    return loaded


def check(folder: Path | str | None = None, *,
          instruments: Path | str | None = None) -> tuple[Problem, ...]:
    """Every problem in the content of ``folder`` (default: the bundled content), in file
    and line order; empty when it is clean. Unlike :func:`load`, an instrument version whose
    fingerprint is not recorded yet counts too.

    Examples
    --------
    >>> check()
    ()
    """
    reader = _Reader()
    try:
        _load(reader, folder, instruments)
    except ContentError as exc:  # a part that stops at its first problem
        reader.problems += exc.problems or [Problem(Path(str(folder or data_dir())), 1,
                                                    say("content.key.top"), str(exc))]
    return tuple(sorted(reader.problems, key=lambda p: (str(p.file), p.line)))


def _load(reader: _Reader, folder: Path | str | None, extra: Path | str | None
          ) -> Content | None:
    from .exercises import registry  # noqa: PLC0415 - the kinds import content themselves

    root = Path(folder) if folder is not None else data_dir()
    model_path = root / MODEL_FILE
    kinds = registry.kinds()
    raw = reader.read(model_path)
    sections: dict[str, BaseModel] = {}
    if isinstance(raw, dict):
        raw = dict(raw)
        for k in kinds:
            if k.section is not None and k.model is not None:
                own = registry.section_default(k.id)  # a kind's own YAML, if it has one
                found = reader.validate(model_path, k.model, raw.pop(k.section, own),
                                        prefix=(k.section,))
                if found is not None:
                    sections[k.id] = found
    model: ModelFile | None = (reader.validate(model_path, ModelFile, raw)
                               if raw is not None else None)
    ui = {**registry.texts(), **_ui_texts(reader, root)}  # the content folder may reword a kind

    if model is not None:
        reader.unique(model_path, ("elements",), [e.id for e in model.elements])
        reader.unique(model_path, ("spaces",), [s.id for s in model.spaces])
    known = _Known(
        {e.id for e in model.elements} if model is not None else _raw_ids(raw, "elements"),
        {s.id for s in model.spaces} if model is not None else _raw_ids(raw, "spaces"))
    cells, unread = _cells(reader, root, known)
    if model is not None:
        for e in model.elements:
            for s in model.spaces:
                if (e.id, s.id) not in cells and s.id not in unread:
                    reader.add(root / CELLS_DIR, ("cells",), say(
                        "content.problem.cell_missing", element=e.id, space=s.id))
    raters = _raters(reader, root / RATERS_FILE, known.spaces, ui)
    declared = _exercise_files(reader, root / EXERCISES_DIR, kinds, ui)
    places: dict[str, str | None] = {k.id: k.place for k in kinds if k.part is not None}
    places.update({d.id: registry.kind(d.kind).place for _, d in declared
                   if registry.kind(d.kind).part is not None and d.id not in places})
    journeys = _journeys(reader, root / JOURNEYS_DIR, places, known.spaces, ui)
    if model is None or raters is None:
        return None
    ordered = {(e.id, s.id): cells[(e.id, s.id)] for s in model.spaces for e in model.elements
               if (e.id, s.id) in cells}
    complete = len(ordered) == len(model.spaces) * len(model.elements)
    found = _instruments(reader, root, extra,
                         dataclasses.replace(known, cells=ordered, complete=complete),
                         scale=model.scale)
    _rater_instruments(reader, root / RATERS_FILE, raters, found)
    if not complete:
        return None
    exercises = {k.id: k for k in kinds}
    exercises.update(_instances(reader, declared, spaces=model.spaces, cells=ordered,
                                instruments=found))
    main = next((i for i in found.values() if i.main), None)
    return Content(
        about=model.about,
        scale=main.scale if main is not None else model.scale,
        elements=model.elements,
        spaces=model.spaces,
        cells=ordered,
        ui=ui,
        sections=sections,
        items=_items(reader, model_path, kinds=tuple(exercises.values()), spaces=model.spaces,
                     cells=ordered, sections=sections, instruments=found),
        raters=raters,
        journeys=journeys,
        instruments=found,
        exercises=exercises,
    )


@dataclass(frozen=True)
class _Known:
    """The ids that references may use (None: unknown, as their file did not validate)."""

    elements: set[str] | None
    spaces: set[str] | None
    cells: dict[tuple[str, str], Cell] = dataclasses.field(default_factory=dict)
    complete: bool = False
    """Every cell of the grid was read."""


def _cells(reader: _Reader, root: Path, known: _Known
           ) -> tuple[dict[tuple[str, str], Cell], set[str]]:
    """The cells of ``cells/*.yaml``, and the spaces whose file could not be read (their
    cells are not reported missing as well)."""
    cells: dict[tuple[str, str], Cell] = {}
    unread: set[str] = set()
    for path in sorted((root / CELLS_DIR).glob("*.yaml")):
        parsed: CellsFile | None = reader.parse(path, CellsFile)
        if parsed is None:
            unread.add(path.stem)
            continue
        if known.spaces is not None and parsed.space not in known.spaces:
            reader.add(path, ("space",), say("content.problem.unknown", what="space",
                                             id=parsed.space, known=", ".join(known.spaces)))
        for n, c in enumerate(parsed.cells):
            where: Key = ("cells", n)
            if c.space != parsed.space:
                reader.add(path, (*where, "space"), say("content.problem.cell_space",
                                                        space=c.space, file_space=parsed.space))
            elif known.elements is not None and c.element not in known.elements:
                reader.add(path, (*where, "element"), say(
                    "content.problem.unknown", what="element", id=c.element,
                    known=", ".join(sorted(known.elements))))
            elif (c.element, c.space) in cells:
                reader.add(path, where, say("content.problem.cell_twice", element=c.element,
                                            space=c.space))
            else:
                _cell(reader, path, where, c)
                cells[(c.element, c.space)] = c
    return cells, unread


def _cell(reader: _Reader, path: Path, where: Key, c: Cell) -> None:
    reader.unique(path, (*where, "statements"), [s.id for s in c.statements])
    reader.unique(path, (*where, "prompts"), [p.id for p in c.prompts])
    reader.unique(path, (*where, "facilitation"), [f.id for f in c.facilitation])
    if len(c.statements) > 1 and not any(s.reverse for s in c.statements):
        reader.add(path, (*where, "statements"), say(
            "content.problem.no_reverse_cell", element=c.element, space=c.space))
    for m, st in enumerate(c.statements):
        reader.origins[st.id] = (path, (*where, "statements", m))


def _raw_ids(raw: Any, key: str) -> set[str] | None:
    """The ids under ``key`` of a ``model.yaml`` that did not validate, to go on checking
    references to them; None when there are none to trust."""
    found = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(found, list):
        return None
    ids = {e["id"] for e in found if isinstance(e, dict) and isinstance(e.get("id"), str)}
    return ids or None


def _raters(reader: _Reader, path: Path, space_ids: set[str] | None, ui: dict[str, str]
            ) -> Raters | None:
    parsed: RatersFile | None = reader.parse(path, RatersFile)
    if parsed is None:
        return None
    raters = parsed.raters
    reader.unique(path, ("raters", "groups"), [g.id for g in raters.groups])
    for n, sp in enumerate(raters.spaces):
        if space_ids is not None and sp not in space_ids:
            reader.add(path, ("raters", "spaces", n), say(
                "content.problem.unknown", what="space", id=sp, known=", ".join(space_ids)))
    for n, g in enumerate(raters.groups):
        if f"raters.group.{g.id}" not in ui:
            reader.add(path, ("raters", "groups", n, "id"), say(
                "content.problem.no_name", id=g.id, ui=f"raters.group.{g.id}"))
    for n, sp in enumerate(raters.chosen):
        if sp not in raters.spaces:
            reader.add(path, ("raters", "chosen", n), say(
                "content.problem.unknown", what="space", id=sp, known=", ".join(raters.spaces)))
    for sp, bank in raters.instruments.items():
        if sp not in raters.spaces:
            reader.add(path, ("raters", "instruments", sp), say(
                "content.problem.unknown", what="space", id=sp, known=", ".join(raters.spaces)))
        for key in (f"raters.instrument.{bank}", f"raters.page.instrument.{bank}"):
            if key not in ui:
                reader.add(path, ("raters", "instruments", sp), say(
                    "content.problem.no_name", id=bank, ui=key))
    return raters


def _rater_instruments(reader: _Reader, path: Path, raters: Raters,
                       found: dict[str, Instrument]) -> None:
    """Each instrument raters answer in a space is installed, has statements there, and is
    on the main instrument's scale (their scores meet the learner's own cell by cell)."""
    main = next((i for i in found.values() if i.main), None)
    for sp, bank in raters.instruments.items():
        if bank not in found:
            reader.add(path, ("raters", "instruments", sp), say(
                "content.problem.unknown", what="instrument", id=bank, known=", ".join(found)))
        elif not found[bank].statements(space=sp):
            reader.add(path, ("raters", "instruments", sp), say(
                "content.problem.unknown", what=f"{bank} statement in the space", id=sp,
                known=", ".join(sorted({s for _, s in found[bank].cells}))))
        elif main is not None and found[bank].scale.points != main.scale.points:
            reader.add(path, ("raters", "instruments", sp), say(
                "content.problem.rater_scale", instrument=bank, space=sp, main=main.id))


def _worded(ui: dict[str, str], text_id: str, **values: object) -> str:
    """A problem worded in the content's own UI texts by id (the id itself if they lack it)."""
    template = ui.get(text_id)
    if template is not None:
        return template.format(**values)
    return f"{text_id} {values}" if values else text_id


def _journeys(reader: _Reader, folder: Path, places: dict[str, str | None],
              space_ids: set[str] | None, ui: dict[str, str]) -> dict[str, JourneySpec]:
    """Every journey in ``journeys/``, each step checked against content and the exercises
    (``places``: where each exercise a step may hold is shown)."""
    journeys: dict[str, JourneySpec] = {}
    for path in sorted(folder.glob("*.yaml")):
        parsed: JourneyFile | None = reader.parse(path, JourneyFile)
        if parsed is None:
            continue
        j = parsed.journey
        problems = len(reader.problems)
        if j.id in journeys:
            reader.add(path, ("journey", "id"), _worded(ui, "content.error.journey_twice",
                                                        id=j.id))
        for key in ("label", "intro", "space_time"):
            if getattr(j, key) not in ui:
                reader.add(path, ("journey", key), _worded(ui, "content.error.unknown_text",
                                                           id=getattr(j, key)))
        steps: list[StepSpec] = []
        for n, st in enumerate(j.steps):
            where: Key = ("journey", "steps", n)
            steps.append(_step(reader, ui, path, where, st, places=places,
                               space_ids=space_ids))
            if st.type == "start" and n != 0:
                reader.add(path, (*where, "type"), _worded(ui, "content.error.start_first"))
        _journey_shape(reader, ui, path, steps)
        if len(reader.problems) == problems:
            journeys[j.id] = JourneySpec(j.id, j.label, tuple(steps), j.intro, j.space_time)
    if DEFAULT_JOURNEY not in journeys and not any(p.file.parent == folder
                                                   for p in reader.problems):
        reader.add(folder, ("journey", "id"), _worded(ui, "content.error.no_default",
                                                      id=DEFAULT_JOURNEY))
    return journeys


def _journey_shape(reader: _Reader, ui: dict[str, str], path: Path,
                   steps: list[StepSpec]) -> None:
    """A journey begins with its start step, names each step once, has one plan at most."""
    if steps[0].type != "start":
        reader.add(path, ("journey", "steps", 0, "type"),
                   _worded(ui, "content.error.start_first"))
    ids = [s.id for s in steps]
    for n, i in enumerate(ids):
        if i in ids[:n]:
            reader.add(path, ("journey", "steps", n, "id"),
                       _worded(ui, "content.error.step_twice", id=i))
    if sum(s.type == "plan" for s in steps) > 1:
        reader.add(path, ("journey", "steps"), _worded(ui, "content.error.one_plan"))


def _step(reader: _Reader, ui: dict[str, str], path: Path, where: Key, st: Any, *,
          places: dict[str, str | None], space_ids: set[str] | None) -> StepSpec:
    def bad(key: str | int, text_id: str, **values: object) -> None:
        reader.add(path, (*where, key), _worded(ui, text_id, **values))

    if st.type == "space":
        if st.space is None or (space_ids is not None and st.space not in space_ids):
            bad("space", "content.error.unknown_space", id=st.space,
                known=", ".join(sorted(space_ids or ())))
        if st.label is not None:
            bad("label", "content.error.space_label")
    else:
        if st.space is not None:
            bad("space", "content.error.not_a_space_step")
        if st.label is None or st.label not in ui:
            bad("label", "content.error.unknown_text", id=st.label)
    step_id = str(st.id or (st.space if st.type == "space" else st.type))
    if not _STEP_ID.match(step_id):
        bad("id", "content.error.step_id", id=step_id)
    for m, ex in enumerate(st.exercises):
        if ex not in places:
            reader.add(path, (*where, "exercises", m), _worded(
                ui, "content.error.unknown_exercise", id=ex, known=", ".join(places)))
        elif places[ex] != st.type:
            reader.add(path, (*where, "exercises", m), _worded(
                ui, "content.error.wrong_place", id=ex, place=places[ex], type=st.type))
        elif ex in st.exercises[:m]:
            reader.add(path, (*where, "exercises", m), _worded(
                ui, "content.error.exercise_twice", id=ex))
    return StepSpec(step_id, st.type, st.space, st.label, tuple(st.exercises))


def _exercise_files(reader: _Reader, folder: Path, kinds: tuple[Any, ...], ui: dict[str, str]
                    ) -> list[tuple[Path, Any]]:
    """The exercises declared in ``exercises/*.yaml``, each naming a kind that takes YAML
    exercises, an id of its own and UI texts that exist (built later, by :func:`_instances`)."""
    by_kind = {k.id: k for k in kinds}
    found: list[tuple[Path, Any]] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        parsed: ExerciseFile | None = reader.parse(path, ExerciseFile)
        if parsed is None:
            continue
        ex = parsed.exercise
        before = len(reader.problems)
        if ex.id in by_kind:
            reader.add(path, ("exercise", "id"), _worded(ui, "content.error.exercise_is_kind",
                                                         id=ex.id))
        elif ex.id in seen:
            reader.add(path, ("exercise", "id"), _worded(ui, "content.error.exercise_file_twice",
                                                         id=ex.id, first=seen[ex.id]))
        kind = by_kind.get(ex.kind)
        if kind is None:
            reader.add(path, ("exercise", "kind"), _worded(
                ui, "content.error.unknown_kind", id=ex.kind, known=", ".join(by_kind)))
        elif kind.instance is None:
            takes = ", ".join(k.id for k in kinds if k.instance is not None)
            reader.add(path, ("exercise", "kind"), _worded(
                ui, "content.error.kind_takes_no_exercises", id=ex.kind, known=takes))
        for key in ("label", "heading"):
            text_id = getattr(ex, key)
            if text_id is not None and text_id not in ui:
                reader.add(path, ("exercise", key), _worded(ui, "content.error.unknown_text",
                                                            id=text_id))
        if len(reader.problems) == before:
            seen[ex.id] = path.name
            found.append((path, ex))
    return found


def _instances(reader: _Reader, declared: list[tuple[Path, Any]], *, spaces: tuple[Space, ...],
               cells: dict[tuple[str, str], Cell], instruments: dict[str, Instrument]
               ) -> dict[str, Any]:
    """Each declared exercise built by its kind from its settings, checked as a kind is."""
    from .exercises import registry  # noqa: PLC0415 - the kinds import content themselves

    built: dict[str, Any] = {}
    for path, ex in declared:
        kind = registry.kind(ex.kind)
        assert kind.instance_model is not None  # _exercise_files kept only kinds that take them
        assert kind.instance is not None
        settings = reader.validate(path, kind.instance_model, ex.settings,
                                   prefix=("exercise", "settings"))
        if settings is None:
            continue
        instance = registry.Instance(ex.id, ex.kind, settings, ex.label, ex.heading)
        try:
            new = registry.validate(kind.instance(
                instance, registry.ItemsContext(spaces, cells, settings, instruments)))
            if new.id != ex.id or new.of != ex.kind:
                raise registry.KindError("kinds.invalid.instance_id", id=ex.id, kind=ex.kind)
            wrong = next((i.id for i in new.items(registry.ItemsContext(
                spaces, cells, settings, instruments)) if not i.id.startswith(f"{ex.id}.")),
                None)
            if wrong is not None:
                raise registry.KindError("kinds.invalid.instance_item", id=ex.id, item=wrong)
        except registry.InstanceError as err:
            reader.add(path, ("exercise", "settings", *err.key), str(err))
            continue
        except registry.KindError as err:
            reader.add(path, ("exercise", "kind"), str(err))
            continue
        built[ex.id] = new
    return built


def kind_file(path: Path) -> dict[str, Any]:
    """A kind's own YAML file (``ExerciseKind.content``), as a mapping; the registry checks
    what it holds.

    Raises
    ------
    ContentError
        When the file is missing, not UTF-8, not YAML, or not a mapping.
    """
    reader = _Reader()
    raw = reader.read(path)
    if reader.problems:
        raise ContentError(reader.problems)
    if not isinstance(raw, dict):
        reader.add(path, (), say("content.problem.not_a_mapping"))
        raise ContentError(reader.problems)
    return raw


def _ui_texts(reader: _Reader, root: Path) -> dict[str, str]:
    """``ui.yaml``, then any ``ui_*.yaml`` (one per part of the app); an id may appear once."""
    texts: dict[str, str] = {}
    where: dict[str, str] = {}
    for path in [root / UI_FILE, *sorted(root.glob("ui_*.yaml"))]:
        parsed: UiFile | None = reader.parse(path, UiFile)
        if parsed is None:
            continue
        for key, text in parsed.ui.items():
            if key in texts:
                reader.add(path, ("ui", key), say("content.problem.duplicate_id", id=key,
                                                  first=where[key]))
                continue
            texts[key] = text
            where[key] = path.name
    return texts


def _items(reader: _Reader, path: Path, *, kinds: tuple[Any, ...], spaces: tuple[Space, ...],
           cells: dict[tuple[str, str], Cell], sections: dict[str, BaseModel],
           instruments: dict[str, Instrument]) -> dict[str, ItemSpec]:
    """Every item a learner can answer, by id, from every exercise kind: the store accepts
    nothing else. An item that is no instrument's statement belongs to the main one."""
    from .exercises.registry import ItemsContext  # noqa: PLC0415

    main = next((i.id for i in instruments.values() if i.main), "")
    items: dict[str, ItemSpec] = {}
    for k in kinds:
        for spec in k.items(ItemsContext(spaces, cells, sections.get(k.id), instruments)):
            if spec.id in items:
                reader.add(path, (k.id,), say("content.problem.item_twice", id=spec.id,
                                              other=items[spec.id].exercise))
                continue
            items[spec.id] = spec if spec.instrument else dataclasses.replace(
                spec, instrument=main)
    return items


# -- instruments ---------------------------------------------------------------------------


def _instrument_folders(folder: Path) -> list[Path]:
    """One instrument's folder, or a folder of them (``instruments/<id>/instrument.yaml``)."""
    if (folder / INSTRUMENT_FILE).is_file():
        return [folder]
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / INSTRUMENT_FILE).is_file())


def _instruments(reader: _Reader, root: Path, extra: Path | str | None, known: _Known, *,
                 scale: Scale) -> dict[str, Instrument]:
    """The instruments in ``root/instruments`` and in ``extra``, the main one first; one
    without a scale of its own is on ``scale`` (the model's)."""
    own = _instrument_folders(root / INSTRUMENTS_DIR)
    folders = [(f, True) for f in own]
    if extra is not None:
        more = _instrument_folders(Path(extra))
        if not more:
            reader.add(Path(extra), (), say("content.problem.no_instruments_here"))
        folders += [(f, False) for f in more]
    found: dict[str, Instrument] = {}
    for folder, bundled_here in folders:
        path = folder / INSTRUMENT_FILE
        parsed: InstrumentFile | None = reader.parse(path, InstrumentFile)
        if parsed is None:
            continue
        if parsed.id in found:
            reader.add(path, ("id",), say("content.problem.duplicate_id", id=parsed.id,
                                          first=found[parsed.id].folder.name))
            continue
        same_as: dict[str, str] = {}
        if parsed.cells:
            if not bundled_here or any(i.main for i in found.values()):
                reader.add(path, ("cells",), say("content.problem.cells_taken"))
                continue
            by_cell = {key: c.statements for key, c in known.cells.items()}
            where = {st.id: reader.origins[st.id] for sts in by_cell.values() for st in sts}
        else:
            by_cell, where, same_as = _own_statements(reader, path, parsed, known)
        found[parsed.id] = Instrument(
            id=parsed.id, version=parsed.version, name=parsed.name,
            description=parsed.description, main=parsed.cells, cells=by_cell,
            same_as=same_as, folder=folder, scale=parsed.scale or scale,
            own_scale=parsed.scale is not None)
        _check_fingerprint(reader, found[parsed.id], path, where, complete=known.complete)
    if not any(i.main for i in found.values()):
        reader.add(root / INSTRUMENTS_DIR, (), say("content.problem.no_main"))
    return dict(sorted(found.items(), key=lambda kv: not kv[1].main))


def _own_statements(reader: _Reader, path: Path, parsed: InstrumentFile, known: _Known
                    ) -> tuple[dict[tuple[str, str], tuple[Statement, ...]],
                               dict[str, tuple[Path, Key]], dict[str, str]]:
    """An instrument's own statements (or short-form picks ``from`` the cells), by cell;
    where each one is; and which statement of the cells each pick was taken from."""
    where: dict[str, tuple[Path, Key]] = {}
    same_as: dict[str, str] = {}
    seen = reader.seen
    of_cells = {st.id: (key, st) for key, c in known.cells.items() for st in c.statements}
    by_cell: dict[tuple[str, str], list[Statement]] = {}
    for n, st in enumerate(parsed.statements):
        key: Key = ("statements", n)
        if st.from_ is not None:
            if st.from_ not in of_cells:
                reader.add(path, (*key, "from"), say("content.problem.unknown", what="statement",
                                                     id=st.from_, known="cells/*.yaml"))
                continue
            (element, space), taken = of_cells[st.from_]
            text, reverse = taken.text, taken.reverse
            same_as[st.id] = st.from_
        else:
            element, space = cast(str, st.element), cast(str, st.space)
            text, reverse = cast(str, st.text), bool(st.reverse)
            bad = False
            for what, value, ids in (("element", element, known.elements or set()),
                                     ("space", space, known.spaces or set())):
                if value not in ids:
                    reader.add(path, (*key, what), say("content.problem.unknown", what=what,
                                                       id=value, known=", ".join(sorted(ids))))
                    bad = True
            if bad:
                continue
        if st.id in seen:
            reader.add(path, (*key, "id"), say("content.problem.duplicate_id", id=st.id,
                                               first=seen[st.id]))
            continue
        seen[st.id] = f"{path.parent.name}/{path.name} statements"
        where[st.id] = (path, key)
        by_cell.setdefault((element, space), []).append(
            Statement(id=st.id, text=text, reverse=reverse))
    if by_cell and not any(st.reverse for sts in by_cell.values() for st in sts):
        reader.add(path, ("statements",), say("content.problem.no_reverse_instrument",
                                              instrument=parsed.id))
    order = {key: n for n, key in enumerate(known.cells)}
    ordered = {k: tuple(v) for k, v in sorted(by_cell.items(),
                                              key=lambda kv: order.get(kv[0], 0))}
    return ordered, where, same_as


def _check_fingerprint(reader: _Reader, inst: Instrument, path: Path,
                       where: dict[str, tuple[Path, Key]], *, complete: bool) -> None:
    """Catch a statement reworded under its old id, or an instrument changed under a
    recorded version (``fingerprints.yaml`` records each version's statements). Statements
    missing because their cell is broken (``complete`` false) are that cell's problem."""
    record_path = inst.folder / FINGERPRINTS_FILE
    recorded: dict[str, Any] = {}
    if record_path.is_file():
        parsed: FingerprintsFile | None = reader.parse(record_path, FingerprintsFile)
        if parsed is None:
            return
        if parsed.instrument != inst.id:
            reader.add(record_path, ("instrument",), say(
                "content.problem.fingerprints_of", found=parsed.instrument, id=inst.id))
            return
        recorded = dict(parsed.versions)
    now = {st.id: statement_digest(st) for st in inst.statements()}
    for sid, digest in now.items():
        for version, rec in recorded.items():
            if rec.statements.get(sid, digest) != digest:
                file, key = where[sid]
                reader.add(file, (*key, "text"), say(
                    "content.problem.reworded", id=sid, instrument=inst.id, version=version,
                    fingerprints=record_path))
                break
    mine = recorded.get(inst.version)
    if mine is None:
        reader.add(path, ("version",), say("content.problem.unrecorded", instrument=inst.id,
                                           version=inst.version, folder=inst.folder),
                   draft=True)
        return
    if mine.scale is not None and mine.scale != scale_digest(inst.scale):
        # A version recorded before scales were recorded has none, and is not checked.
        reader.add(path, ("scale",) if inst.own_scale else ("version",), say(
            "content.problem.rescaled", instrument=inst.id, version=inst.version,
            fingerprints=record_path,
            where=say("content.scale.own" if inst.own_scale else "content.scale.model")))
    for sid in sorted(now.keys() - mine.statements.keys()):
        file, key = where[sid]
        reader.add(file, (*key, "id"), say("content.problem.added", id=sid,
                                           instrument=inst.id, version=inst.version))
    for sid in sorted(mine.statements.keys() - now.keys()) if complete else ():
        reader.add(path, ("version",), say("content.problem.removed", id=sid,
                                           instrument=inst.id, version=inst.version))


def record_fingerprints(folder: Path | str | None = None, *,
                        instruments: Path | str | None = None) -> list[tuple[Instrument, Path]]:
    """Record the fingerprint of each instrument version that has none yet.

    A recorded version is never rewritten: change the statements, and the instrument needs
    a new version (and reworded statements new ids). Returns what was recorded, where.

    Raises
    ------
    ContentError
        When the content has problems other than unrecorded versions.
    """
    c = load(folder, instruments=instruments)
    done = []
    for inst in c.instruments.values():
        path = inst.folder / FINGERPRINTS_FILE
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
        versions = dict(raw.get("versions") or {}) if isinstance(raw, dict) else {}
        if inst.version in versions:
            continue
        versions[inst.version] = {
            "digest": inst.fingerprint,
            "scale": scale_digest(inst.scale),
            "statements": {st.id: statement_digest(st) for st in inst.statements()}}
        header = "".join(f"# {line}\n" for line in say("content.fingerprints.header",
                                                       id=inst.id).splitlines())
        body = yaml.safe_dump({"instrument": inst.id, "versions": versions}, sort_keys=False,
                              allow_unicode=True)
        path.write_text(header + body, encoding="utf-8")
        done.append((inst, path))
    return done


@functools.lru_cache(maxsize=4)
def _cached(folder: str | None, instruments: str | None) -> Content:
    return load(folder, instruments=instruments)


def get() -> Content:
    """The content in use: ``TRACE_CONTENT_DIR`` if set, else the bundled content, with the
    instruments in ``TRACE_INSTRUMENTS_DIR`` if set. Cached."""
    current = settings.get()
    path, more = current.content_path, current.instruments_path
    return _cached(str(path) if path else None, str(more) if more else None)


def instrument(instrument_id: str | None = None) -> Instrument:
    return get().instrument(instrument_id)


def journey(journey_id: str = DEFAULT_JOURNEY) -> JourneySpec:
    return get().journey(journey_id)


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


def ui(key: str, /, **values: object) -> str:
    return get().text(key, **values)
