"""The coach's two forms: open a new workshop (its key shown once), or open a dashboard."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from .. import content as content_mod
from .._browser import BrowserLink
from .._ui import css as _css
from .._ui import heading as _heading
from .._ui import para as _para
from ..answers import AnswerError
from ..store import KINDS, Store, StoreError, Workshop
from ..workshop import (
    CoachAccessError,
    check_coach,
    dashboard_link,
    issue_leader_key,
    join_link,
    leader_link,
    open_workshop,
)

log = logging.getLogger(__name__)

OnOpen = Callable[[Workshop], object]
"""Called with a workshop whose dashboard the coach may now see."""


def _text_field(description: str, *classes: str, placeholder: str = "",
                password: bool = False) -> widgets.Text:
    kind = widgets.Password if password else widgets.Text
    field = kind(description=description, placeholder=placeholder,
                 style={"description_width": "initial"},
                 layout=widgets.Layout(width="auto", max_width="36rem"))
    return _css(field, *classes)


class NewWorkshopForm:
    """Title, kind, spaces and exercises; on submit, the join code, the join link and the coach key.

    The key is shown in this form only, until the coach goes to the dashboard; then it is
    cleared from the page and from the kernel's widgets.
    """

    def __init__(self, store: Store, on_open: OnOpen) -> None:
        c = content_mod.get()
        self.store = store
        self.on_open = on_open
        self.workshop: Workshop | None = None
        self.key = _text_field(content_mod.get().text("coach.opened.key"), "trace-coach-key")
        self.leader_key: widgets.Text | None = None
        """A team's leader code, shown once like the key."""
        self.title = _text_field(c.text("coach.new.title"), "trace-coach-title",
                                 placeholder=c.text("coach.new.title_placeholder"))
        self.kind = _css(widgets.ToggleButtons(
            options=[(c.text(f"workshop.kind_name.{k}"), k) for k in KINDS], value=KINDS[0]),
            "trace-coach-kind")
        # What the chosen kind means, under the buttons (a radio label this long wraps badly).
        self.kind_help = _para(c.text(f"workshop.kind.{KINDS[0]}"), "trace-coach-kind-help")
        self.kind.observe(self._kind_changed, "value")
        self.spaces = {s.id: _css(widgets.Checkbox(value=False, description=s.name,
                                                   indent=False,
                                                   layout=widgets.Layout(width="auto")),
                                  "trace-coach-space", f"trace-coach-space-{s.id}")
                       for s in c.spaces}
        self.exercises = {k.id: _css(widgets.Checkbox(value=True,
                                                      description=c.text(k.label or k.id),
                                                      indent=False,
                                                      layout=widgets.Layout(width="auto")),
                                     "trace-coach-exercise", f"trace-coach-exercise-{k.id}")
                          for k in c.exercises.values() if k.optional}
        # The installed journeys, by name; a journey's spaces and exercises are offered.
        self.journey = _css(widgets.Dropdown(
            options=[(c.text(j.label), j.id) for j in c.journeys.values()],
            value=content_mod.DEFAULT_JOURNEY, description=c.text("coach.new.journey"),
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto", max_width="36rem")), "trace-coach-journey")
        self.journey.observe(self._journey_changed, "value")
        self.submit = _css(widgets.Button(description=c.text("coach.new.submit"),
                                          button_style="primary",
                                          layout=widgets.Layout(width="auto")),
                           "trace-coach-open-new")
        self.message = _css(widgets.Label(), "trace-message")
        self.result = _css(widgets.VBox(), "trace-coach-opened")
        self.submit.on_click(lambda _: self.open())
        self.form = widgets.VBox([
            _heading(c.text("coach.new.heading")), self.title,
            *((self.journey,) if len(c.journeys) > 1 else ()),
            _para(c.text("coach.new.kind")), self.kind, self.kind_help,
            _para(c.text("coach.new.spaces")),
            _css(widgets.HBox(list(self.spaces.values())), "trace-coach-spaces"),
            _para(c.text("coach.new.exercises")),
            _css(widgets.HBox(list(self.exercises.values())), "trace-coach-exercises"),
            self.submit, self.message,
        ])
        self.view = _css(widgets.VBox([self.form, self.result]), "trace-card",
                         "trace-coach-new")

    def _journey(self) -> content_mod.JourneySpec:
        """The journey chosen (the default, whatever the browser sent that is not one)."""
        journeys = content_mod.get().journeys
        return journeys.get(str(self.journey.value)) or journeys[content_mod.DEFAULT_JOURNEY]

    def _journey_changed(self, _change: object = None) -> None:
        """Offer the spaces and the optional exercises the chosen journey has."""
        journey = self._journey()
        held = {e for st in journey.steps for e in st.exercises}
        for boxes, offered in ((self.spaces, set(journey.spaces)), (self.exercises, held)):
            for key, box in boxes.items():
                box.layout.display = "" if key in offered else "none"

    def _kind_changed(self, change: dict[str, object]) -> None:
        kind = change["new"] if change["new"] in KINDS else KINDS[0]
        self.kind_help.value = f"<p>{escape(content_mod.get().text(f'workshop.kind.{kind}'))}</p>"

    def open(self) -> Workshop | None:
        """Open the workshop the form describes; show its code, link and key. None (and a
        message) when the form is incomplete or the store refuses."""
        c = content_mod.get()
        title = self.title.value.strip() if isinstance(self.title.value, str) else ""
        journey = self._journey()
        chosen = [s for s, box in self.spaces.items()
                  if box.value is True and s in journey.spaces]
        if not title:
            self.message.value = c.text("coach.new.need_title")
            return None
        if not chosen:
            self.message.value = c.text("coach.new.need_space")
            return None
        try:
            made, key = open_workshop(
                self.store, title, str(self.kind.value), chosen, journey=journey.id,
                exercises=[e for e, box in self.exercises.items() if box.value is True])
        except AnswerError as exc:
            self.message.value = str(exc)
            return None
        except StoreError as exc:
            log.exception("opening a workshop failed")
            self.message.value = str(exc)
            return None
        leader_key = None
        if made.kind == "team":
            try:
                leader_key = issue_leader_key(self.store, made)
            except StoreError as exc:
                log.exception("making a leader code failed")
                self.message.value = str(exc)
        self.workshop = made
        self.message.value = ""
        self.form.layout.display = "none"
        self._show_opened(made, key, leader_key)
        return made

    def _show_opened(self, made: Workshop, key: str, leader_key: str | None = None) -> None:
        c = content_mod.get()
        self.key.value = key
        # The box is for copying: whatever the browser sends back, it shows the key.
        self.key.observe(lambda ch: setattr(self.key, "value", key)
                         if ch["new"] != key else None, "value")
        go = _css(widgets.Button(description=c.text("coach.opened.go"), button_style="primary",
                                 layout=widgets.Layout(width="auto")), "trace-coach-go")
        go.on_click(lambda _: self.go())
        self.result.children = (
            _heading(c.text("coach.opened.heading")),
            _para(c.text("coach.opened.code")),
            widgets.HTML(f'<p class="trace-coach-code trace-coach-new-code">{escape(made.code)}'
                         "</p>"),
            _para(c.text("coach.opened.join_link")),
            _css(BrowserLink(path=join_link(made.code)), "trace-coach-join-link"),
            widgets.HTML(f'<p class="trace-coach-warning">'
                         f'{escape(c.text("coach.opened.key_once"))}</p>'),
            self.key,
            _para(c.text("coach.opened.dashboard_link")),
            _css(BrowserLink(path=dashboard_link(made.code, key)), "trace-coach-dashboard-link"),
            *(self._leader_parts(c, made, leader_key) if leader_key else ()),
            go,
        )

    def _leader_parts(self, c: content_mod.Content, made: Workshop,
                      leader_key: str) -> tuple[widgets.Widget, ...]:
        """A team's leader link and code, shown once with the key (and gone with it)."""
        self.leader_key = _text_field(c.text("coach.opened.leader_key"),
                                      "trace-coach-leader-key")
        self.leader_key.value = leader_key
        self.leader_key.observe(lambda ch: setattr(self.leader_key, "value", leader_key)
                                if ch["new"] != leader_key else None, "value")
        return (
            _para(c.text("coach.opened.leader_link")),
            _css(BrowserLink(path=leader_link(made.code, leader_key)),
                 "trace-coach-leader-link"),
            self.leader_key,
            _para(c.text("coach.opened.leader_once"), "trace-coach-warning"),
        )

    def go(self) -> None:
        """Leave the key behind and open the dashboard."""
        if self.workshop is None:
            return
        # Shown once: the key leaves the page and the kernel's widget state here. Closing
        # the widgets that held it also drops their models from the browser.
        self.key.unobserve_all("value")
        self.key.value = ""
        if self.leader_key is not None:
            self.leader_key.unobserve_all("value")
            self.leader_key.value = ""
        held = self.result.children
        self.result.children = ()
        for widget in held:
            widget.close()
        self.on_open(self.workshop)


class OpenDashboardForm:
    """A workshop code and its coach key; the same message whichever of them is wrong."""

    def __init__(self, store: Store, on_open: OnOpen, *, code: str = "",
                 message: str = "") -> None:
        c = content_mod.get()
        self.store = store
        self.on_open = on_open
        self.code = _text_field(c.text("coach.open.code"), "trace-coach-open-code")
        self.code.value = code
        self.key = _text_field(c.text("coach.open.key"), "trace-coach-open-key", password=True)
        self.submit = _css(widgets.Button(description=c.text("coach.open.submit"),
                                          layout=widgets.Layout(width="auto")),
                           "trace-coach-open-dashboard")
        self.message = _css(widgets.Label(message), "trace-message")
        self.submit.on_click(lambda _: self.open())
        self.view = _css(widgets.VBox([_heading(c.text("coach.open.heading")), self.code,
                                       self.key, self.submit, self.message]),
                         "trace-card", "trace-coach-open")

    def open(self) -> Workshop | None:
        """Check the code and key; open the dashboard, or say (the same either way) no."""
        try:
            found = check_coach(self.store, self.code.value, self.key.value)
        except CoachAccessError as exc:
            self.message.value = str(exc)
            return None
        except StoreError as exc:
            log.exception("checking a coach key failed")
            self.message.value = str(exc)
            return None
        self.key.value = ""
        self.message.value = ""
        self.on_open(found)
        return found
