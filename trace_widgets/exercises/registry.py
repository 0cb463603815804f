"""The exercise kinds: what each exercise is, declared once, and everything derived from it.

A kind says where its content lives (a section of ``model.yaml`` and its pydantic model), the
items a learner can answer (ids, where on the grid), how a value is checked, whether a
workshop may leave it out, and how the journey shows it (a *part* of a step). Content
loading, answer checks, the store's list of exercises, the coach's form, a workshop's steps
and the journey all read this registry; none of them names a kind.

Kinds come from the Python entry point group :data:`GROUP` (``trace_workbook.exercises``):
each entry point is named after its kind's id and points at an :class:`ExerciseKind`. This
package declares its own kinds there too (``pyproject.toml``), so a built-in kind registers
exactly as a kind from another package does; only their order is this package's (the
built-in kinds first, in journey order, then the others by package and name). A kind that
cannot be imported, is not an :class:`ExerciseKind`, is malformed, or takes an id already
taken is left out and reported (:func:`problems`, and the server log); the workbook runs on
without it.

Writing a kind
--------------
A kind is one module (see ``examples/trace-importance`` and ``docs/researcher-guide.md``):

1. its items: ``items(context)`` yields an :class:`~trace_widgets.content.ItemSpec` per item,
   ids beginning with the kind's id (``importance.task``);
2. its value check: ``check(spec, value, content)`` returns the value to keep or raises
   :class:`~trace_widgets.answers.AnswerError` (a browser can send anything: check type,
   range and length);
3. optionally, its settings and wording: a YAML file of its own (``content``) with ``ui:``
   texts, ids beginning with the kind's id, and its ``section``, read with its ``model``;
4. optionally, its place in a journey: a ``part(context, space)`` that returns a
   :class:`Part` (a widget, ``refresh`` and ``flush``), saving through
   :meth:`PartContext.save`;
5. optionally, YAML exercises of it (``exercises/*.yaml`` in a content folder): an
   ``instance_model`` (the pydantic model of an exercise's ``settings``) and an
   ``instance(exercise, context)`` that returns the exercise as a kind of its own (its id,
   its items beginning with that id, its part). The reflection kind takes prompt sets this
   way, the rating kind another instrument's statements;
6. optionally, its items' labels in the research codebook: ``describe(spec, content)``
   returns what an item asks, worded from content by id (without it, the codebook has no
   label for them).

What a kind must test: every item it lists passes its check with each valid value and
fails with an invalid one (wrong type, out of range, too long); its part shows the saved
answers again when built from a :class:`PartContext` that holds them (a reload); and that
its entry point finds it in an environment where its package is installed.

Examples
--------
>>> from trace_widgets.exercises import registry
>>> [k.id for k in registry.kinds()]
['rating', 'reflection', 'priorities', 'action_plan', 'explorer', 'rater_comment']
>>> registry.workshop_exercises()
('reflection', 'priorities', 'action_plan')
>>> registry.kind("priorities").place
'plan'
>>> registry.problems()
()
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    import ipywidgets as widgets
    import pandas as pd

    from ..answers import Answer, Value
    from ..content import Cell, Content, Instrument, ItemSpec, Space

__all__ = [
    "BUILTIN",
    "GROUP",
    "PACKAGE",
    "ExerciseKind",
    "Instance",
    "InstanceError",
    "ItemsContext",
    "KindError",
    "KindProblem",
    "Part",
    "PartContext",
    "Place",
    "kind",
    "kinds",
    "problems",
    "register",
    "section_default",
    "texts",
    "validate",
    "workshop_exercises",
]

log = logging.getLogger(__name__)

Place = Literal["space", "plan"]
"""Where the journey shows a kind: in every space step, or once in the plan step."""

GROUP = "trace_workbook.exercises"
"""The entry point group a package declares its exercise kinds in (name = the kind's id)."""

PACKAGE = "trace-workbook"
"""This package's distribution name: its entry points are the built-in kinds."""

BUILTIN = (
    "trace_widgets.exercises.rating:KIND",
    "trace_widgets.exercises.reflection:KIND",
    "trace_widgets.exercises.priorities:KIND",
    "trace_widgets.exercises.action_plan:KIND",
    "trace_widgets.exercises.explorer:KIND",
    "trace_widgets.exercises.rater_comment:KIND",
)
"""The kinds this package brings, in journey order, as ``module:attribute``: the same
values as its entry points (a test keeps ``pyproject.toml`` in step). A checkout that has
not been installed again since has no entry points for them yet; they load from here then."""

_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
"""A kind's id: it is an exercise id in answers and exports, and a CSS class."""


@dataclass(frozen=True)
class ItemsContext:
    """What a kind may read from content to list its items: the grid, its own section and
    the instruments (item banks: the main one's statements are the cells')."""

    spaces: tuple[Space, ...]
    cells: Mapping[tuple[str, str], Cell]
    section: BaseModel | None
    instruments: Mapping[str, Instrument] = field(default_factory=dict)


class PartContext(Protocol):
    """The open workbook a journey part works in (the journey's ``Session`` is one).

    Attributes
    ----------
    token
        The learner's resume token (None before a workbook is open); the ``participant``
        of every answer the part makes.
    workshop
        The workshop code, or ``""`` for a learner on their own.
    rater
        ``"self"``, or the rater group of the person answering.
    """

    token: str | None
    workshop: str
    rater: str

    def save(self, rows: list[Answer]) -> None:
        """Keep ``rows`` in the store in one transaction; raises if it could not."""

    def answers(self) -> pd.DataFrame:
        """The learner's current answers as a tidy frame (one row per item)."""

    def value(self, item: str) -> object:
        """The current value of ``item``, or None."""

    def has(self, item: str) -> bool:
        """Whether ``item`` has been answered."""


class Part(Protocol):
    """A kind's piece of a journey step: its widget, brought up to date with the step.

    The journey builds a part once per step and keeps it while the learner moves between
    steps; ``refresh`` is called when the step is shown and after answers change. A part
    may also have ``leave()``, called after ``flush`` once the learner has moved to another
    step: the moment to drop what it keeps on the page only while the learner is there.
    """

    widget: widgets.Widget

    def refresh(self, cells: pd.DataFrame) -> None:
        """Show the latest answers; ``cells`` are the learner's cell scores."""

    def flush(self) -> None:
        """Save whatever is still waiting (debounced text) before the learner moves on."""


@dataclass(frozen=True)
class ExerciseKind:
    """One kind of exercise, declared once.

    Attributes
    ----------
    id
        The exercise id: in answers (``exercise``), content and a workshop's exercises.
        Lower case letters, digits and ``_``, at most 32.
    items
        ``items(context)``: the items a learner may answer, from content (the store accepts
        nothing else). Each item's id begins with the kind's id and a dot.
    check
        ``check(spec, value, content)``: the value to keep, or :class:`~trace_widgets.
        answers.AnswerError`.
    section, model
        The key of ``model.yaml`` that holds this kind's settings, and its pydantic model
        (both or neither). Content keeps the settings as ``content.sections[id]``.
    optional
        Whether a workshop may leave it out (the coach's form offers it, labelled by
        ``label``, a UI text id).
    place, part, heading
        Where the journey shows it, ``part(context, space)`` that builds its piece of that
        step (``space`` is None in the plan step), and the UI text id of its heading there.
    score
        A scoring hook, ``score(answers) -> frame``, for kinds whose answers have a score.
    content
        A YAML file of the kind's own (for a kind from another package): ``ui:`` texts, ids
        beginning with the kind's id, and under ``section`` the settings' defaults. The
        content folder's own ``model.yaml`` section and UI texts win over it, so a
        researcher can reword or translate a kind without editing its package.
    rates
        The instrument whose statements the exercise rates in a space step (``""``: the
        main one), or None: the journey counts a space's progress and draws its profile by
        it.
    instance_model, instance
        What a YAML exercise of this kind (``exercises/*.yaml``) holds under ``settings``
        (a pydantic model), and ``instance(exercise, context)`` that returns it as a kind of
        its own (both or neither); raise :class:`InstanceError` for a setting that does not
        fit the content.
    of
        The kind a YAML exercise is an instance of (None for a kind).
    describe
        ``describe(spec, content)``: the label of an item in the research codebook (what it
        asks, worded from content by id). Rating statements are labelled with their wording
        whatever kind lists them.

    Examples
    --------
    A kind with one free-text item and no place in the journey:

    >>> from trace_widgets import answers, content
    >>> NOTE = ExerciseKind(
    ...     id="note", check=answers.check_typed,
    ...     items=lambda ctx: [content.ItemSpec("note.text", "note", "text")])
    >>> NOTE.optional, NOTE.place
    (False, None)
    """

    id: str
    items: Callable[[ItemsContext], Iterable[ItemSpec]]
    check: Callable[[ItemSpec, object, Content], Value]
    section: str | None = None
    model: type[BaseModel] | None = None
    optional: bool = False
    label: str | None = None
    place: Place | None = None
    part: Callable[[PartContext, str | None], Part] | None = None
    heading: str | None = None
    score: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    content: Path | None = None
    rates: str | None = None
    instance_model: type[BaseModel] | None = None
    instance: Callable[[Instance, ItemsContext], ExerciseKind] | None = None
    of: str | None = None
    describe: Callable[[ItemSpec, Content], str] | None = None


class KindError(ValueError):
    """A kind that cannot be registered. Worded in the UI texts (``kinds.*``) by id."""

    def __init__(self, text_id: str, **values: object) -> None:
        super().__init__(text_id)
        self.text_id = text_id
        self.values = values

    def __str__(self) -> str:
        return _say(self.text_id, **self.values)


@dataclass(frozen=True)
class Instance:
    """An exercise declared in YAML (``exercises/<id>.yaml``): an instance of a kind.

    ``settings`` is the ``settings:`` mapping, validated by the kind's ``instance_model``;
    ``label`` (a UI text id) makes it optional in a workshop, offered by that name on the
    coach's form; ``heading`` (a UI text id) is its heading in a step (default: the kind's).
    """

    id: str
    kind: str
    settings: BaseModel
    label: str | None = None
    heading: str | None = None


class InstanceError(KindError):
    """A YAML exercise's setting that does not fit the content: ``key`` is where, within
    ``settings`` (``("prompts", 0, "text")``), for ``content check``'s ``file:line: key``."""

    def __init__(self, key: tuple[str | int, ...], text_id: str, **values: object) -> None:
        super().__init__(text_id, **values)
        self.key = key


@dataclass(frozen=True)
class KindProblem:
    """A kind an entry point offered that was left out, and why.

    ``text_id`` names the wording (``kinds.problem.*`` in ``data/ui_kinds.yaml``), filled in
    with ``package``, ``entry_point``, ``value`` and ``detail``; ``str()`` gives it.
    """

    package: str
    entry_point: str
    value: str
    text_id: str
    detail: object = ""
    """What went wrong: an exception, or the name or type involved (worded when shown)."""

    def __str__(self) -> str:
        return _say(self.text_id, package=self.package, entry_point=self.entry_point,
                    value=self.value, detail=self.detail)


@dataclass(frozen=True)
class _Failure:
    error: BaseException

    def __str__(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


def _say(text_id: str, **values: object) -> str:
    """A UI text by id; only its id and values if the content cannot give it."""
    from .. import content  # noqa: PLC0415 - content reads the kinds itself

    try:
        return content.get().text(text_id, **values)
    except Exception:  # noqa: BLE001 - the content may be what is broken: still say what
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        return f"{text_id} ({shown})" if shown else text_id


_kinds: dict[str, ExerciseKind] = {}
_origin: dict[str, str] = {}
"""Where each kind came from, ``package (entry point)``, for the message about a duplicate."""
_texts: dict[str, str] = {}
"""The UI texts the kinds brought in their own YAML."""
_defaults: dict[str, Any] = {}
"""Each kind's section default from its own YAML, by kind id."""
_problems: list[KindProblem] = []
_loaded = False
_loading = False
_lock = threading.RLock()


def _check(new: object) -> ExerciseKind:
    """``new`` if it is a well-formed kind, else :class:`KindError` saying what is wrong."""
    if not isinstance(new, ExerciseKind):
        raise KindError("kinds.invalid.type", type=type(new).__name__)
    if not isinstance(new.id, str) or not _ID.match(new.id):
        raise KindError("kinds.invalid.id", id=new.id)
    for name in ("items", "check"):
        if not callable(getattr(new, name)):
            raise KindError("kinds.invalid.callable", id=new.id, field=name)
    for name in ("part", "score", "describe"):
        if getattr(new, name) is not None and not callable(getattr(new, name)):
            raise KindError("kinds.invalid.callable", id=new.id, field=name)
    if new.optional and new.label is None:
        raise KindError("kinds.invalid.label", id=new.id)
    if (new.part is None) != (new.place is None):
        raise KindError("kinds.invalid.place", id=new.id)
    if new.place is not None and new.place not in get_args(Place):
        raise KindError("kinds.invalid.place_name", id=new.id, place=new.place,
                        known=", ".join(get_args(Place)))
    if (new.section is None) != (new.model is None) or (
            new.model is not None and not (isinstance(new.model, type)
                                           and issubclass(new.model, BaseModel))):
        raise KindError("kinds.invalid.section", id=new.id)
    if (new.instance is None) != (new.instance_model is None) or (
            new.instance is not None and not callable(new.instance)) or (
            new.instance_model is not None and not (isinstance(new.instance_model, type)
                                                    and issubclass(new.instance_model,
                                                                   BaseModel))):
        raise KindError("kinds.invalid.instance", id=new.id)
    return new


def validate(new: object) -> ExerciseKind:
    """``new`` if it is a well-formed kind (an instance's too), else :class:`KindError`."""
    return _check(new)


def _own_content(new: ExerciseKind) -> tuple[dict[str, str], Any]:
    """The UI texts and the section default of a kind's own YAML file, checked."""
    from .. import content  # noqa: PLC0415 - content reads the kinds itself

    if new.content is None:
        return {}, None
    raw = content.kind_file(Path(new.content))
    texts = raw.get("ui", {})
    if not isinstance(texts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in texts.items()):
        raise KindError("kinds.invalid.texts", id=new.id, path=new.content)
    for key in texts:
        if not key.startswith(f"{new.id}."):
            raise KindError("kinds.invalid.text_id", id=new.id, path=new.content, key=key)
    default = raw.get(new.section) if new.section is not None else None
    if new.model is not None and default is not None:
        try:
            new.model.model_validate(default)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in (new.section, *err["loc"]))
            raise KindError("kinds.invalid.section_value", id=new.id, path=new.content,
                            key=where, problem=err["msg"]) from None
    return dict(texts), default


def register(new: ExerciseKind, *, origin: str = "") -> ExerciseKind:
    """Add a kind; returns it, for ``KIND = register(...)``.

    A package's kinds are added from their entry points (see the module's docs); call this
    only for a kind made at run time (a test, a notebook).

    Raises
    ------
    KindError
        When ``new`` is malformed (its id, a missing label or place, its own YAML), or a
        different kind has its id already.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> try:
    ...     register(ExerciseKind(id="rating", items=lambda c: (), check=answers.check_typed))
    ... except KindError as refused:
    ...     print(refused)
    An exercise kind with the id 'rating' is already registered (by trace-workbook (rating)).
    """
    with _lock:
        _check(new)
        if new.id in _kinds and _kinds[new.id] is not new:
            raise KindError("kinds.invalid.duplicate", id=new.id,
                            first=_origin.get(new.id, "?"))
        texts, default = _own_content(new)
        _kinds[new.id] = new
        _origin.setdefault(new.id, origin or new.id)
        _texts.update(texts)
        if default is not None:
            _defaults[new.id] = default
    return new


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    """The entry points of :data:`GROUP`: this package's in :data:`BUILTIN` order, then the
    others by package and name (so the order does not depend on the file system)."""
    found = list(importlib.metadata.entry_points(group=GROUP))
    mine = {ep.value: ep for ep in found if _package(ep) == PACKAGE}
    builtin = [mine.get(path) or importlib.metadata.EntryPoint(
                   path.split(".")[-1].split(":")[0], path, GROUP) for path in BUILTIN]
    others = sorted((ep for ep in found if ep not in builtin and ep.value not in BUILTIN),
                    key=lambda ep: (_package(ep), ep.name))
    return [*builtin, *others]


def _package(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return str(dist.name) if dist is not None else PACKAGE


def _add(ep: importlib.metadata.EntryPoint) -> None:
    """Register the kind ``ep`` points at, or keep a problem saying why it was left out."""
    package = _package(ep)

    def problem(text_id: str, detail: object = "") -> None:
        # ``detail`` stays as it is: wording it now would load content before the kinds.
        _problems.append(KindProblem(package, ep.name, ep.value, text_id, detail))

    try:
        found = ep.load()
    except Exception as exc:  # noqa: BLE001 - another package's import may fail any way
        problem("kinds.problem.import", _Failure(exc))
        return
    if not isinstance(found, ExerciseKind):
        problem("kinds.problem.not_a_kind", type(found).__name__)
        return
    try:
        _check(found)
    except KindError as exc:
        problem("kinds.problem.invalid", exc)
        return
    if found.id != ep.name:
        problem("kinds.problem.name", found.id)
        return
    if found.id in _kinds and _kinds[found.id] is not found:
        problem("kinds.problem.duplicate", _origin.get(found.id, "?"))
        return
    try:
        register(found, origin=f"{package} ({ep.name})")
    except Exception as exc:  # noqa: BLE001 - a malformed kind is left out, whatever broke
        problem("kinds.problem.invalid", exc)


def _ensure_loaded() -> None:
    global _loaded, _loading  # noqa: PLW0603 - loaded once per process, on first use
    if _loaded:
        return
    with _lock:
        if _loaded or _loading:  # a kind's module asked while being imported: what is here
            return
        _loading = True
        try:
            for ep in _entry_points():
                _add(ep)
        finally:
            _loading = False
        _loaded = True
    from .. import content  # noqa: PLC0415 - content reads the kinds itself

    # A kind's module that read content while it was imported saw only the kinds before it.
    content._cached.cache_clear()
    for p in _problems:  # worded from content, which needs the kinds loaded first
        log.warning("%s", p)


def kinds() -> tuple[ExerciseKind, ...]:
    """Every registered kind, the built-in ones first, in journey order."""
    _ensure_loaded()
    return tuple(_kinds.values())


def kind(kind_id: str) -> ExerciseKind:
    """The kind with this id, or KeyError."""
    _ensure_loaded()
    try:
        return _kinds[kind_id]
    except KeyError:
        raise KeyError(f"unknown exercise kind {kind_id!r}") from None


def problems() -> tuple[KindProblem, ...]:
    """The kinds that entry points offered but that were left out, each with its reason.

    Examples
    --------
    >>> [str(p) for p in problems()]  # nothing wrong with the installed kinds
    []
    """
    _ensure_loaded()
    return tuple(_problems)


def texts() -> dict[str, str]:
    """The UI texts the kinds bring in their own YAML (content adds them to its own)."""
    _ensure_loaded()
    return dict(_texts)


def section_default(kind_id: str) -> Any:
    """The default of a kind's section from its own YAML (None if it brings none)."""
    _ensure_loaded()
    return _defaults.get(kind_id)


def workshop_exercises() -> tuple[str, ...]:
    """The exercises a workshop may include or leave out (everyone rates), in order."""
    return tuple(k.id for k in kinds() if k.optional)
