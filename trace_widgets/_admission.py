"""The cap on live kernels: a page visit is admitted only while the server holds fewer
kernels than ``TRACE_MAX_KERNELS`` (the warm pool included), so no flood of visitors can
exhaust the machine's memory.

A visit may start a kernel some time after it is admitted (Voila first reads the notebook,
and a visit that takes a warm kernel makes the pool start its replacement a moment later),
so each admitted visit holds a *ticket* until a kernel starts on its behalf: the count is
the kernels Jupyter knows (started or starting) plus the tickets still waiting.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

RETRY_AFTER_S = 60
WARN_EVERY_S = 60.0  # the terminal hears of a full server once a minute, not per visitor
TICKET_GRACE_S = 30.0
"""How long a visit's ticket outlives its page when no kernel started for it: the pool's
refill starts a couple of seconds (``REFILL_DELAY_S``) after the visit took a warm kernel."""

_ticket: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar("trace_ticket",
                                                                         default=None)


@dataclass(eq=False)
class Ticket:
    """One admitted visit that has not yet started its kernel."""

    expires: float = field(default=float("inf"))


def max_kernels() -> int:
    from . import settings  # noqa: PLC0415 - the server reads its settings once, at start

    return settings.get().max_kernels


class Admission:
    """Counts a kernel manager's kernels and admits visits below ``cap``."""

    def __init__(self, kernel_manager: Any, cap: int) -> None:
        self.kernel_manager = kernel_manager
        self.cap = cap
        self.tickets: set[Ticket] = set()
        self.warned = -WARN_EVERY_S
        pre_start = kernel_manager.pre_start_kernel

        # Jupyter calls this just before it registers a new kernel as starting (nothing
        # runs in between), for a visit's own kernel and for the pool's refill alike.
        def pre_start_kernel(*args: Any, **kwargs: Any) -> Any:
            result = pre_start(*args, **kwargs)
            ticket = _ticket.get()
            if ticket is not None:
                self.tickets.discard(ticket)
            return result

        kernel_manager.pre_start_kernel = pre_start_kernel

    def live(self) -> int:
        """Kernels started or starting, and visits admitted whose kernel has not started."""
        now = time.monotonic()
        self.tickets = {t for t in self.tickets if t.expires > now}
        km = self.kernel_manager
        kernels = set(km._kernels) | set(km._pending_kernels)  # Jupyter has no public view of both
        return len(kernels) + len(self.tickets)

    def admit(self) -> Ticket | None:
        """A ticket for one more visit, or None when the server is full."""
        if self.live() >= self.cap:
            return None
        ticket = Ticket()
        self.tickets.add(ticket)
        return ticket

    def should_warn(self) -> bool:
        """Whether to tell the terminal the server is full (at most once a minute)."""
        now = time.monotonic()
        if now - self.warned < WARN_EVERY_S:
            return False
        self.warned = now
        return True

    @contextlib.contextmanager
    def holding(self, ticket: Ticket) -> Iterator[None]:
        """Serve the visit holding ``ticket``: a kernel started within (or by a task started
        within) uses it up; else it lapses a little after the page is done."""
        token = _ticket.set(ticket)
        try:
            yield
        finally:
            _ticket.reset(token)
            ticket.expires = time.monotonic() + TICKET_GRACE_S
