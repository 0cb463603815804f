"""The rating control: one widget for all the statements of some cells, each a radio group.

The browser only proposes a choice (a message with the statement, the choice's index and a
sequence number the browser made up); the kernel checks it, keeps it, saves it, and echoes
the sequence number back with the answer once the store holds it. A statement says "Saved"
only for the very answer the store has, so a page never calls an answer saved too early.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import anywidget
import traitlets

from .. import content
from .._schema import Scale
from .._theme import accent
from ..answers import Answer, AnswerError
from ._save import Saver

log = logging.getLogger(__name__)

_STATIC = Path(__file__).parent / "static"
MAX_SEQ = 2**53
"""Largest sequence number a browser may send (the largest whole number JavaScript keeps)."""

Held = list[Any]
"""What the page shows for one statement: ``[choice index, sequence number, saved]``."""


class RatingWidget(anywidget.AnyWidget):
    """The statements on the page (bundled JavaScript and CSS, nothing from a CDN).

    The kernel owns every synced value: the page never sets them (a state update from the
    browser is ignored), it only sends messages that :class:`RatingControl` checks.
    """

    _esm = _STATIC / "rating.js"
    _css = _STATIC / "rating.css"
    spec = traitlets.Dict().tag(sync=True)
    """Headings, statements, choice labels and status words, all from content."""
    answers = traitlets.Dict().tag(sync=True)
    """Statement id -> :data:`Held`, for every statement with an answer."""
    status = traitlets.Unicode("idle").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def set_state(self, sync_data: dict[str, Any]) -> None:
        # Any client can send any widget state; what is shown is decided here, not there.
        if sync_data:
            log.warning("ignored a state update from the browser: %s", sorted(sync_data)[:5])
            self.send_state(list(sync_data))


def _own_scale(c: content.Content, instrument: str) -> Scale | None:
    """The scale ``instrument`` (default: the main one) brings itself; None when it is on
    the model's."""
    bank = c.instruments.get(instrument) if instrument else c.instrument()
    return bank.scale if bank is not None and bank.own_scale else None


def not_sure(instrument: str = "") -> str:
    """What "not sure" is called beside the scale of ``instrument`` (default: the main one):
    the words of a scale the instrument brings, else the workbook's short label."""
    c = content.get()
    own = _own_scale(c, instrument)
    return own.not_sure if own is not None else c.text("rating.not_sure")


def choices(instrument: str = "") -> tuple[list[str], list[int | None]]:
    """Choice labels and their values: the points of the scale of ``instrument`` (default:
    the main one), then "not sure" (None).

    Examples
    --------
    >>> labels, values = choices()
    >>> labels[0], labels[-1], values
    ('Strongly disagree', 'Not sure', [1, 2, 3, 4, 5, None])
    """
    scale = content.get().scale_of(instrument)
    labels = [p.label for p in scale.points] + [not_sure(instrument)]
    values: list[int | None] = [p.value for p in scale.points]
    return labels, [*values, None]


class _RefusedError(Exception):
    """A message from the page that is not a rating this control takes."""

    def __init__(self, item: str | None, seq: int | None) -> None:
        super().__init__(item)
        self.item = item
        self.seq = seq


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class RatingControl:
    """Checks what the page sends, keeps it in ``state``, saves it through ``saver``, and
    tells the page, per statement, what is held and whether the store has it.

    ``state`` is a :class:`~trace_widgets.exercises.rating.RatingState` (or anything with
    its ``space``, ``elements``, ``statements``, ``items``, ``is_answered``, ``value`` and
    ``set``, and optionally ``instrument``: the choices are that instrument's scale).
    ``about`` puts what each condition looks like in the space under its heading.
    """

    def __init__(self, state: Any, saver: Saver, *,
                 previous: Mapping[str, int | None] | None = None, about: bool = False) -> None:
        c = content.get()
        self.state = state
        self.saver = saver
        instrument = getattr(state, "instrument", "")
        labels, self.values = choices(instrument)
        # In a new round: last round's answers, shown as a starting point, never chosen.
        self.previous = {i: v for i, v in (previous or {}).items()
                         if i in state.items() and v in self.values}
        spec = {
            # "How far do you agree" fits the model's scale; another scale gets plain words.
            "intro": c.text("rating.intro" if _own_scale(c, instrument) is None
                            else "rating.intro.any_scale", not_sure=not_sure(instrument)),
            "new_round": c.text("rating.new_round") if self.previous else "",
            "choices": labels,
            "previous": {i: c.text("rating.previous", answer=labels[self.values.index(v)])
                         for i, v in self.previous.items()},
            "groups": [
                {"element": e,
                 "heading": c.text("rating.heading", element=c.element(e).name,
                                   condition=c.element(e).condition),
                 "colour": accent(e),
                 "about": c.cell(e, state.space).looks_like if about else "",
                 "keep": c.text("rating.keep", element=c.element(e).name)
                 if any(s.id in self.previous for s in state.statements(e)) else "",
                 "statements": [{"id": s.id, "text": s.text} for s in state.statements(e)]}
                for e in state.elements
            ],
            "text": {"saved": c.text("rating.status.saved"),
                     "unsaved": c.text("rating.status.unsaved"),
                     "retrying": c.text("rating.status.retrying"),
                     "saving": c.text("save.saving"), "retry": c.text("save.retry")},
        }
        # A resumed answer is in the store already: sequence 0, saved.
        held = {i: [self.values.index(state.value(i)), 0, True]
                for i in state.items() if state.is_answered(i)}
        self._waiting: dict[str, tuple[Answer, int]] = {}
        self.widget = RatingWidget(spec=spec, answers=held)
        self.widget.add_class("trace-rating-widget")
        self.widget.on_msg(self._on_msg)
        saver.on_saved(self._saved)
        saver.observe(self._on_status, names=["status", "message"])
        self._on_status({})

    # -- from the page ---------------------------------------------------------------------

    def _on_msg(self, _widget: object, message: object, _buffers: object) -> None:
        try:
            self.receive(message)
        except Exception:
            # A message handler has no caller to tell: log it and say so on the page.
            log.exception("the rating control failed")
            self.saver.fail()

    def receive(self, message: object) -> None:
        """Handle one message from the page: ``{"rate": id, "choice": i, "seq": n}`` or
        ``{"retry": True}``. Anything else is refused and changes nothing.

        Examples
        --------
        >>> from trace_widgets.exercises import RatingState
        >>> kept = []
        >>> control = RatingControl(RatingState("p" * 22, "self", elements=("task",)),
        ...                         Saver(kept.extend))
        >>> control.receive({"rate": "task.self.s1", "choice": 3, "seq": 7})
        >>> [(a.item, a.value) for a in kept], control.widget.answers["task.self.s1"]
        ([('task.self.s1', 4)], [3, 7, True])
        """
        if isinstance(message, dict) and message.get("retry") is True and len(message) == 1:
            self.saver.flush()
            return
        if isinstance(message, dict) and set(message) == {"keep"} \
                and message["keep"] in self.state.elements:
            self.keep(message["keep"])
            return
        try:
            item, choice, seq = self._check(message)
            row = self.state.set(item, self.values[choice])
        except _RefusedError as refused:
            self._refuse(refused.item, refused.seq)
            return
        except AnswerError:
            self._refuse(item, seq)
            return
        # One message to the page for the whole change: what is held, and whether the store
        # has it (the page shows its own choice as not yet saved meanwhile). Four messages
        # each way through the server kept the redrawn chart behind them.
        with self.widget.hold_sync():
            self._waiting[item] = (row, seq)
            self._hold(item, [choice, seq, False])
            self.saver.save_now([row])  # on success, _saved marks it saved

    def _check(self, message: object) -> tuple[str, int, int]:
        """(statement, choice, sequence) from a rating message, else :class:`_RefusedError`."""
        if not isinstance(message, dict) or set(message) != {"rate", "choice", "seq"}:
            raise _RefusedError(None, None)
        item, choice, seq = message["rate"], message["choice"], message["seq"]
        if not isinstance(item, str) or item not in self.state.items():
            raise _RefusedError(None, None)
        if not _is_int(seq) or not 0 < seq <= MAX_SEQ:
            raise _RefusedError(item, None)
        before = self.widget.answers.get(item)
        if before is not None and seq <= before[1]:
            raise _RefusedError(item, seq)  # older than the answer held: a replay
        if not _is_int(choice) or not 0 <= choice < len(self.values):
            raise _RefusedError(item, seq)
        return item, choice, seq

    def choose(self, statement: str, choice: int) -> None:
        """Pick a choice as the page does (a script, a test): the same message and checks."""
        seq = 1 + max((held[1] for held in self.widget.answers.values()), default=0)
        self.receive({"rate": statement, "choice": choice, "seq": seq})

    def keep(self, element: str) -> None:
        """Keep last round's answer of every statement of ``element`` not rated yet in this
        round (the cell's one "keep" action)."""
        rows = [self.state.set(s.id, self.previous[s.id]) for s in self.state.statements(element)
                if s.id in self.previous and not self.state.is_answered(s.id)]
        for row in rows:
            # Not from the page: sequence 0 (as a resumed answer), below any the page makes.
            self._waiting[row.item] = (row, 0)
            self._hold(row.item, [self.values.index(row.value), 0, False])
        if rows:
            self.saver.save_now(rows)

    def keepable(self, element: str) -> bool:
        """Whether ``element`` still has a statement whose last round's answer could be kept."""
        return any(s.id in self.previous and not self.state.is_answered(s.id)
                   for s in self.state.statements(element))

    def _refuse(self, item: str | None, seq: int | None) -> None:
        self.saver.reject(content.get().text("rating.rejected"))
        if item is not None and seq is not None:
            self.widget.send({"refused": item, "seq": seq})

    # -- from the saver --------------------------------------------------------------------

    def _saved(self, rows: list[Answer]) -> None:
        """The store holds ``rows``: each one still the latest of its statement is saved."""
        for row in rows:
            waiting = self._waiting.get(row.item)
            if waiting is not None and waiting[0] is row:
                del self._waiting[row.item]
                held = self.widget.answers.get(row.item)
                if held is not None and held[1] == waiting[1]:
                    self._hold(row.item, [held[0], held[1], True])

    def _hold(self, item: str, held: Held) -> None:
        # A new dict, so the change is seen and sent.
        self.widget.answers = {**self.widget.answers, item: held}

    def _on_status(self, _change: object) -> None:
        with self.widget.hold_sync():
            self.widget.status = self.saver.status
            self.widget.message = self.saver.message

    def unsaved(self) -> tuple[str, ...]:
        """The statements whose latest answer the store does not hold yet."""
        return tuple(i for i, held in self.widget.answers.items() if not held[2])
