"""Action plan: concrete actions for a chosen condition, and the plan as a text document."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import ipywidgets as widgets
import pandas as pd

from .. import _ui, content
from .._schema import ActionPlan
from ..answers import Answer, AnswerError, Value, check_typed
from ..content import Content
from . import _widgets as w
from . import priorities, registry
from ._base import ExerciseState, Stored, check_element, check_space
from ._save import DEBOUNCE_SECONDS, Save, Saver, Scheduler, problem
from ._text import TextField

__all__ = [
    "KIND",
    "KIND_ID",
    "ActionPlanState",
    "ActionPlanView",
    "StartsOn",
    "action_plan_view",
    "download_link",
    "plan_markdown",
]

log = logging.getLogger(__name__)

StartsOn = Callable[[], tuple[str, str] | None]
"""Gives the (condition, space) a new action starts on, or None for the plan's own."""

_ITEM = re.compile(r"^plan\.(\d+)\.([a-z][a-z0-9_]*)$")


@dataclass(frozen=True, eq=False)
class ActionPlanState(ExerciseState):
    """A person's actions (up to ``action_plan.max_actions``), each with the content's fields.

    ``element`` and ``space`` are the condition the plan is for: a new action starts with
    them. Each field of action ``n`` is item ``plan.{n}.{field}``. Removing an action moves
    the later ones up and clears the last, so stored answers always describe the plan shown.

    Examples
    --------
    >>> state = ActionPlanState("p" * 22, element="route", space="team")
    >>> [(a.item, a.value) for a in state.add()][:2]
    [('plan.1.element', 'route'), ('plan.1.space', 'team')]
    >>> state.set(1, "when", dt.date(2025, 3, 31)).value
    '2025-03-31'
    >>> state.count
    1
    """

    element: str | None = None
    space: str | None = None
    _actions: list[dict[str, Answer]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.element is not None:
            check_element(self.element)
        if self.space is not None:
            check_space(self.space)

    @property
    def fields(self) -> tuple[str, ...]:
        """The field ids of an action, in content order."""
        return tuple(f.id for f in content.get().action_plan.fields)

    @property
    def max_actions(self) -> int:
        return content.get().action_plan.max_actions

    @property
    def count(self) -> int:
        """How many actions the plan has."""
        return len(self._actions)

    def items(self) -> tuple[str, ...]:
        return tuple(_item(n, f) for n in range(1, self.max_actions + 1) for f in self.fields)

    def value(self, n: int, field_id: str) -> Value:
        """The value of one field of action ``n`` (None when not set)."""
        self._check(n, field_id)
        row = self._actions[n - 1].get(field_id)
        return None if row is None else row.value

    def add(self, element: str | None = None, space: str | None = None) -> list[Answer]:
        """Start a new action on ``element`` in ``space`` (by default the plan's condition);
        returns its rows (all fields).

        Every field gets a row, so nothing stored from an earlier, removed action can
        come back into the new one.

        Raises
        ------
        AnswerError
            When the plan already has ``max_actions`` actions.
        """
        if self.count >= self.max_actions:
            raise AnswerError("plan", "answer.error.max_actions", limit=self.max_actions)
        n = self.count + 1
        defaults: dict[str, object] = {"element": element or self.element,
                                       "space": space or self.space}
        rows = {f: self._make(_item(n, f), defaults.get(f)) for f in self.fields}
        self._actions.append(rows)
        return list(rows.values())

    def set(self, n: int, field_id: str, value: object) -> Answer:
        """Set one field of action ``n``; a date may be a ``datetime.date``; returns the row.

        Raises
        ------
        AnswerError
            For an action or field that does not exist, or a value the field does not take
            (a condition or space not in the model, a date not YYYY-MM-DD, text too long).
        """
        self._check(n, field_id)
        row = self._make(_item(n, field_id), _plain(value))
        self._actions[n - 1][field_id] = row
        return row

    def remove(self, n: int) -> list[Answer]:
        """Remove action ``n``: later actions move up, the last slot is cleared; returns rows.

        Raises
        ------
        AnswerError
            When there is no action ``n``.
        """
        self._check(n, self.fields[0])
        kept = self._actions[: n - 1] + self._actions[n:]
        actions = kept[: n - 1]
        rows: list[Answer] = []
        for m in range(n, self.count + 1):
            source = kept[m - 1] if m <= len(kept) else {}
            moved = {f: self._make(_item(m, f), source[f].value if f in source else None)
                     for f in self.fields}
            rows.extend(moved.values())
            if m <= len(kept):
                actions.append(moved)
        self._actions[:] = actions
        return rows

    def answers(self) -> list[Answer]:
        return [a[f] for a in self._actions for f in self.fields if f in a]

    def _check(self, n: object, field_id: object) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= self.count:
            raise AnswerError("item", "answer.error.no_action", number=n)
        if field_id not in self.fields:
            raise AnswerError("item", "answer.error.no_action_field", field=field_id)

    def _resume(self, rows: Stored) -> None:
        # The plan runs to the last action with anything in it; cleared slots are not actions.
        filled = [int(m.group(1)) for item, (value, _) in rows.items()
                  if value not in (None, "") and (m := _ITEM.match(item))]
        for n in range(1, max(filled, default=0) + 1):
            action: dict[str, Answer] = {}
            for f in self.fields:
                if _item(n, f) in rows:
                    value, at = rows[_item(n, f)]
                    try:
                        action[f] = self._make(_item(n, f), value, at)
                    except AnswerError as err:
                        log.warning("left out stored answer %s: %s", _item(n, f), err)
            self._actions.append(action)


def _item(n: int, field_id: str) -> str:
    return f"plan.{n}.{field_id}"


def _plain(value: object) -> object:
    """A date picked in the browser as the text the store keeps; other values as they are."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def plan_markdown(state: ActionPlanState) -> str:
    """The plan as a plain-text Markdown document, for the learner to download and keep.

    Learner text goes in as it is (this is text, never HTML); conditions and spaces are
    shown by name; unset fields say so.

    Examples
    --------
    >>> state = ActionPlanState("p" * 22, element="task", space="self")
    >>> _ = state.add()
    >>> _ = state.set(1, "what", "Write my purpose on one card.")
    >>> print("\\n".join(plan_markdown(state).splitlines()[4:7]))
    - **Condition:** Task
    - **Space:** Self
    - **What I will do:** Write my purpose on one card.
    """
    c = content.get()
    lines = [f"# {c.text('plan.doc_title')}", ""]
    if state.count == 0:
        lines += [c.text("plan.doc_empty"), ""]
    for n in range(1, state.count + 1):
        lines += [f"## {c.text('plan.action_heading', n=n)}", ""]
        for f in c.action_plan.fields:
            shown = _shown(c, f.kind, state.value(n, f.id))
            lines.append(f"- **{f.label}:** {shown}".rstrip())
        lines.append("")
    lines += ["---", "", c.text("plan.doc_source", source=c.about.source_name,
                                url=c.about.source_url), ""]
    return "\n".join(lines)


def _shown(c: Content, kind: str, value: Value) -> str:
    if value is None or value == "":
        return c.text("plan.doc_not_set")
    text = str(value)
    if kind == "element":
        return c.element(text).name
    if kind == "space":
        return c.space(text).name
    # Continuation lines are indented so a multi-line answer stays inside its list item.
    return "\n  ".join(text.splitlines())


def download_link(state: ActionPlanState) -> str:
    """An ``<a download>`` whose address carries the plan as percent-encoded text, so the
    learner's words cannot become markup (:func:`trace_widgets._ui.download_link`)."""
    c = content.get()
    return _ui.download_link(plan_markdown(state), mime="text/plain",
                             filename=c.text("plan.download_name"), label=c.text("plan.download"))


@dataclass(frozen=True)
class ActionPlanView(w.View):
    """The action plan on screen.

    ``controls`` maps (action number, field id) to the control for it: a Dropdown for the
    condition and the space, a DatePicker for the date, a :class:`TextField` for text. It is
    rebuilt when an action is added or removed. ``removers`` holds each action's remove
    button, by action number.
    """

    state: ActionPlanState
    controls: dict[tuple[int, str], widgets.Widget | TextField]
    removers: dict[int, widgets.Button]
    actions: widgets.VBox
    add: widgets.Button
    download: widgets.HTML


def _as_date(value: Value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def _choices(kind: str) -> list[tuple[str, str | None]]:
    c = content.get()
    things = c.elements if kind == "element" else c.spaces
    return [(c.text("plan.choose"), None), *((t.name, t.id) for t in things)]


class _Wiring:
    """Builds the actions' controls and turns what arrives from the browser into answers."""

    def __init__(self, state: ActionPlanState, saver: Saver, *,
                 controls: dict[tuple[int, str], widgets.Widget | TextField],
                 removers: dict[int, widgets.Button], actions: widgets.VBox,
                 download: widgets.HTML, starts_on: StartsOn | None = None) -> None:
        self.state = state
        self.saver = saver
        self.controls = controls
        self.removers = removers
        self.actions = actions
        self.download = download
        self.starts_on = starts_on

    # --- building ---------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Draw every action again (after add or remove); the old widgets are closed."""
        old = self.actions.children
        self.controls.clear()
        self.removers.clear()
        self.actions.children = tuple(self._action(n) for n in range(1, self.state.count + 1))
        for box in old:
            w.close_tree(box)

    def _action(self, n: int) -> widgets.VBox:
        c = content.get()
        parts: list[widgets.Widget] = [w.heading(c.text("plan.action_heading", n=n), 4)]
        for f in c.action_plan.fields:
            control = self._field(n, f.id, f.kind, f.label)
            self.controls[(n, f.id)] = control
            help_text = w.css(widgets.Label(f.help), "trace-help")
            parts += [control.box if isinstance(control, TextField) else control, help_text]
        remove = w.css(widgets.Button(description=c.text("plan.remove", n=n)), "trace-remove")
        remove.on_click(w.guarded(functools.partial(self.on_remove, n), self.saver.fail))
        self.removers[n] = remove
        parts.append(remove)
        return w.css(widgets.VBox(parts, layout=w.full_width()), "trace-action")

    def _field(self, n: int, field_id: str, kind: str, label: str) -> widgets.Widget | TextField:
        value = self.state.value(n, field_id)
        if kind == "text":
            return TextField(
                label=label, current=functools.partial(self._text, n, field_id),
                commit=functools.partial(self.state.set, n, field_id), saver=self.saver,
                counter=False, rows=2, css_class="trace-plan-text",
                rejected_key="plan.rejected",
            )
        control: widgets.ValueWidget
        if kind == "date":
            control = widgets.DatePicker(value=_as_date(value), description=label,
                                         **w.short_label())
        else:
            control = widgets.Dropdown(options=_choices(kind), value=value, description=label,
                                       **w.short_label())
        w.css(control, f"trace-plan-{kind}")
        handler = functools.partial(self.on_value, n, field_id, control)
        control.observe(w.guarded(handler, self.saver.fail), names="value")
        return control

    def _text(self, n: int, field_id: str) -> str:
        value = self.state.value(n, field_id)
        return "" if value is None else str(value)

    # --- events -----------------------------------------------------------------------------

    def on_value(self, n: int, field_id: str, control: widgets.ValueWidget,
                 change: w.Change) -> None:
        self.update(n, field_id, control, change["new"])

    def update(self, n: int, field_id: str, control: widgets.ValueWidget, value: object) -> None:
        current = self.state.value(n, field_id)
        if _plain(value) == current:
            return  # no change, or the echo of our own reset
        try:
            row = self.state.set(n, field_id, value)
        except AnswerError as err:
            self.saver.reject(content.get().text("plan.rejected", problem=problem(err)))
            w.reset(control, "value", _as_date(current) if isinstance(control, widgets.DatePicker)
                    else current)
            return
        self.saver.save_now([row])

    def on_add(self, _: widgets.Button) -> None:
        try:
            start = self.starts_on() if self.starts_on is not None else None
            rows = self.state.add(*(start or ()))
        except AnswerError:
            self.saver.reject(content.get().text("plan.full", max=self.state.max_actions))
            return
        self.rebuild()
        self.saver.save_now(rows)

    def on_remove(self, n: int, _: widgets.Button) -> None:
        rows = self.state.remove(n)
        self.rebuild()
        self.saver.save_now(rows)

    def on_status(self, change: w.Change) -> None:
        if change["new"] == "saved":
            self.download.value = download_link(self.state)


def action_plan_view(state: ActionPlanState, save: Save, *, scheduler: Scheduler | None = None,
                     delay: float = DEBOUNCE_SECONDS,
                     starts_on: StartsOn | None = None) -> ActionPlanView:
    """The plan's actions with their fields, an add button and a download link.

    ``starts_on``, when given, is asked for the (condition, space) of each new action as it
    is added, so a plan can follow choices made elsewhere on the page without being drawn
    again (which would take the keyboard focus away from the person using it).

    Choices (condition, space, date) are saved at once; text fields ``delay`` seconds after
    the last keystroke, like a reflection. The download link carries :func:`plan_markdown`
    and is brought up to date after each save.

    Examples
    --------
    >>> kept = []
    >>> view = action_plan_view(ActionPlanState("p" * 22, element="task", space="team"),
    ...                         kept.extend)
    >>> view.add.click()
    >>> view.controls[(1, "element")].value, view.state.count, view.saver.message
    ('task', 1, 'Saved')
    """
    c = content.get()
    saver = Saver(save, scheduler=scheduler, delay=delay)
    actions = w.css(widgets.VBox([], layout=w.full_width()), "trace-actions")
    download = w.css(widgets.HTML(download_link(state)), "trace-download-link")
    controls: dict[tuple[int, str], widgets.Widget | TextField] = {}
    removers: dict[int, widgets.Button] = {}
    wiring = _Wiring(state, saver, controls=controls, removers=removers, actions=actions,
                     download=download, starts_on=starts_on)
    wiring.rebuild()
    add = w.css(widgets.Button(description=c.text("plan.add"), icon="plus"), "trace-add")
    add.on_click(w.guarded(wiring.on_add, saver.fail))
    saver.observe(w.guarded(wiring.on_status, saver.fail), names="status")
    head: list[widgets.Widget] = []
    if state.element is not None and state.space is not None:
        head.append(w.heading(c.text("plan.heading", element=c.element(state.element).name,
                                     space=c.space(state.space).name)))
    head.append(w.paragraph(c.text("plan.intro"), "trace-intro"))
    box = w.css(widgets.VBox([*head, actions, add, download, w.status_bar(saver)],
                             layout=w.full_width()),
                "trace-exercise", "trace-plan-exercise")
    return ActionPlanView(widget=box, saver=saver, state=state, controls=controls,
                          removers=removers, actions=actions, add=add, download=download)


# -- the kind ----------------------------------------------------------------------------


def _items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    plan = c.section
    if not isinstance(plan, ActionPlan):
        raise TypeError("the action plan needs its section of model.yaml")
    for n in range(1, plan.max_actions + 1):
        for f in plan.fields:
            yield content.ItemSpec(_item(n, f.id), KIND_ID, f.kind)


def _describe(spec: content.ItemSpec, c: Content) -> str:
    """Which action and which of its fields: ``plan.<n>.<field>``."""
    _, n, field_id = spec.id.split(".")
    labels = {f.id: f.label for f in c.action_plan.fields}
    return c.text("research.item.plan", n=n, label=labels[field_id])


class _Part:
    """In the plan step: the actions; a new one starts on the first priority chosen."""

    def __init__(self, ctx: registry.PartContext, space: str | None) -> None:
        self.ctx = ctx
        state = ActionPlanState.from_answers(ctx.answers(), ctx.token or "",
                                             workshop=ctx.workshop, rater=ctx.rater)
        self.view = action_plan_view(state, ctx.save, starts_on=self._first_priority)
        self.widget = w.css(widgets.VBox([self.view.widget]), "trace-actions")

    def _first_priority(self) -> tuple[str, str] | None:
        for s in content.get().spaces:
            chosen = self.ctx.value(priorities.item_id(s.id))
            if isinstance(chosen, str) and chosen:
                return chosen.split(",")[0], s.id
        return None

    def refresh(self, cells: pd.DataFrame) -> None:
        """Never redrawn: that would take the focus from someone typing an action."""

    def flush(self) -> None:
        self.view.flush()


KIND_ID = "action_plan"
KIND = registry.ExerciseKind(
    id=KIND_ID, items=_items, check=check_typed, section="action_plan", model=ActionPlan,
    optional=True, label="coach.new.exercise.action_plan", place="plan", part=_Part,
    heading="journey.actions.heading", describe=_describe,
)
