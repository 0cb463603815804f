"""A workshop's next round, started by the coach while a participant's page is open: the
page notices, says so in a polite live region, and opens the workbook in the new round."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from .. import content as content_mod
from ._session import Session

log = logging.getLogger(__name__)

CHECK_SECONDS = 3.0
"""How often an open workshop page asks the store which round it is in (one indexed
read of one row; the coach's dashboard reads every 3 s too)."""

_EMPTY = "trace-round-notice-empty"


class RoundWatch:
    """Watches a workshop participant's round. Show ``notice``; call :meth:`start` once a
    workbook is open (and again whenever another one opens).

    When the coach starts the next round, :meth:`check` opens the workbook in it (the
    earlier round's answers become starting points, as in a round the learner starts),
    calls ``on_new_round`` so the steps are built again, and says what happened.

    Examples
    --------
    >>> from trace_widgets import store, workshop
    >>> s = store.open_store("sqlite://")
    >>> w, _ = workshop.open_workshop(s, "Ward leads", "cohort", ["team"])
    >>> session = Session(s)
    >>> _ = session.start(workshop=w.code)
    >>> watch = RoundWatch(session, lambda: None)
    >>> watch.check()
    False
    >>> _ = workshop.start_round(s, w)
    >>> watch.check(), session.round, "round 2" in watch.notice.value
    (True, 2, True)
    """

    def __init__(self, session: Session, on_new_round: Callable[[], None], *,
                 interval: float = CHECK_SECONDS) -> None:
        self.session = session
        self.on_new_round = on_new_round
        self.interval = interval
        # A live region from the start (empty), so its first words are announced.
        self.notice = widgets.HTML()
        for name in ("trace-notice", "trace-round-notice", _EMPTY):
            self.notice.add_class(name)
        self._round = session.round
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Follow the workbook open now; check every ``interval`` seconds while the kernel's
        event loop runs (without one, a script or a test, call :meth:`check`)."""
        self._round = self.session.round
        if not self.session.workshop:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def check(self) -> bool:
        """True when the coach has started a round since the page was built for one: the
        workbook is then open in the new round and the notice says so."""
        token = self.session.token
        if token is None or not self.session.workshop:
            return False
        now = self.session.store.participant(token).round
        if now == self._round:
            return False
        self.session.follow_round()
        self._round = self.session.round
        self.on_new_round()
        c = content_mod.get()
        text = c.text("journey.rounds.coach_started", round=self._round,
                      previous=self._round - 1)
        self.notice.value = f"<p>{escape(text)}</p>"
        self.notice.remove_class(_EMPTY)
        return True

    async def _run(self) -> None:
        while self.session.workshop:
            await asyncio.sleep(self.interval)
            try:
                self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # a store restarting: the answers still save; try again
                log.exception("checking the workshop's round failed")
