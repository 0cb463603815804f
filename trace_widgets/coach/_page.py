"""The coach's page: the forms, or a workshop's dashboard when the address holds its key."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from html import escape

import ipywidgets as widgets

from .. import content as content_mod
from .. import settings
from .._browser import AddressBar
from ..store import Store, StoreError, Workshop, open_store
from ..workshop import CoachAccessError, check_coach, normalise_code
from . import _render
from ._dashboard import REFRESH_SECONDS, Dashboard
from ._forms import NewWorkshopForm, OpenDashboardForm

log = logging.getLogger(__name__)


class CoachPage:
    """The whole coach page in one widget tree. Build it, display ``view``, then ``open``.

    Examples
    --------
    >>> from trace_widgets import store
    >>> page = CoachPage(store.open_store("sqlite://"))
    >>> page.open({})
    >>> page.dashboard is None, page.new_form is not None
    (True, True)
    """

    def __init__(self, store: Store | None = None, *, interval: float = REFRESH_SECONDS) -> None:
        c = content_mod.get()
        self.store = store if store is not None else open_store()
        self.interval = interval
        self.address = AddressBar()
        self.body = widgets.VBox()
        self.body.add_class("trace-coach-body")
        self.dashboard: Dashboard | None = None
        self.new_form: NewWorkshopForm | None = None
        self.open_form: OpenDashboardForm | None = None
        title = widgets.HTML(f'{_render.STYLE}<p class="trace-title">'
                             f'{escape(c.text("coach.title"))}</p>')
        self.view = widgets.VBox([self.address, title, self.body])
        self.view.add_class("trace-coach")

    def open(self, query: Mapping[str, str] | None = None) -> None:
        """Show what the address asks for: ``?w=CODE&k=KEY`` opens that dashboard (and the
        key leaves the address bar, so it is not on the projector); anything else, the forms
        (with the code filled in when there is one)."""
        query = query or {}
        code = normalise_code(query.get("w", ""))
        key = query.get("k", "")
        if code and key:
            try:
                found = check_coach(self.store, code, key)
            except CoachAccessError as exc:
                self.address.show(w=code)
                self.show_forms(code=code, message=str(exc))
                return
            except StoreError as exc:
                log.exception("checking a coach key failed")
                self.show_forms(code=code, message=str(exc))
                return
            self.show_dashboard(found)
            return
        self.show_forms(code=code)

    def show_forms(self, *, code: str = "", message: str = "") -> None:
        """The page without a dashboard: open a new workshop, or open a dashboard."""
        c = content_mod.get()
        self._stop()
        self.new_form = NewWorkshopForm(self.store, self.show_dashboard)
        self.open_form = OpenDashboardForm(self.store, self.show_dashboard, code=code,
                                           message=message)
        intro = widgets.HTML(f"<h1>{escape(c.text('coach.heading'))}</h1>"
                             f"<p>{escape(c.text('coach.intro'))}</p>")
        self.body.children = (intro, self.new_form.view, self.open_form.view)

    def show_dashboard(self, workshop: Workshop) -> Dashboard:
        """Replace the forms with the workshop's live dashboard and start its refresh."""
        self._stop()
        self.dashboard = Dashboard(self.store, workshop, interval=self.interval)
        self.new_form = self.open_form = None
        self.body.children = (self.dashboard.view,)
        # Reload comes back to the code, not the key: the key never stays in the address.
        self.address.show(w=workshop.code)
        self.dashboard.start()
        return self.dashboard

    def _stop(self) -> None:
        if self.dashboard is not None:
            self.dashboard.stop()
            self.dashboard = None


def coach_page(store: Store | None = None) -> CoachPage:
    """Build and show the coach's page, then open what the visitor's address asks for.

    The page is built (and the chart renderer warmed up) before waiting for the request,
    so a preheated Voila kernel has done the slow part before anyone asks for the page.
    In JupyterLab there is no request: the forms are shown.

    Examples
    --------
    >>> from trace_widgets import store
    >>> page = coach_page(store.open_store("sqlite://"))  # doctest: +SKIP
    """
    from IPython.display import display  # noqa: PLC0415 - only a notebook needs it

    from ..chart_view import warm_up  # noqa: PLC0415

    page = CoachPage(store)
    display(page.view)
    warm_up()
    page.open(settings.request_query())
    return page
