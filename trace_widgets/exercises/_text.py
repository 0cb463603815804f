"""One free-text answer on screen: a labelled Textarea, a live counter, a debounced save."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from .. import content, settings
from ..answers import Answer, AnswerError, check_text
from ..settings import TEXT_HARD_CAP
from . import _widgets as w
from ._save import Saver, problem


def text_limit() -> int:
    """The longest text a learner may keep (settings, within the hard cap)."""
    return min(settings.get().text_limit, TEXT_HARD_CAP)


class TextField:
    """A Textarea whose text is checked on every keystroke and saved after a pause.

    ``current()`` is the last good text (the state's) and ``commit(text)`` checks and keeps a
    new one, returning its row. The learner's text is only ever a widget *value*, never HTML.

    - Text within the limit: kept in the state, saved ``saver.delay`` seconds after the last
      keystroke (``continuous_update`` is on so the counter is live; saving on every
      keystroke would write a row per letter).
    - Text over the limit but otherwise fine: stays on screen so the learner can shorten it;
      the note says by how much; nothing is saved.
    - Anything else (a NUL, a lone surrogate, not text, beyond the hard cap: only a forged
      message sends those): refused, the status says why, the last good text comes back.

    Examples
    --------
    >>> from trace_widgets.exercises import ManualScheduler, ReflectionState, Saver
    >>> state = ReflectionState("p" * 22, ("task.self.p1",))
    >>> kept, clock = [], ManualScheduler()
    >>> field = TextField(label="Why?", current=lambda: state.text("task.self.p1"),
    ...                   commit=lambda text: state.set("task.self.p1", text),
    ...                   saver=Saver(kept.extend, scheduler=clock), counter=True)
    >>> field.area.value = "Because."
    >>> clock.flush()
    >>> field.counter.value, kept[0].value
    ('8 / 5,000 characters', 'Because.')
    """

    def __init__(self, *, label: str, current: Callable[[], str],
                 commit: Callable[[object], Answer], saver: Saver, counter: bool,
                 rows: int = 4, placeholder: str = "", css_class: str = "trace-text-field",
                 rejected_key: str = "text.rejected") -> None:
        self._current = current
        self._commit = commit
        self._saver = saver
        self._rejected_key = rejected_key
        self.area = w.css(
            widgets.Textarea(value=current(), description=label, rows=rows,
                             placeholder=placeholder, continuous_update=True, **w.labelled()),
            css_class,
        )
        self.counter = w.css(widgets.Label(""), "trace-counter")
        self.note = w.css(widgets.Label(""), "trace-field-note")
        if not counter:
            self.counter.layout.display = "none"
        self.box = w.css(widgets.VBox([self.area, self.counter, self.note],
                                      layout=w.full_width()), "trace-field")
        self._show(current())
        self.area.observe(w.guarded(self.on_value, saver.fail), names="value")

    def on_value(self, change: w.Change) -> None:
        self.update(change["new"])

    def update(self, text: object) -> None:
        """Take a new text from the browser (or a test): keep, wait, or refuse it."""
        if text == self._current():
            self._show(self._current())  # no change, or the echo of our own reset
            return
        try:
            row = self._commit(text)
        except AnswerError as err:
            if _only_too_long(text):
                self._show(text)  # type: ignore[arg-type]  # _only_too_long: it is a str
                return
            self._saver.reject(content.get().text(self._rejected_key, problem=problem(err)))
            w.reset(self.area, "value", self._current())
            self._show(self._current())
            return
        self._show(text)  # type: ignore[arg-type]  # commit only keeps text
        self._saver.save_later([row])

    def _show(self, text: str) -> None:
        c = content.get()
        limit = text_limit()
        self.counter.value = c.text("reflection.counter", count=len(text), limit=limit)
        over = len(text) - limit
        self.note.value = c.text("text.too_long", over=over, limit=limit) if over > 0 else ""
        self.note.layout.display = "" if over > 0 else "none"  # an empty line would still show
        if over > 0:
            self.box.add_class("trace-over-limit")
        else:
            self.box.remove_class("trace-over-limit")


def _only_too_long(text: object) -> bool:
    """True when ``text`` breaks only the learner's limit, not the rules for any text."""
    if not isinstance(text, str) or len(text) <= text_limit():
        return False
    try:
        check_text(text, limit=TEXT_HARD_CAP)
    except AnswerError:
        return False
    return True
