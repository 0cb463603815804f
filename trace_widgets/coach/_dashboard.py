"""The live dashboard: a workshop's group results, refreshed every few seconds, in place."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import ipywidgets as widgets
import pandas as pd

from .. import charts, group, report, settings
from .. import content as content_mod
from .._browser import BrowserLink, PrintButton, report_buttons
from .._ui import css as _css
from .._ui import download_link as _download_link
from .._ui import heading_html as _heading
from .._ui import para_html as _para
from ..chart_view import chart_html
from ..store import Store, StoreError, Workshop
from ..workshop import group_summary, join_link, start_round
from . import _render

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3.0
"""How often the dashboard reads the answers again."""

Answers = Callable[..., pd.DataFrame]
"""Reads a workshop's current answers by code and round: ``answers(code, round=r)``
(default: the store's, pseudonymous)."""


@dataclass(frozen=True)
class Rendered:
    """What the dashboard's widgets show for one reading of the answers, computed away from
    the widgets (in a worker thread) and then put on screen in one go."""

    seq: int
    summary: group.Summary
    progress: str
    grid: str
    highlights: str
    gap: str
    comments: str
    change: str = ""
    round_now: str = ""


def _html(value: str = "", *classes: str) -> widgets.HTML:
    return _css(widgets.HTML(value), *classes)


class Dashboard:
    """A workshop's live results for its coach. Build it, show ``view``, then :meth:`start`.

    Reading and drawing run in a worker thread every ``interval`` seconds; a widget is only
    given a new value when what it shows changed, so the projector never flickers. Closing
    the workshop (two clicks) freezes the answers, draws them one last time, stops the
    refresh and offers the group figures as CSV and a print button.

    Parameters
    ----------
    store
        The answer store.
    workshop
        The workshop (already checked against its coach key).
    k, comment_k
        The anonymity floors (default from settings).
    interval
        Seconds between refreshes.
    answers
        Reads the workshop's answers (default ``store.workshop_answers``, pseudonymous).

    Examples
    --------
    >>> from trace_widgets import store, workshop
    >>> s = store.open_store("sqlite://")
    >>> w, _ = workshop.open_workshop(s, "Ward leads", "cohort", ["team"])
    >>> board = Dashboard(s, w)
    >>> board.refresh()
    True
    >>> board.summary.progress.started
    0
    """

    def __init__(self, store: Store, workshop: Workshop, *, k: int | None = None,
                 comment_k: int | None = None, interval: float = REFRESH_SECONDS,
                 answers: Answers | None = None) -> None:
        current = settings.get()
        self.store = store
        self.workshop = workshop
        self.k = current.anonymity_k if k is None else k
        self.comment_k = current.comment_k if comment_k is None else comment_k
        self.interval = interval
        self._answers = answers or store.workshop_answers
        self.summary: group.Summary | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()  # one reading at a time: the loop's and the worker's
        self._seq = 0
        self._shown = -1
        self._gap_cache: tuple[pd.DataFrame | None, str] = (None, "")
        self._build()

    # -- widgets ---------------------------------------------------------------------------

    def _build(self) -> None:
        c = content_mod.get()
        w = self.workshop
        spaces = ", ".join(c.space(s).name for s in w.spaces)
        header = _html(f'{_heading(w.title, 1)}<p class="trace-muted">'
                       f'{escape(c.text(f"coach.kind.{w.kind}"))} · {escape(spaces)}</p>',
                       "trace-coach-header")
        self.join_link = BrowserLink(path=join_link(w.code))
        self.join_code = _html(f'<span class="trace-coach-code">{escape(w.code)}</span>',
                               "trace-coach-join-code")
        join = _css(widgets.HBox([
            widgets.Label(c.text("coach.join.banner")), self.join_code,
            widgets.Label(c.text("coach.join.link")), self.join_link,
        ]), "trace-coach-join", "trace-no-print")
        self.progress = _css(widgets.Label(), "trace-coach-progress")
        self.round_now = _css(widgets.Label(), "trace-coach-round-now")
        self.status = _css(widgets.Label(c.text("coach.live")), "trace-coach-live")
        scale = c.scale
        grid_intro = c.text("coach.grid.intro", low=scale.low, high=scale.high,
                            low_label=scale.label(scale.low), high_label=scale.label(scale.high),
                            k=self.k)
        self.grid = _html("", "trace-coach-grid-view")
        self.highlights = _html("", "trace-coach-highlights-view")
        self.gap = _html("", "trace-coach-gap-view")
        self.comments = _html("", "trace-coach-comments-view")
        sections: list[widgets.Widget] = [
            header, join, self.progress, self.round_now, self.status,
            _html(_heading(c.text("coach.grid.heading")) + _para(grid_intro)), self.grid,
            self.highlights,
        ]
        if w.kind == "team":
            sections += [_html(_heading(c.text("coach.gap.heading"))
                               + _para(c.text("coach.gap.intro", k=self.k))), self.gap]
        # The change between rounds: empty (and so hidden) until a second round starts.
        self.change_heading = _html("", "trace-coach-change-heading")
        self.change = _html("", "trace-coach-change-view")
        sections += [self.change_heading, self.change]
        sections += [_html(_heading(c.text("coach.comments.heading"))
                           + _para(c.text("coach.comments.intro", k=self.comment_k))),
                     self.comments, self._downloads(c), self._round_controls(c),
                     self._controls(c)]
        self.view = _css(widgets.VBox(sections), "trace-coach-dashboard")

    def _downloads(self, c: content_mod.Content) -> widgets.Widget:
        """The group report, at any time (not only once closed), as PDF or HTML."""
        self.downloads = report_buttons(
            self.report, labels={"pdf": c.text("report.download.group_pdf"),
                                 "html": c.text("report.download.group_html")},
            filename=lambda fmt: c.text("report.file.group", code=self.workshop.code, ext=fmt))
        return _css(widgets.VBox([_html(_heading(c.text("report.download.group_heading"))
                                        + _para(c.text("report.download.group_intro"))),
                                  self.downloads]), "trace-coach-report", "trace-no-print")

    def report(self, fmt: str) -> bytes:
        """The group report of the figures on screen (read now if nothing is shown yet)."""
        summary = self.summary
        if summary is None:
            summary = self.compute().summary
        return report.group_report(summary, title=self.workshop.title, code=self.workshop.code,
                                   fmt=report.check_format(fmt))

    def _controls(self, c: content_mod.Content) -> widgets.Widget:
        self.close_button = _css(widgets.Button(description=c.text("coach.close.button"),
                                                layout=widgets.Layout(width="auto")),
                                 "trace-coach-close")
        self.close_warning = _html("", "trace-coach-close-warning")
        self.close_confirm = _css(widgets.Button(description=c.text("coach.close.confirm"),
                                                 button_style="danger",
                                                 layout=widgets.Layout(width="auto")),
                                  "trace-coach-close-confirm")
        self.close_cancel = _css(widgets.Button(description=c.text("coach.close.cancel"),
                                                layout=widgets.Layout(width="auto")),
                                 "trace-coach-close-cancel")
        self.confirm_row = widgets.HBox([self.close_confirm, self.close_cancel],
                                        layout=widgets.Layout(display="none"))
        self.close_button.on_click(self._ask_close)
        self.close_cancel.on_click(self._cancel_close)
        self.close_confirm.on_click(lambda _: self._confirmed_close())
        self.closed_panel = _css(widgets.VBox(), "trace-coach-closed")
        box = _css(widgets.VBox([self.close_button, self.close_warning, self.confirm_row,
                                 self.closed_panel]), "trace-coach-controls", "trace-card")
        if not self.workshop.is_open:
            self._show_closed()
        return box

    def _round_controls(self, c: content_mod.Content) -> widgets.Widget:
        """Start the next round: a named button, then a warning that says what happens and
        a confirmation (the same two steps as closing)."""
        self.round_button = _css(widgets.Button(layout=widgets.Layout(width="auto")),
                                 "trace-coach-round")
        self.round_warning = _html("", "trace-coach-round-warning")
        self.round_confirm = _css(widgets.Button(button_style="primary",
                                                 layout=widgets.Layout(width="auto")),
                                  "trace-coach-round-confirm")
        self.round_cancel = _css(widgets.Button(description=c.text("coach.round.cancel"),
                                                layout=widgets.Layout(width="auto")),
                                 "trace-coach-round-cancel")
        self.round_row = widgets.HBox([self.round_confirm, self.round_cancel],
                                      layout=widgets.Layout(display="none"))
        # A live region: says that the round started (or why it did not).
        self.round_message = _html("", "trace-notice", "trace-round-notice",
                                   "trace-round-notice-empty")
        self.round_button.on_click(self._ask_round)
        self.round_cancel.on_click(self._cancel_round)
        self.round_confirm.on_click(lambda _: self._confirmed_round())
        self._label_round_buttons()
        self.round_box = _css(widgets.VBox([
            _html(_heading(c.text("coach.round.heading")) + _para(c.text("coach.round.intro"))),
            self.round_button, self.round_warning, self.round_row, self.round_message,
        ]), "trace-coach-rounds", "trace-card", "trace-no-print")
        if not self.workshop.is_open:
            self.round_box.layout.display = "none"
        return self.round_box

    def _label_round_buttons(self) -> None:
        c = content_mod.get()
        self.round_button.description = c.text("coach.round.button",
                                               round=self.workshop.round + 1)
        self.round_confirm.description = c.text("coach.round.confirm",
                                                round=self.workshop.round + 1)

    def _ask_round(self, _: widgets.Button) -> None:
        c = content_mod.get()
        # Another tab (or the command line) may have started one: say the true next round.
        self.workshop = self.store.workshop(self.workshop.code) or self.workshop
        self._label_round_buttons()
        text = c.text("coach.round.warning", round=self.workshop.round + 1,
                      previous=self.workshop.round)
        self.round_warning.value = f'<p class="trace-coach-warning">{escape(text)}</p>'
        self.round_row.layout.display = "flex"

    def _cancel_round(self, _: widgets.Button) -> None:
        self.round_warning.value = ""
        self.round_row.layout.display = "none"

    def _confirmed_round(self) -> None:
        self._cancel_round(self.round_cancel)
        try:
            self.start_round()
        except StoreError as exc:
            self._say_round(str(exc))
            return
        self._say_round(content_mod.get().text("coach.round.started",
                                               round=self.workshop.round))

    def _say_round(self, text: str) -> None:
        self.round_message.value = _para(text)
        self.round_message.remove_class("trace-round-notice-empty")

    def start_round(self) -> Workshop:
        """Start the workshop's next round for everyone in it and draw it at once."""
        self.workshop = start_round(self.store, self.workshop)
        self._label_round_buttons()
        self.refresh()
        return self.workshop

    def _ask_close(self, _: widgets.Button) -> None:
        self.close_warning.value = (f'<p class="trace-coach-warning">'
                                    f'{escape(content_mod.get().text("coach.close.warning"))}</p>')
        self.confirm_row.layout.display = "flex"

    def _cancel_close(self, _: widgets.Button) -> None:
        self.close_warning.value = ""
        self.confirm_row.layout.display = "none"

    def _confirmed_close(self) -> None:
        try:
            self.close_workshop()
        except StoreError as exc:
            self.close_warning.value = _para(str(exc))

    # -- reading and drawing ---------------------------------------------------------------

    def compute(self) -> Rendered:
        """Read the answers and render every view (no widget is touched: thread-safe)."""
        with self._lock:
            self._seq += 1
            seq = self._seq
            summary = workshop_summary(self.store, self.workshop, k=self.k,
                                       comment_k=self.comment_k, answers=self._answers)
            return Rendered(
                seq=seq, summary=summary,
                progress=_render.progress_text(summary),
                grid=_render.STYLE + _render.grid_html(summary),
                highlights=_render.highlights_html(summary),
                gap=self._gap_html(summary),
                comments=_render.comments_html(summary),
                change=_render.change_html(summary),
                round_now=(content_mod.get().text("coach.round.now", round=summary.round)
                           if summary.round > 1 else ""),
            )

    def _gap_html(self, summary: group.Summary) -> str:
        """The leader-versus-members chart, rendered again only when its numbers changed
        (an SVG takes a tenth of a second or more)."""
        if summary.gap is None:
            return ""
        last, html = self._gap_cache
        if last is not None and last.equals(summary.gap):
            return html
        c = content_mod.get()
        if summary.gap["withheld"].all():
            html = _para(c.text("coach.gap.none", k=summary.k))
        else:
            leader, members = c.text("coach.gap.leader"), c.text("coach.gap.members")
            html = chart_html(
                charts.gap(summary.gap, self_label=leader, others_label=members,
                           spaces=summary.spaces),
                charts.gap_table(summary.gap, self_label=leader, others_label=members,
                                 spaces=summary.spaces))
        self._gap_cache = (summary.gap, html)
        return html

    def show(self, rendered: Rendered) -> int:
        """Put a rendering on screen; return how many widgets changed.

        A rendering older than the one on screen is dropped (a refresh that started before
        the workshop closed must not draw over the final figures).
        """
        if rendered.seq <= self._shown:
            return 0
        self._shown = rendered.seq
        self.summary = rendered.summary
        changed = 0
        for widget, value in ((self.progress, rendered.progress), (self.grid, rendered.grid),
                              (self.highlights, rendered.highlights), (self.gap, rendered.gap),
                              (self.comments, rendered.comments),
                              (self.change, rendered.change),
                              (self.round_now, rendered.round_now),
                              (self.change_heading, self._change_heading(rendered))):
            if widget.value != value:  # an unchanged value sends nothing to the browser
                widget.value = value
                changed += 1
        self.round_now.layout.display = "" if rendered.round_now else "none"
        return changed

    def _change_heading(self, rendered: Rendered) -> str:
        change = rendered.summary.change
        if change is None:
            return ""
        c = content_mod.get()
        return _heading(c.text("coach.change.heading")) + _para(c.text(
            "coach.change.intro", first=int(change["round_from"].iloc[0]),
            last=int(change["round_to"].iloc[0]), k=rendered.summary.k))

    def refresh(self) -> bool:
        """Read and draw now, in this thread; True when anything on screen changed."""
        return self.show(self.compute()) > 0

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        """Refresh now and then every ``interval`` seconds on the kernel's event loop.

        Without a running loop (a script, a test) it refreshes once and returns.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.refresh()
            return
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())

    def stop(self) -> None:
        """Stop refreshing (the figures on screen stay)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        c = content_mod.get()
        while True:
            try:
                self.show(await asyncio.to_thread(self.compute))
                self.status.value = (c.text("coach.live") if self.workshop.is_open
                                     else self.status.value)
            except asyncio.CancelledError:
                raise
            except Exception:  # a locked or lost store: say so, keep trying
                log.exception("refreshing the dashboard of %s failed", self.workshop.code)
                self.status.value = c.text("coach.refresh_failed")
            if not self.workshop.is_open:
                return
            await asyncio.sleep(self.interval)

    # -- closing ---------------------------------------------------------------------------

    def close_workshop(self) -> Workshop:
        """Close the workshop (no more answers), draw the final figures, stop refreshing,
        and offer the CSV and the print button."""
        self.workshop = self.store.close_workshop(self.workshop.code)
        self.stop()
        self.refresh()
        self._show_closed()
        return self.workshop

    def _show_closed(self) -> None:
        c = content_mod.get()
        when = self.workshop.closed
        stamp = when.strftime("%Y-%m-%d %H:%M") if when is not None else ""
        self.status.value = c.text("coach.closed.status", when=stamp)
        self.close_button.layout.display = "none"
        self.confirm_row.layout.display = "none"
        self.round_box.layout.display = "none"
        self.close_warning.value = ""
        if self.summary is None:
            self.refresh()
        summary = self.summary
        assert summary is not None  # refresh() sets it
        self.closed_panel.children = (
            _html(_heading(c.text("coach.closed.heading"))),
            _html(download_link(self.workshop.code, group.aggregates_csv(summary)),
                  "trace-coach-download"),
            _html(_para(c.text("coach.closed.csv_note", k=self.k)), "trace-no-print"),
            _css(PrintButton(label=c.text("coach.print")), "trace-no-print"),
        )


def workshop_summary(store: Store, workshop: Workshop, *, k: int | None = None,
                     comment_k: int | None = None, answers: Answers | None = None
                     ) -> group.Summary:
    """What the coach may see of a workshop now: the one summary the dashboard shows, the
    group report prints and ``trace-workbook report --workshop`` writes.

    Examples
    --------
    >>> from trace_widgets import store, workshop
    >>> s = store.open_store("sqlite://")
    >>> w, _ = workshop.open_workshop(s, "Ward leads", "cohort", ["team"])
    >>> workshop_summary(s, w).progress.joined
    0
    """
    # The release rule (no differencing) with its state in the store: every tab, kernel,
    # CSV and report of this workshop shows the same figures (workshop.group_summary).
    return group_summary(store, workshop, k=k, comment_k=comment_k, answers=answers)


def download_link(code: str, csv_text: str) -> str:
    """An ``<a download>`` whose address carries the CSV, percent-encoded (so it cannot
    become markup); ``text/csv`` is never rendered as a page.

    Examples
    --------
    >>> download_link("K7MQ4P", "a,b\\n1,2\\n")[:61]
    '<a class="trace-download" download="trace-workshop-K7MQ4P.csv'
    """
    c = content_mod.get()
    return _download_link(csv_text, mime="text/csv", label=c.text("coach.closed.download"),
                          filename=c.text("coach.closed.download_name", code=code))
