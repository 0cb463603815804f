"""The exercise kinds: what each exercise is, declared once, and everything derived from it.

A kind says where its content lives (a section of ``model.yaml`` and its pydantic model), the
items a learner can answer (ids, where on the grid), how a value is checked, whether a
workshop may leave it out, and how the journey shows it (a *part* of a step). Content
loading, answer checks, the store's list of exercises, the coach's form, a workshop's steps
and the journey all read this registry; none of them names a kind.

The built-in kinds register through :func:`register`, exactly as a kind from another package
does.

Examples
--------
>>> from trace_widgets.exercises import registry
>>> [k.id for k in registry.kinds()]
['rating', 'reflection', 'priorities', 'action_plan', 'explorer']
>>> registry.workshop_exercises()
('reflection', 'priorities', 'action_plan')
>>> registry.kind("priorities").place
'plan'
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    import ipywidgets as widgets
    import pandas as pd

    from ..answers import Answer, Value
    from ..content import Cell, Content, ItemSpec, Space

__all__ = [
    "BUILTIN",
    "ExerciseKind",
    "ItemsContext",
    "Part",
    "PartContext",
    "Place",
    "kind",
    "kinds",
    "register",
    "workshop_exercises",
]

Place = Literal["space", "plan"]
"""Where the journey shows a kind: in every space step, or once in the plan step."""

BUILTIN = (
    "trace_widgets.exercises.rating:KIND",
    "trace_widgets.exercises.reflection:KIND",
    "trace_widgets.exercises.priorities:KIND",
    "trace_widgets.exercises.action_plan:KIND",
    "trace_widgets.exercises.explorer:KIND",
)
"""The kinds this package brings, in journey order, as ``module:attribute``."""


@dataclass(frozen=True)
class ItemsContext:
    """What a kind may read from content to list its items: the grid and its own section."""

    spaces: tuple[Space, ...]
    cells: Mapping[tuple[str, str], Cell]
    section: BaseModel | None


class PartContext(Protocol):
    """The open workbook a journey part works in (the journey's ``Session`` is one)."""

    token: str | None
    workshop: str
    rater: str

    def save(self, rows: list[Answer]) -> None: ...

    def answers(self) -> pd.DataFrame: ...

    def value(self, item: str) -> object: ...

    def has(self, item: str) -> bool: ...


class Part(Protocol):
    """A kind's piece of a journey step: its widget, brought up to date with the step."""

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
    items
        The items a learner may answer, from content (the store accepts nothing else).
    check
        ``check(spec, value, content)``: the value to keep, or :class:`~trace_widgets.
        answers.AnswerError`.
    section, model
        The key of ``model.yaml`` that holds this kind's settings, and its pydantic model
        (``None`` when it has none).
    optional
        Whether a workshop may leave it out (the coach's form offers it, labelled by
        ``label``, a UI text id).
    place, part, heading
        Where the journey shows it, ``part(context, space)`` that builds its piece of that
        step (``space`` is None in the plan step), and the UI text id of its heading there.
    score
        A scoring hook, ``score(answers) -> frame``, for kinds whose answers have a score.
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


_kinds: dict[str, ExerciseKind] = {}
_loaded = False
_lock = threading.Lock()


def register(new: ExerciseKind) -> ExerciseKind:
    """Add a kind (a second kind with the same id is refused). Returns it, for ``KIND =``."""
    with _lock:
        if new.id in _kinds and _kinds[new.id] is not new:
            raise ValueError(f"an exercise kind {new.id!r} is already registered")
        if new.optional and new.label is None:
            raise ValueError(f"exercise kind {new.id!r} is optional but has no label")
        if (new.part is None) != (new.place is None):
            raise ValueError(f"exercise kind {new.id!r}: give both a place and a part, or neither")
        _kinds[new.id] = new
    return new


def _load(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _ensure_loaded() -> None:
    global _loaded  # noqa: PLW0603 - loaded once per process, on first use
    if _loaded:
        return
    for path in BUILTIN:
        register(_load(path))
    _loaded = True


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


def workshop_exercises() -> tuple[str, ...]:
    """The exercises a workshop may include or leave out (everyone rates), in order."""
    return tuple(k.id for k in kinds() if k.optional)
