"""The journey as one page: a step list, the current step, Back and Next. One kernel per
learner; moving between steps swaps widgets in place and never loads a page."""

from __future__ import annotations

import asyncio
import logging
import re
from html import escape
from urllib.parse import urlencode

import ipywidgets as widgets

from .. import content as content_mod
from .. import scoring, settings
from .._browser import AddressBar, Shown
from .._style import lab_style
from ..answers import Answer
from ..chart_view import warm_up
from ..store import Store, StoreError, open_store
from ..workshop import journey_steps
from ._plan import build_plan_step
from ._rater import RaterPage
from ._remember import remember, remembered
from ._rounds import RoundWatch
from ._session import Session
from ._space import build_space_step, rated_instrument
from ._start import StartStep
from ._step import BuiltStep

log = logging.getLogger(__name__)

_STEP = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
PREBUILD_DELAY = 1.5  # seconds after a step is shown, so it settles first


def notebook_file(step: str) -> str:
    """The numbered notebook that holds ``step`` of the default journey alone
    (``01_self.ipynb``)."""
    return f"{content_mod.journey().step_ids.index(step):02d}_{step}.ipynb"


class Journey:
    """The whole journey in one widget tree. Build it, display ``page``, then ``open``.

    ``single`` names the one step of a numbered notebook: its header counts that step's own
    progress and, instead of a step list and Back/Next buttons, links lead to the notebooks
    before and after it. ``lab`` is for JupyterLab: the workbook brings its own stylesheet,
    leaves JupyterLab's address alone and reads answers again when the notebook is shown
    (another notebook may have changed them)."""

    def __init__(self, store: Store | None = None, *, steps: tuple[str, ...] | None = None,
                 single: str | None = None, lab: bool = False,
                 journey: str = content_mod.DEFAULT_JOURNEY) -> None:
        self.session = Session(store or open_store())
        self.definition = content_mod.journey(journey)
        """The journey followed (``journeys/*.yaml``): a workshop's may replace it."""
        self._fixed = steps is not None  # a numbered notebook keeps its own step
        steps = self.definition.step_ids if steps is None else steps
        self.single = single
        self.lab = lab
        self.links_html = ""
        """The Back and Next links of a numbered notebook (shown under the widgets)."""
        self._links: object = None
        self.all_steps = steps
        self.steps = steps
        self.current = steps[0]
        self._built: dict[str, BuiltStep] = {}
        self._prebuild: asyncio.TimerHandle | None = None
        c = content_mod.get()
        self.address = AddressBar()
        self.nav_buttons = {s: self._nav_button(s) for s in self.definition.step_ids}
        self.nav = widgets.HBox([self.nav_buttons[s] for s in steps])
        self.nav.add_class("trace-nav")
        self.progress = widgets.Label()
        self.progress.add_class("trace-progress")
        self.body = widgets.VBox([widgets.Label(c.text("journey.loading"))])
        self.body.add_class("trace-body")
        self.back = widgets.Button(description=c.text("journey.nav.back"))
        self.back.add_class("trace-back")
        self.next = widgets.Button(description=c.text("journey.nav.next"),
                                   button_style="primary")
        self.next.add_class("trace-next")
        self.back.on_click(lambda _: self.go(self._neighbour(-1)))
        self.next.on_click(lambda _: self.go(self._neighbour(+1)))
        footer = widgets.HBox([self.back, self.next])
        footer.add_class("trace-footer")
        title = widgets.HTML(f'<p class="trace-title">{escape(c.text("app.title"))}</p>')
        moving = () if single else (self.nav,)
        # A workshop's coach may start the next round while this page is open.
        self.round_watch = RoundWatch(self.session, self._coach_round)
        self.view = widgets.VBox([*(() if lab else (self.address,)), title, *moving,
                                  self.progress, self.round_watch.notice, self.body,
                                  *(() if single else (footer,))])
        self.view.add_class("trace-journey")
        self.rater_page: RaterPage | None = None
        self.page: widgets.Widget = self.view
        """What a notebook displays: the journey, and in JupyterLab its style beside it."""
        if lab:
            self.page = widgets.VBox([lab_style(), Shown(self._on_shown), self.view])
            self.page.add_class("trace-lab")
        self.start = StartStep(self.session, self._opened, lab=lab)
        self.start.intro = self.definition.intro

    # -- opening -------------------------------------------------------------------------

    def open(self, query: dict[str, str] | None = None) -> None:
        """Open the workbook and step named in the query (``p``, ``step``), if any."""
        query = query or {}
        if query.get("r"):
            self._rate(query["r"])
            return
        chosen = query.get("j", "")
        if isinstance(chosen, str) and chosen in content_mod.get().journeys:
            self._follow(chosen)  # a learner on their own may follow another journey
        if query.get("w") and not query.get("p"):
            # ?l= is the leader code of a team workshop (the address bar drops it next).
            problem = self.start.join(query["w"], leader_key=query.get("l"))
            if problem:
                self.go(self.steps[0])
                self.body.children = (self._notice_text(problem), *self.body.children)
                return
            if self.start.joining is not None:  # its start step says what its journey is
                self._follow(self.start.joining.journey)
        kept = "" if query.get("w") else remembered(self.session.store.url) or ""
        token = query.get("p", "") or kept
        step = query.get("step", "")
        if token and not self.start.resume(token):
            self.go(self.steps[0])
            self.body.children = (self._notice("journey.resume.not_found"),
                                  *self.body.children)
            return
        if token:
            # Opened by its address: listen to its answers and follow its workshop, as when
            # it is opened on the page.
            self._opened(go_on=False)
        if step not in self.steps or not self.session.is_open:
            step = self.steps[1] if self.session.is_open and len(self.steps) > 1 \
                and self._type(self.steps[0]) == "start" else self.steps[0]
        self.go(step)

    def _rate(self, token: str) -> None:
        """A rater link: the page shows only the rater's page, no journey around it."""
        self.rater_page = RaterPage(self.session.store, token)
        self.address.show(r=token)
        self.view.children = (self.address, self.rater_page.view)

    def _opened(self, *, go_on: bool = True) -> None:
        """A workbook was opened, started or erased: forget steps built for another one."""
        self.session.listeners[:] = [self._on_saved]
        self.session.giving[:] = []
        self._follow_workshop()
        self.round_watch.start()
        self._built = {s: self._start_step() for s in self.steps if self._type(s) == "start"}
        remember(self.session.store.url, self.session.token)
        self._update_chrome()
        if go_on and self.single and self._type(self.single) != "start" and self.session.is_open:
            self.go(self.single)  # a numbered notebook goes on to its own step

    def _follow_workshop(self) -> None:
        """A workshop participant follows the workshop's journey: the start step, the
        workshop's spaces and (if it includes them) reflections and the plan."""
        code = self.session.workshop
        found = self.session.store.workshop(code) if code else None
        self.session.exercises = (content_mod.get().workshop_exercises if found is None
                                  else found.exercises)
        if found is not None:
            self._follow(found.journey)
        steps = self.all_steps
        if found is not None:
            steps = tuple(s for s in journey_steps(found) if s in self.all_steps)
        if steps != self.steps:
            self.steps = steps
            self.nav.children = tuple(self.nav_buttons[s] for s in steps)
            if self.current not in steps:
                self.current = steps[0]

    def _follow(self, journey: str) -> None:
        """Follow ``journey`` from now on (a numbered notebook keeps the default's step)."""
        if journey == self.definition.id or self._fixed:
            return
        self.definition = content_mod.journey(journey)
        self.all_steps = self.steps = self.definition.step_ids
        self.nav_buttons = {s: self._nav_button(s) for s in self.definition.step_ids}
        self.nav.children = tuple(self.nav_buttons[s] for s in self.steps)
        self._built = {k: v for k, v in self._built.items() if self._type_of(k) == "start"}
        if self.current not in self.steps:
            self.current = self.steps[0]
        self.start.intro = self.definition.intro
        self.start.refresh()

    def _new_round(self) -> None:
        """A new round began: the space steps are built again, empty, with last round's
        answers as starting points (the plan step stays: the learner is on it)."""
        self.session.listeners[:] = [self._on_saved]
        self.session.giving[:] = []
        self._built = {k: v for k, v in self._built.items()
                       if self._type(k) in ("start", "plan")}
        self._update_chrome()

    def _coach_round(self) -> None:
        """The coach started the workshop's next round: build the steps again in it and show
        the step the participant is on, now with last round's answers as starting points."""
        built = self._built.get(self.current)
        if built is not None:
            built.flush()  # a reflection being typed is kept (texts carry on across rounds)
        self._new_round()
        self.go(self.current)

    def _on_saved(self, rows: list[Answer]) -> None:
        if any(a.exercise == scoring.RATING for a in rows):
            self._update_chrome()  # a space may now be fully rated

    def _on_shown(self) -> None:
        """The notebook was shown again: take in answers given in another notebook."""
        try:
            if not self.session.reload():
                return
            built = self._built.get(self.current)
            if built is not None and built.stale():
                built.refresh()
        except Exception:
            log.exception("reading the workbook again failed")
            return
        self._update_chrome()

    # -- moving ----------------------------------------------------------------------------

    def go(self, step: object) -> None:
        """Show ``step``; a step that needs a workbook shows the start step until there is one."""
        if not isinstance(step, str) or not _STEP.match(step) or step not in self.steps:
            step = self.steps[0]
        start = self._start_id()
        if step != start and not self.session.is_open and start is not None:
            step = start
        try:
            if self.current in self._built:
                left = self._built[self.current]
                if step == self.current:
                    left.flush()  # still here: nothing shown may go
                else:
                    left.leave()
            self.current = step
            built = self._step(step)
            if built.stale():
                built.refresh()
            self.body.children = (built.view,)
            self._prebuild_later()
        except Exception:
            log.exception("showing step %s failed", step)
            self.body.children = (self._notice("error.generic"),)
        self._update_chrome()

    def _step(self, step: str) -> BuiltStep:
        if step not in self._built:
            self._built[step] = self._build(step)
        return self._built[step]

    def _build(self, step: str) -> BuiltStep:
        spec = self.definition.step(step)
        if spec.type == "start":
            return self._start_step()
        if spec.type == "plan":
            return build_plan_step(self.session, self._new_round, spec)
        return build_space_step(self.session, spec, time=self.definition.space_time)

    def _type(self, step: str) -> str:
        return self.definition.step(step).type

    def _type_of(self, step: str) -> str | None:
        """The type of ``step`` in the journey followed, None when it has no such step."""
        return self.definition.step(step).type if step in self.definition.step_ids else None

    def _start_id(self) -> str | None:
        """The start step of the steps shown (None in a notebook of one later step)."""
        return next((s for s in self.steps if self._type(s) == "start"), None)

    def _space_steps(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.definition.steps if s.type == "space")

    def _start_step(self) -> BuiltStep:
        # The start step redraws itself when a workbook opens or is erased.
        return BuiltStep(self.start.view, self.start.refresh, stale=lambda: False)

    def _prebuild_later(self) -> None:
        """Build the next unbuilt step while the learner reads this one, so moving on is
        quick. Only in a running kernel (its event loop); a build takes 0.2-0.8 s."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._prebuild is not None:
            self._prebuild.cancel()
        self._prebuild = loop.call_later(PREBUILD_DELAY, self._prebuild_next)

    def _prebuild_next(self) -> None:
        self._prebuild = None
        if not self.session.is_open:
            return
        i = self.steps.index(self.current)
        for step in (*self.steps[i + 1:], *self.steps[:i]):
            if step not in self._built:
                try:
                    self._built[step] = self._build(step)
                except Exception:
                    log.exception("building step %s ahead failed", step)
                    return
                self._prebuild_later()
                return

    def _neighbour(self, offset: int) -> str:
        i = self.steps.index(self.current) + offset
        return self.steps[max(0, min(i, len(self.steps) - 1))]

    # -- chrome ----------------------------------------------------------------------------

    def _nav_button(self, step: str) -> widgets.Button:
        c = content_mod.get()
        button = widgets.Button(description=c.step_name(self.definition.step(step)))
        button.add_class("trace-nav-step")
        button.add_class(f"trace-nav-{step}")
        button.on_click(lambda _: self.go(step))
        return button

    def _counts(self, step: str) -> tuple[int, int]:
        """(statements answered, statements) of the space ``step`` rates; "not sure" is an
        answer. A step that rates nothing has (0, 0)."""
        c = content_mod.get()
        spec = self.definition.step(step)
        bank = rated_instrument(spec)
        if spec.space is None or bank is None:
            return 0, 0
        ids = [s.id for s in c.instrument(bank or None).statements(space=spec.space)]
        return sum(self.session.has(i) for i in ids), len(ids)

    def _rated(self, step: str) -> bool:
        rated, total = self._counts(step)
        return total > 0 and rated == total

    def _progress(self, done: set[str]) -> str:
        c = content_mod.get()
        spec = self.definition.step(self.current)
        name = c.step_name(spec)
        space = spec.space is not None and self.session.is_open
        rated, statements = self._counts(spec.id) if spec.space and space else (0, 0)
        space_steps = self._space_steps()
        if self.single:
            if space:
                return c.text("journey.progress.single_space", name=name, rated=rated,
                              statements=statements)
            if spec.type == "plan" and self.session.is_open:
                return c.text("journey.progress.single_plan", done=len(done),
                              spaces=len(space_steps))
            return ""
        i = self.steps.index(self.current)
        spaces = sum(s in self.steps for s in space_steps)
        if space:
            return c.text("journey.progress.space", number=i + 1, total=len(self.steps),
                          name=name, rated=rated, statements=statements)
        return c.text("journey.progress", number=i + 1, total=len(self.steps), name=name,
                      done=len(done), spaces=spaces)

    def _update_links(self) -> None:
        """The Back and Next links of a numbered notebook. In JupyterLab they open the notebook
        beside this one (the notebooks share the workbook); in Voila they carry the workbook
        code, as the app's address does."""
        if not self.single:
            return
        c = content_mod.get()
        every = self.definition.step_ids
        i = every.index(self.single)
        token = self.session.token
        query = "?" + urlencode({"p": token}) if token and not self.lab else ""
        links = []
        for kind, j in (("back", i - 1), ("next", i + 1)):
            if 0 <= j < len(every):
                href = escape(notebook_file(every[j]) + query)
                text = c.text(f"journey.links.{kind}",
                              name=c.step_name(self.definition.steps[j]))
                links.append(f'<a class="trace-{kind}-link" href="{href}">{escape(text)}</a>')
        label = escape(c.text("journey.nav.label"))
        html = (f'<div class="trace-links-output"><nav class="trace-steplinks" '
                f'aria-label="{label}">{" ".join(links)}</nav></div>')

        if html != self.links_html:
            self.links_html = html
            if self._links is not None:
                from IPython.display import HTML  # noqa: PLC0415

                self._links.update(HTML(html))  # type: ignore[attr-defined]

    def show_links(self) -> None:
        """Display the Back and Next links under the journey, as an output of their own, so
        JupyterLab opens the notebooks they point to in place (it does so for links in
        outputs, not for those inside widgets)."""
        from IPython.display import HTML, display  # noqa: PLC0415

        self._update_links()
        self._links = display(HTML(self.links_html), display_id=True)

    def _update_chrome(self) -> None:
        c = content_mod.get()
        is_open = self.session.is_open
        space_steps = self._space_steps()
        counted = space_steps if self.single else self.steps
        done = {s for s in space_steps if s in counted and is_open and self._rated(s)}
        for step, button in self.nav_buttons.items():
            name = c.step_name(self.definition.step(step))
            mark = c.text("journey.nav.done_mark") + " " if step in done else ""
            button.description = mark + name
            button.button_style = "primary" if step == self.current else ""
            button.disabled = self._type(step) != "start" and not is_open
        i = self.steps.index(self.current)
        self.progress.value = self._progress(done)
        self.progress.layout.display = "" if self.progress.value else "none"
        self._update_links()
        self.back.disabled = i == 0
        self.next.disabled = i == len(self.steps) - 1 or not is_open
        joining = self.start.joining.code if self.start.joining and not is_open else ""
        # A learner on their own following another journey keeps it in the address (a
        # workshop's participants follow their workshop's).
        chosen = self.definition.id if self.definition.id != content_mod.DEFAULT_JOURNEY \
            and not self.session.workshop and not self._fixed else ""
        self.address.show(p=self.session.token or "", w=joining, j=chosen,
                          step=self.current if is_open else "")

    def _notice(self, key: str) -> widgets.Widget:
        return self._notice_text(content_mod.get().text(key))

    @staticmethod
    def _notice_text(text: str) -> widgets.Widget:
        notice = widgets.Label(text)
        notice.add_class("trace-notice")
        return notice


    def open_request(self) -> None:
        """Open what the visitor's address asks for. In the app this waits for the request
        (a preheated kernel runs the notebook before anyone asks); in JupyterLab it does not."""
        self.open(settings.request_query())


class WaitingForStore:
    """Shown instead of the journey when the store could not be opened as the kernel warmed
    up (a database restarting, say): it says so plainly, and tries again when the visitor
    arrives."""

    def __init__(self) -> None:
        self.view = widgets.VBox([Journey._notice_text(content_mod.ui("journey.store_down"))])
        self.view.add_class("trace-journey")
        self.journey: Journey | None = None

    def open_request(self) -> None:
        query = settings.request_query()
        try:
            self.journey = Journey()
        except StoreError as err:
            # The details (a path, a server name) are for the log, not the visitor.
            log.warning("store still unavailable: %s", err)
            return
        self.view.children = (self.journey.view,)
        self.journey.open(query)


def prepare() -> Journey | WaitingForStore:
    """Build and show the journey; call ``open_request()`` on it in the next cell, so the
    page is sent to the visitor while their workbook opens."""
    from IPython.display import display  # noqa: PLC0415

    try:
        journey: Journey | WaitingForStore = Journey(lab=not settings.in_voila())
    except StoreError as err:
        log.warning("store unavailable as the kernel warmed up: %s", err)
        journey = WaitingForStore()
    display(journey.page if isinstance(journey, Journey) else journey.view)
    warm_up()
    return journey


def step(name: str) -> None:
    """Show one step on its own, for the numbered notebooks (JupyterLab, or one Voila page):
    the start step comes first until a workbook is open. Returns nothing, so the notebook
    shows only the workbook (no object under it)."""
    from IPython.display import display  # noqa: PLC0415

    definition = content_mod.journey()
    if name not in definition.step_ids:
        raise ValueError(content_mod.ui("journey.error.unknown_step", step=name,
                                        known=", ".join(definition.step_ids)))
    start = definition.steps[0].id
    journey = Journey(steps=(start,) if name == start else (start, name), single=name,
                      lab=not settings.in_voila())
    display(journey.page)
    journey.show_links()
    journey.open({**settings.request_query(), "step": name})
