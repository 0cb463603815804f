"""Save-status logic for the exercise views: queue answers, debounce, call the sink, say so."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from traitlets import Enum, HasTraits, Unicode

from .. import content
from .._words import say
from ..answers import Answer, AnswerError

log = logging.getLogger(__name__)

Save = Callable[[list[Answer]], None]
"""A sink that keeps answers (in one transaction) and raises if it could not."""

STATUSES = ("idle", "pending", "saving", "saved", "failed", "rejected", "error")
"""What a :class:`Saver` can say: ``pending`` is a debounced save not yet made."""

DEBOUNCE_SECONDS = 1.0
"""Free text is saved this long after the last keystroke."""

RETRY_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""After a failed save, try again after these pauses (then every 30 s) until it works."""


class Handle(Protocol):
    """A scheduled call that can be called off (``asyncio.TimerHandle`` is one)."""

    def cancel(self) -> None: ...


Scheduler = Callable[[float, Callable[[], None]], Handle]
"""``scheduler(delay, callback)`` calls ``callback`` after ``delay`` seconds."""


class _Done:
    def cancel(self) -> None:
        """Nothing to call off: the call has been made."""


def loop_scheduler(delay: float, callback: Callable[[], None]) -> Handle:
    """Call ``callback`` after ``delay`` seconds on the running asyncio loop, else at once.

    A kernel (ipykernel) handles widget messages on its asyncio loop, so ``call_later`` runs
    the callback there, between messages. Without a running loop (a script) nothing would
    ever run the callback, so it is called at once: saving early is better than never.

    Examples
    --------
    >>> calls = []
    >>> _ = loop_scheduler(1.0, lambda: calls.append("saved"))  # no loop here: runs now
    >>> calls
    ['saved']
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        callback()
        return _Done()
    return loop.call_later(delay, callback)


def loop_later(delay: float, callback: Callable[[], None]) -> Handle:
    """Call ``callback`` after ``delay`` seconds on the running asyncio loop, else never.

    For retries: without a loop (a script, a test) nothing runs later, and trying again at
    once would only fail again; the next save or the retry button tries instead.

    Examples
    --------
    >>> calls = []
    >>> _ = loop_later(1.0, lambda: calls.append("retried"))  # no loop here: never
    >>> calls
    []
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _Done()
    return loop.call_later(delay, callback)


class _Call:
    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due = due
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualScheduler:
    """A scheduler with a clock of its own, for tests: nothing runs until you advance it.

    Examples
    --------
    >>> clock = ManualScheduler()
    >>> calls = []
    >>> _ = clock(1.0, lambda: calls.append("saved"))
    >>> clock.advance(0.5); calls
    []
    >>> clock.advance(0.5); calls
    ['saved']
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._calls: list[_Call] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> _Call:
        call = _Call(self.now + delay, callback)
        self._calls = [*self._calls, call]
        return call

    @property
    def pending(self) -> int:
        """How many calls are waiting."""
        return sum(not c.cancelled for c in self._calls)

    def advance(self, seconds: float) -> None:
        """Move the clock on and make every call that has come due, oldest first."""
        self.now += seconds
        due = sorted((c for c in self._calls if c.due <= self.now), key=lambda c: c.due)
        self._calls = [c for c in self._calls if c.due > self.now]
        for call in due:
            if not call.cancelled:
                call.callback()

    def flush(self) -> None:
        """Make every waiting call now, whatever its delay."""
        later = max((c.due for c in self._calls), default=self.now)
        self.advance(max(later - self.now, 0.0))


PROBLEM_CHARS = 160
"""Longest problem text shown: a message may quote a forged value, which may be huge."""


def problem(error: AnswerError) -> str:
    """The message of an :class:`AnswerError` without the field name in front, kept short.

    Examples
    --------
    >>> problem(AnswerError("value", "answer.error.nul"))
    'contains a NUL character'
    """
    text = say(error.text_id, **error.values)
    return text if len(text) <= PROBLEM_CHARS else text[: PROBLEM_CHARS - 1] + "…"


class Saver(HasTraits):
    """Sends answers to a sink and says how it went, in words from the content.

    Answers wait in a queue (the latest per item) until the sink has taken them, so a failed
    save is retried with the next one, and on its own after a pause that grows (see
    :data:`RETRY_SECONDS`): nothing the learner gave is dropped, and it is saved once the
    store is back. Whoever needs to know exactly which answers the store holds registers
    with :meth:`on_saved`.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> kept = []
    >>> saver = Saver(kept.extend)
    >>> saver.save_now([answers.make("p" * 22, "task.self.s1", 4)])
    True
    >>> saver.status, saver.message, len(kept)
    ('saved', 'Saved', 1)
    """

    status = Enum(STATUSES, default_value="idle")
    message = Unicode("")

    def __init__(self, save: Save, *, scheduler: Scheduler | None = None,
                 delay: float = DEBOUNCE_SECONDS, retry_scheduler: Scheduler | None = None,
                 retry: tuple[float, ...] = RETRY_SECONDS) -> None:
        super().__init__()
        if not callable(save):
            raise TypeError("save must be a callable that takes a list of answers")
        self._save = save
        self._schedule = scheduler or loop_scheduler
        self._schedule_retry = retry_scheduler or (scheduler or loop_later)
        self.delay = delay
        self.retry = retry or RETRY_SECONDS
        self._unsaved: dict[str, Answer] = {}
        self._timer: Handle | None = None
        self._retry_timer: Handle | None = None
        self.failures = 0
        """Failed saves in a row (0 once a save works)."""
        self._listeners: list[Callable[[list[Answer]], None]] = []

    def on_saved(self, callback: Callable[[list[Answer]], None]) -> None:
        """Call ``callback(rows)`` with the very rows the sink took, each time it takes some."""
        self._listeners = [*self._listeners, callback]

    @property
    def unsaved(self) -> tuple[Answer, ...]:
        """Answers given but not yet taken by the sink."""
        return tuple(self._unsaved.values())

    def save_now(self, rows: Iterable[Answer]) -> bool:
        """Queue ``rows`` and save everything queued at once; True if the sink took it."""
        self._queue(rows)
        return self.flush()

    def save_later(self, rows: Iterable[Answer]) -> None:
        """Queue ``rows`` and save ``delay`` seconds from now, unless more come first."""
        self._queue(rows)
        self._cancel()
        # Said before scheduling: a scheduler may run the save at once and say how it went.
        self._show("pending")
        self._timer = self._schedule(self.delay, self._on_timer)

    def flush(self) -> bool:
        """Save everything queued now; True if there was nothing to save or the sink took it."""
        self._cancel()
        self._cancel_retry()
        batch = list(self._unsaved.values())
        if not batch:
            return True
        self._show("saving")
        try:
            self._save(list(batch))
        except Exception:
            # The details go to the server log; the learner gets a plain sentence.
            log.exception("the save sink failed for %d answer(s)", len(batch))
            self.failures += 1
            self._show("failed")
            pause = self.retry[min(self.failures, len(self.retry)) - 1]
            self._retry_timer = self._schedule_retry(pause, self._on_retry)
            return False
        self.failures = 0
        for row in batch:
            if self._unsaved.get(row.item) is row:
                del self._unsaved[row.item]
        for listener in self._listeners:
            try:
                listener(list(batch))
            except Exception:  # a broken listener must not undo a save that worked
                log.exception("a save listener failed")
        self._show("pending" if self._unsaved else "saved")
        return True

    def reject(self, message: str) -> None:
        """Say that a value was refused (and so not saved), in ``message``."""
        self._show("rejected", message)

    def fail(self) -> None:
        """Say that something unexpected went wrong (the caller has logged it)."""
        self._show("error", content.get().text("error.generic"))

    def _queue(self, rows: Iterable[Answer]) -> None:
        for row in rows:
            if not isinstance(row, Answer):
                raise TypeError(f"expected an Answer, got {type(row).__name__}")
            self._unsaved[row.item] = row

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _cancel_retry(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None

    def _on_retry(self) -> None:
        self._retry_timer = None
        try:
            self.flush()
        except Exception:
            log.exception("a retried save failed unexpectedly")
            self.fail()

    def _on_timer(self) -> None:
        self._timer = None
        try:
            self.flush()
        except Exception:
            # A timer callback has no caller to tell: log it and say so on the page.
            log.exception("a debounced save failed unexpectedly")
            self.fail()

    def _show(self, status: str, message: str | None = None) -> None:
        if message is None:
            message = _MESSAGES[status]()
        with self.hold_trait_notifications():
            self.status = status
            self.message = message


_MESSAGES: dict[str, Callable[[], str]] = {
    "idle": lambda: "",
    "pending": lambda: content.get().text("save.saving"),
    "saving": lambda: content.get().text("save.saving"),
    "saved": lambda: content.get().text("save.saved"),
    "failed": lambda: content.get().text("save.failed"),
    "rejected": lambda: "",
    "error": lambda: content.get().text("error.generic"),
}
