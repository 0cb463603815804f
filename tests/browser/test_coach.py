"""A coach and a room of six: the dashboard fills in by itself, a cell only from k raters."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from trace_widgets import content, settings

from ..servers import VoilaServer
from .conftest import Offline, new_context
from .journey_steps import rate

pytestmark = pytest.mark.browser

PARTICIPANTS = 6
K = settings.Settings.from_env({}).anonymity_k  # the server runs with the default floor
CELL = ("task", "team")
REFRESH_WAIT = 20_000  # ms: a few refreshes of the dashboard, on a busy two-core machine


def cell(coach: Page, element: str, space: str) -> Locator:
    return coach.locator(f'.trace-coach-grid td[data-element="{element}"][data-space="{space}"]')


def open_workshop_as_coach(coach: Page, voila: VoilaServer) -> str:
    """Fill in the new-workshop form; return the join code; go to the dashboard."""
    coach.goto(voila.page("coach.ipynb"))
    expect(coach.locator(".trace-coach-new")).to_be_visible(timeout=60_000)
    coach.locator(".trace-coach-title input").fill("Ward leaders (browser test)")
    coach.locator(".trace-coach-space-team input").check()
    coach.locator("button.trace-coach-open-new").click()
    code_box = coach.locator(".trace-coach-new-code")
    expect(code_box).to_be_visible(timeout=20_000)
    code = code_box.inner_text().strip()
    key = coach.locator(".trace-coach-key input").input_value()
    assert len(code) == 6
    assert len(key) == 32
    expect(coach.locator(".trace-coach-join-link a")).to_have_attribute(
        "href", f"{voila.url}/voila/render/app.ipynb?w={code}")
    coach.locator("button.trace-coach-go").click()
    expect(coach.locator(".trace-coach-grid")).to_be_visible(timeout=20_000)
    # The key has left the page and the address bar (it would be on the projector).
    expect(coach.locator(".trace-coach-key")).to_have_count(0)
    assert key not in coach.content()
    assert "k=" not in coach.url
    return code


def join(page: Page, voila: VoilaServer, code: str, *, typed: bool) -> None:
    """Join by the link, or by typing the code as people do (small letters, a dash)."""
    if typed:
        expect(page.locator(".trace-join-code input")).to_be_visible(timeout=90_000)
        page.locator(".trace-join-code input").fill(f"{code[:3].lower()}-{code[3:].lower()}")
        page.locator("button.trace-join").click()
    expect(page.locator(".trace-joining")).to_be_visible(timeout=90_000)
    page.locator(".trace-consent-agree input").check()
    page.locator("button.trace-start").click()
    expect(page.locator(".trace-workbook-code input")).not_to_have_value("", timeout=30_000)


def rate_cell(page: Page, element: str, space: str, score: int) -> None:
    """Rate every statement of one cell so that its cell score is ``score``."""
    labels = [p.label for p in content.get().scale.points]
    nav = page.locator(f"button.trace-nav-{space}")
    if not page.locator(f".trace-step-{space}").is_visible():
        nav.click()
    expect(page.locator(f".trace-step-{space}")).to_be_visible(timeout=30_000)
    for st in content.cell(element, space).statements:
        value = 6 - score if st.reverse else score
        rate(page, st.id, labels[value - 1])
    expect(page.locator(f".trace-step-{space} .trace-save-message").first).to_have_text(
        "Saved", timeout=30_000)


def test_coach_sees_the_room_fill_in_with_the_floor(voila: VoilaServer, browser: Browser,
                                                   offline: Offline) -> None:
    contexts: list[BrowserContext] = []
    try:
        coach_ctx = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        contexts.append(coach_ctx)
        coach = coach_ctx.new_page()
        code = open_workshop_as_coach(coach, voila)
        coach.evaluate("window.__traceNoReload = true")
        withheld = cell(coach, *CELL)
        expect(withheld).to_have_attribute("data-state", "withheld")

        # Six people open the workbook at the same moment: four by the link, two by typing.
        people: list[Page] = []
        for n in range(PARTICIPANTS):
            ctx = new_context(browser, offline, viewport={"width": 390, "height": 844},
                              is_mobile=n % 2 == 0, has_touch=n % 2 == 0)
            contexts.append(ctx)
            page = ctx.new_page()
            typed = n in (1, 4)
            page.goto(voila.app() if typed else voila.app(f"w={code}"), wait_until="commit")
            people.append(page)
        started = time.monotonic()
        for n, page in enumerate(people):
            join(page, voila, code, typed=n in (1, 4))
        joined_s = time.monotonic() - started

        # Fewer than k: the cell stays withheld however long the coach waits.
        for n, page in enumerate(people[:K - 1]):
            rate_cell(page, *CELL, score=2 + n)
        expect(coach.locator(".trace-coach-progress")).to_contain_text(
            f"{K - 1} started", timeout=REFRESH_WAIT)
        coach.wait_for_timeout(4_000)  # more than one refresh
        expect(withheld).to_have_attribute("data-state", "withheld")
        expect(withheld).to_contain_text(f"fewer than {K}")

        # The k-th answers: the cell appears by itself, without a reload.
        rate_cell(people[K - 1], *CELL, score=5)
        expect(withheld).to_have_attribute("data-state", "shown", timeout=REFRESH_WAIT)
        expect(withheld.locator(".trace-coach-figures")).to_contain_text(f"{K} people")
        expected = sum([*(2 + n for n in range(K - 1)), 5]) / K
        expect(withheld.locator(".trace-coach-mean")).to_have_text(f"{expected:.1f}")

        # The rest of the room answers a different cell: it fills in too.
        for page in people[K:]:
            rate_cell(page, "route", "team", score=3)
        route = cell(coach, "route", "team")
        expect(route).to_have_attribute("data-state", "shown", timeout=REFRESH_WAIT)
        expect(coach.locator(".trace-coach-progress")).to_contain_text(
            f"{PARTICIPANTS} started", timeout=REFRESH_WAIT)
        assert coach.evaluate("window.__traceNoReload") is True
        assert joined_s < 300, f"six people took {joined_s:.0f} s to join"

        # Close: the answers freeze, the CSV is offered.
        coach.locator("button.trace-coach-close").click()
        coach.locator("button.trace-coach-close-confirm").click()
        expect(coach.locator(".trace-coach-download a")).to_be_visible(timeout=20_000)
        expect(coach.locator(".trace-coach-live")).to_contain_text("Closed at")
    finally:
        for ctx in contexts:
            ctx.close()
    assert offline.refused == [], f"a page tried to reach the internet: {offline.refused}"


def test_a_guessed_dashboard_address_shows_only_the_forms(voila: VoilaServer,
                                                          page: Page) -> None:
    page.goto(voila.page("coach.ipynb", "w=ABCDEF&k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
    expect(page.locator(".trace-coach-open .trace-message")).to_have_text(
        content.get().text("workshop.coach_denied"), timeout=60_000)
    expect(page.locator(".trace-coach-grid")).to_have_count(0)
