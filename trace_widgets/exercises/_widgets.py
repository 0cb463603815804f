"""Small widget helpers the exercise views share: headings, the status bar, safe handlers."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import ipywidgets as widgets

from .. import _ui, content
from .._ui import css
from ._save import Saver

log = logging.getLogger(__name__)

T = TypeVar("T")

Change = dict[str, Any]
"""What traitlets passes to an observer: ``name``, ``old``, ``new``, ``owner``, ``type``."""


def full_width(**extra: str) -> widgets.Layout:
    return widgets.Layout(width="100%", **extra)


def short_label() -> dict[str, Any]:
    """Style for a control with a short description beside it, shown in full."""
    return {"style": {"description_width": "initial"}}


def say(label: widgets.Label, text: str) -> None:
    """Show ``text`` in a message line, and hide the line while there is nothing to say."""
    label.value = text
    label.layout.display = "" if text else "none"


def labelled(**extra: str) -> dict[str, Any]:
    """Layout and style for a control whose long description sits above it, not beside it.

    The description stays the control's ``<label for>``; only its box is laid out as a
    column so the full text fits (the template's CSS lets the label wrap).
    """
    return {
        "layout": widgets.Layout(width="100%", flex_flow="column", **extra),
        "style": {"description_width": "initial"},
    }


def heading(text: str, level: int = 3, *classes: str) -> widgets.HTML:
    """A heading of project-written ``text`` (escaped all the same)."""
    return css(_ui.heading(text, min(max(level, 2), 6)), "trace-heading", *classes)


def paragraph(text: str, *classes: str) -> widgets.HTML:
    """A paragraph of project-written ``text`` (escaped all the same)."""
    return _ui.para(text, "trace-text", *classes)


def reset(widget: widgets.Widget, name: str, value: object) -> None:
    """Put the control back to ``value`` and make sure the browser shows it.

    When the kernel's value already equals ``value`` (a refused change that never reached
    the trait) setting it would send nothing, so the state is sent explicitly.
    """
    if getattr(widget, name) == value:
        widget.send_state(name)
    else:
        setattr(widget, name, value)


def close_tree(widget: widgets.Widget) -> None:
    """Close a widget and everything inside it, so the browser and kernel let them go."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


def guarded(handler: Callable[[T], None], report: Callable[[], None]) -> Callable[[T], None]:
    """Wrap an observer so an unexpected error is logged and reported, never raised.

    An exception escaping an observer would reach the page as a traceback (JupyterLab) or be
    lost in the kernel log (Voila) while the control looks saved; neither is acceptable.
    """
    @functools.wraps(handler)
    def safe(event: T) -> None:
        try:
            handler(event)
        except Exception:
            log.exception("an exercise control failed")
            report()

    return safe


def status_bar(saver: Saver) -> widgets.HBox:
    """The save status in words, and a retry button that shows only after a failed save."""
    text = css(widgets.Label(saver.message), "trace-save-message")
    retry = css(widgets.Button(description=content.get().text("save.retry"),
                               layout=widgets.Layout(display="none")), "trace-retry")
    bar = css(widgets.HBox([text, retry]), "trace-save-status")

    def update(_: Change) -> None:
        text.value = saver.message
        retry.layout.display = "" if saver.status == "failed" else "none"
        bar.remove_class("trace-save-failed")
        if saver.status in ("failed", "rejected", "error"):
            bar.add_class("trace-save-failed")

    def on_retry(_: widgets.Button) -> None:
        saver.flush()

    saver.observe(guarded(update, saver.fail), names=["status", "message"])
    retry.on_click(guarded(on_retry, saver.fail))
    update({})
    return bar


@dataclass(frozen=True)
class View:
    """A built exercise: its top widget, its state and its saver. Displays as the widget."""

    widget: widgets.Box
    saver: Saver

    def flush(self) -> bool:
        """Save anything still waiting (a debounced text) now; True if all is saved."""
        return self.saver.flush()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

