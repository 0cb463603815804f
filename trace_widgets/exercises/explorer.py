"""Element explorer: the guide side. Pick a condition and read what it means in each space."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from traitlets import HasTraits, Unicode, default, validate

from .. import content
from ..answers import Answer, AnswerError, Value
from . import _widgets as w
from . import registry
from ._base import check_element
from ._save import Save

__all__ = ["KIND", "ExplorerState", "ExplorerView", "explorer_html", "explorer_view"]


class ExplorerState(HasTraits):
    """Which condition the learner is reading about. Records no answers.

    Examples
    --------
    >>> state = ExplorerState()
    >>> state.element
    'task'
    >>> state.element = "energy"
    >>> state.answers()
    []
    """

    element = Unicode()

    @default("element")
    def _first(self) -> str:
        return content.get().elements[0].id

    @validate("element")
    def _known(self, proposal: Any) -> str:
        return check_element(proposal["value"])

    def answers(self) -> list[Answer]:
        """The explorer asks nothing, so it has no answers."""
        return []


def explorer_html(element: str) -> str:
    """What a condition means, and what it looks like in each space with its prompts.

    Project-written text only, escaped all the same.

    Examples
    --------
    >>> "<h3>Task: a clear, shared task</h3>" in explorer_html("task")
    True
    """
    c = content.get()
    el = c.element(check_element(element))
    e = html.escape
    parts = [f"<h3>{e(el.name)}: {e(el.condition)}</h3>", f"<p>{e(el.description)}</p>"]
    for space in c.spaces:
        cell = c.cell(el.id, space.id)
        prompts = "".join(f"<li>{e(p.text)}</li>" for p in cell.prompts)
        parts += [
            f'<section class="trace-explorer-space trace-explorer-{e(space.id)}">',
            f"<h4>{e(space.name)}</h4>",
            f"<p><strong>{e(c.text('explorer.looks_like'))}:</strong> {e(cell.looks_like)}</p>",
            f"<p>{e(c.text('explorer.prompts'))}</p>",
            f"<ul>{prompts}</ul>",
            "</section>",
        ]
    return "\n".join(parts)


@dataclass(frozen=True)
class ExplorerView:
    """The explorer on screen: the picker, the text panel and a line for messages."""

    widget: widgets.VBox
    state: ExplorerState
    picker: widgets.Dropdown
    panel: widgets.HTML
    message: widgets.Label

    def flush(self) -> bool:
        """Nothing to save; here so every view can be flushed alike."""
        return True

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


class _Wiring:
    def __init__(self, state: ExplorerState, picker: widgets.Dropdown, panel: widgets.HTML,
                 message: widgets.Label) -> None:
        self.state = state
        self.picker = picker
        self.panel = panel
        self.message = message

    def on_value(self, change: w.Change) -> None:
        self.update(change["new"])

    def update(self, element: object) -> None:
        if element == self.state.element:
            return
        try:
            self.state.element = check_element(element)
        except AnswerError:
            w.say(self.message, content.get().text("explorer.rejected"))
            w.reset(self.picker, "value", self.state.element)
            return
        w.say(self.message, "")
        self.panel.value = explorer_html(self.state.element)

    def report(self) -> None:
        w.say(self.message, content.get().text("error.generic"))


def explorer_view(state: ExplorerState, save: Save | None = None) -> ExplorerView:
    """A labelled picker of the five conditions and what the chosen one means.

    ``save`` is accepted so every exercise view is called alike; the explorer records
    nothing.

    Examples
    --------
    >>> view = explorer_view(ExplorerState())
    >>> view.picker.value = "route"
    >>> "<h3>Route: a route to success</h3>" in view.panel.value
    True
    """
    c = content.get()
    picker = w.css(widgets.Dropdown(options=[(el.name, el.id) for el in c.elements],
                                    value=state.element, description=c.text("explorer.pick")),
                   "trace-explorer-picker")
    panel = w.css(widgets.HTML(explorer_html(state.element), layout=w.full_width()),
                  "trace-explorer-panel")
    message = w.css(widgets.Label(""), "trace-message")
    w.say(message, "")
    wiring = _Wiring(state, picker, panel, message)
    picker.observe(w.guarded(wiring.on_value, wiring.report), names="value")
    box = w.css(widgets.VBox([picker, message, panel], layout=w.full_width()),
                "trace-exercise", "trace-explorer")
    return ExplorerView(widget=box, state=state, picker=picker, panel=panel, message=message)


# -- the kind ----------------------------------------------------------------------------


def _items(c: registry.ItemsContext) -> tuple[content.ItemSpec, ...]:
    return ()  # the explorer records nothing


def _check(spec: content.ItemSpec, value: object, c: content.Content) -> Value:
    raise AnswerError("item", "answer.error.explorer", item=spec.id)


KIND = registry.ExerciseKind(id="explorer", items=_items, check=_check)
"""The guide side: not a step of the journey (the notebooks and the gallery show it)."""
