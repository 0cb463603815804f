"""The start step: consent and a new workbook, or the code to continue one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from .. import _throttle, privacy, settings
from .. import content as content_mod
from .._ui import heading as _heading
from .._ui import para as _para
from ..answers import AnswerError, check_text
from ..overview import overview_html
from ..store import StoreError, WorkbookNotFoundError, Workshop
from ..workshop import check_leader, find_open_workshop, participant_role
from ._session import Session

log = logging.getLogger(__name__)


def _code_card(heading: str, label: str, button: str, css: str,
               submit: Callable[[str], str | None], *, intro: str = "") -> widgets.Widget:
    """A card with one code field and one button; ``submit`` returns a plain problem or
    None. Used to join a workshop and to continue a workbook."""
    code = widgets.Text(description=label, style={"description_width": "initial"},
                        layout=widgets.Layout(width="auto", max_width="32rem"))
    code.add_class(f"{css}-code")
    go = widgets.Button(description=button)
    go.add_class(css)
    message = widgets.Label()
    message.add_class("trace-message")

    def clicked(_: widgets.Button) -> None:
        problem = submit(code.value)
        if problem:
            message.value = problem

    go.on_click(clicked)
    box = widgets.VBox([_heading(heading), *([_para(intro)] if intro else []), code, go,
                        message])
    box.add_class("trace-card")
    return box


class StartStep:
    """Builds the start step; ``on_open`` runs when a workbook has been opened or erased.
    ``lab``: in a JupyterLab notebook, whose texts speak of JupyterLab, not of a web app."""

    def __init__(self, session: Session, on_open: Callable[[], None], *,
                 lab: bool = False) -> None:
        self.session = session
        self.on_open = on_open
        self.lab = lab
        self.joining: Workshop | None = None
        """The workshop named by the join code or link, until the workbook is started."""
        self.as_leader = False
        """True once a leader code fitted ``joining`` (a team): the workbook starts as its
        leader. Never set from anything a browser sends but a code checked here."""
        self.intro = "journey.start.intro"
        """The UI text id of what the journey followed is (its ``intro``)."""
        self.view = widgets.VBox()
        self.view.add_class("trace-step-start")
        self.refresh()

    def refresh(self) -> None:
        c = content_mod.get()
        parts: list[widgets.Widget] = [_heading(c.text("journey.start.heading"), 1)]
        if self.session.is_open:
            parts.append(self._open_view(c))
        else:
            parts.append(_para(c.text(self.intro)))
            if self.joining is None:
                parts.append(self._join_view(c))
            elif self.joining.kind == "team" and not self.as_leader:
                parts.append(self._leader_view(c))
            parts += [self._consent_view(c), self._resume_view(c)]
        about = widgets.HTML(overview_html(c))
        about.add_class("trace-about")
        self.view.children = (*parts, about)

    # -- a new workbook --------------------------------------------------------------------

    def _consent_view(self, c: content_mod.Content) -> widgets.Widget:
        current = settings.get()
        agree = widgets.Checkbox(value=False, description=c.text("journey.consent.agree"),
                                 indent=False, layout=widgets.Layout(width="auto"))
        agree.add_class("trace-consent-agree")
        name = widgets.Text(description=c.text("journey.name.label"),
                            style={"description_width": "initial"},
                            layout=widgets.Layout(width="auto", max_width="32rem"))
        name.add_class("trace-name")
        joining = self.joining
        role = privacy.role_of(joining, leader=self.as_leader)
        start = widgets.Button(description=c.text("journey.start.button"),
                               button_style="primary")
        start.add_class("trace-start")
        message = widgets.Label()
        message.add_class("trace-message")

        def begin(_: widgets.Button) -> None:
            if not agree.value:
                message.value = c.text("journey.start.need_consent")
                return
            try:
                display_name = check_text(name.value, limit=80, field="name").strip()
                self.session.start(
                    display_name=display_name or None,
                    workshop=joining.code if joining else None,
                    role=participant_role(joining, leader=self.as_leader)
                    if joining else None)
            except AnswerError as exc:
                message.value = str(exc)
                return
            except StoreError as exc:  # a second leader is told so, plainly
                message.value = str(exc)
                return
            except Exception:
                log.exception("starting a workbook failed")
                message.value = c.text("error.generic")
                return
            self.refresh()
            self.on_open()

        start.on_click(begin)
        workshop_parts: list[widgets.Widget] = []
        if joining is not None:
            workshop_parts.append(_para(c.text("journey.join.joining", title=joining.title),
                                        "trace-joining"))
            if joining.kind == "team":
                workshop_parts.append(_para(c.text("journey.join.team_note")))
            if self.as_leader:
                workshop_parts.append(_para(c.text("journey.leader.joining"),
                                            "trace-joining-leader"))
        # Who will see what, for this role exactly (privacy.CLAIMS, checked by a test).
        who = [_para(text, "trace-consent-who")
               for text in privacy.consent_claims(role, k=current.anonymity_k,
                                                  comment_k=current.comment_k, content=c)]
        box = widgets.VBox([
            *workshop_parts,
            _heading(c.text("journey.consent.heading")),
            _para(c.text("journey.consent.what")),
            _para(c.text("journey.consent.where_lab" if self.lab else "journey.consent.where")),
            *who,
            _para(c.text("journey.consent.erase")),
            agree, name,
            start, message,
        ])
        box.add_class("trace-card")
        box.add_class(f"trace-consent-{role}")
        return box

    # -- join a workshop -------------------------------------------------------------------

    def join(self, code: object, *, leader_key: object = None) -> str | None:
        """Take the workshop this code names (as its leader, with a leader code that fits);
        None if it worked, else a plain message."""
        try:
            self.joining = find_open_workshop(self.session.store, code)
        except StoreError as exc:
            return str(exc)
        self.as_leader = False
        if leader_key:
            problem = self.claim_leader(leader_key)
            if problem:
                self.refresh()
                return problem
        self.refresh()
        return None

    def claim_leader(self, key: object) -> str | None:
        """Join the team workshop being joined as its leader, if ``key`` is its leader code;
        None if it fits, else a plain message (the same whatever is wrong)."""
        joining = self.joining
        if joining is None or joining.kind != "team":
            return content_mod.get().text("workshop.leader.denied")
        try:
            check_leader(self.session.store, joining.code, key)
        except StoreError as exc:
            return str(exc)
        self.as_leader = True
        self.refresh()
        return None

    def _leader_view(self, c: content_mod.Content) -> widgets.Widget:
        return _code_card(c.text("journey.leader.heading"), c.text("journey.leader.label"),
                          c.text("journey.leader.button"), "trace-leader", self.claim_leader,
                          intro=c.text("journey.leader.intro"))

    def _join_view(self, c: content_mod.Content) -> widgets.Widget:
        return _code_card(c.text("journey.join.heading"), c.text("workshop.join.label"),
                          c.text("workshop.join.button"), "trace-join", self.join,
                          intro=c.text("journey.join.intro"))

    # -- continue a workbook ---------------------------------------------------------------

    def _resume_view(self, c: content_mod.Content) -> widgets.Widget:
        def resume(code: str) -> str | None:
            if not self.resume(code):
                return c.text("journey.resume.not_found")
            self.on_open()
            return None

        return _code_card(c.text("journey.resume.heading"), c.text("journey.resume.label"),
                          c.text("journey.resume.button"), "trace-resume", resume)

    def resume(self, token: object) -> bool:
        """Open the workbook with this code; False (and nothing revealed) when there is none."""
        raw = token.strip().upper() if isinstance(token, str) else ""
        if not _throttle.allowed():
            return False
        try:
            self.session.open(raw.replace(" ", "").replace("-", ""))
        except (WorkbookNotFoundError, AnswerError):
            _throttle.failed()
            return False
        except StoreError:
            log.exception("the store failed while resuming")
            return False
        self.refresh()
        return True

    # -- an open workbook ------------------------------------------------------------------

    def _open_view(self, c: content_mod.Content) -> widgets.Widget:
        token = self.session.token or ""
        code = widgets.Text(value=token, description=c.text("journey.open.code_label"),
                            disabled=False, style={"description_width": "initial"},
                            layout=widgets.Layout(width="auto", max_width="32rem"))
        code.add_class("trace-workbook-code")
        # The code box is for copying: whatever the browser sends back, it shows the token.
        code.observe(lambda change: setattr(code, "value", token)
                     if change["new"] != token else None, "value")
        # In JupyterLab a link with the code would reload JupyterLab itself, and the other
        # notebooks open this workbook anyway: there the text says so instead.
        link = widgets.HTML(f'<p><a class="trace-resume-link" href="?p={escape(token)}">'
                            f"{escape(c.text('journey.open.link'))}</a></p>")
        erase = widgets.Button(description=c.text("journey.erase.button"))
        erase.add_class("trace-erase")
        confirm = widgets.Button(description=c.text("journey.erase.confirm"),
                                 button_style="danger",
                                 layout=widgets.Layout(display="none", width="auto"))
        confirm.add_class("trace-erase-confirm")
        warning = widgets.Label()
        warning.add_class("trace-message")

        def ask(_: widgets.Button) -> None:
            warning.value = c.text("journey.erase.warning")
            confirm.layout.display = "flex"

        def really_erase(_: widgets.Button) -> None:
            try:
                count = self.session.erase()
            except StoreError as exc:
                warning.value = str(exc)
                return
            self.refresh()
            self.on_open()
            self.view.children = (_para(c.text("journey.erase.done", count=count),
                                        "trace-erased"), *self.view.children)

        erase.on_click(ask)
        confirm.on_click(really_erase)
        box = widgets.VBox([
            _heading(c.text("journey.open.heading")),
            _para(c.text("journey.open.saved")),
            code,
            _para(c.text("journey.open.keep_lab" if self.lab else "journey.open.keep")),
            *(() if self.lab else (link,)),
            widgets.HBox([erase, confirm]),
            warning,
        ])
        box.add_class("trace-card")
        return box
