"""The coach's pages pass axe (WCAG 2.2 AA) like the journey's, at 1280 and 360 px: the
forms, the live dashboard and the closed view; and a coach can open, watch and close a
workshop with the keyboard alone."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from trace_widgets import content, workshop
from trace_widgets.store import open_store

from ..servers import VoilaServer
from .journey_steps import statement_ids
from .test_accessibility import axe_violations, button, tab_to

pytestmark = pytest.mark.browser


def _open_forms(page: Page, voila: VoilaServer) -> None:
    page.goto(voila.page("coach.ipynb"))
    expect(page.locator(".trace-coach-new")).to_be_visible(timeout=60_000)
    expect(page.locator(".trace-coach-open")).to_be_visible()


def check_view(page: Page, what: str, width: int) -> None:
    """axe finds nothing, and nothing is wider than the window (WCAG 1.4.10 reflow, which
    axe does not test): at 360 px a coach on a phone scrolls down, never sideways."""
    assert axe_violations(page) == "", f"{what} at {width} px"
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right
                     > document.documentElement.clientWidth + 1
                     && getComputedStyle(e).position !== 'fixed'
                     && !e.closest('[style*="overflow"], .jp-OutputArea-output table'))
        .map(e => e.className.toString() || e.tagName).slice(0, 5)""")
    assert wide == [], f"{what} at {width} px is wider than the window: {wide}"


def filled_workshop(store_url: str, n: int) -> dict[str, str]:
    """A team-space workshop where five people rated every team statement; its address."""
    with open_store(store_url) as s:
        w, key = workshop.open_workshop(s, f"Axe room {n}", "cohort", ["team"])
        for person in range(5):
            token = s.new_participant(workshop=w.code, consent=True)
            s.save(token, {item: 1 + (person + i) % 5
                           for i, item in enumerate(statement_ids("team"))})
    return {"w": w.code, "k": key}


@pytest.mark.parametrize("width", [1280, 360])
def test_coach_pages_pass_axe(voila: VoilaServer, page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    _open_forms(page, voila)
    check_view(page, "coach forms", width)
    page.locator(".trace-coach-title input").fill(f"Axe at {width}")
    page.locator(".trace-coach-space-team input").check()
    page.locator("button.trace-coach-open-new").click()
    expect(page.locator(".trace-coach-new-code")).to_be_visible(timeout=20_000)
    check_view(page, "a new workshop's code and key", width)
    # A workshop with answers, so the dashboard shows figures as well as withheld cells.
    page.goto(voila.page("coach.ipynb", urlencode(filled_workshop(voila.store, width))))
    expect(page.locator('.trace-coach-grid td[data-state="shown"]').first).to_be_visible(
        timeout=60_000)
    check_view(page, "dashboard", width)
    page.locator("button.trace-coach-close").click()
    expect(page.locator("button.trace-coach-close-confirm")).to_be_visible()
    check_view(page, "closing, asked to confirm,", width)
    page.locator("button.trace-coach-close-confirm").click()
    expect(page.locator(".trace-coach-download a")).to_be_visible(timeout=20_000)
    check_view(page, "closed view", width)


def test_a_coach_runs_a_workshop_with_the_keyboard_alone(voila: VoilaServer,
                                                         page: Page) -> None:
    c = content.get()
    _open_forms(page, voila)
    page.locator("body").focus()
    tab_to(page, lambda f: f["tag"] == "INPUT" and "trace-coach-title" in f["parent"])
    page.keyboard.type("Keyboard workshop")
    # The journey, by its name: the pulse, one statement per condition and space.
    tab_to(page, lambda f: f["tag"] == "SELECT" and "trace-coach-journey" in f["parent"]
           and f["label"] == c.text("coach.new.journey"))
    page.keyboard.press("ArrowDown")
    # ipywidgets gives each option its label as its value.
    expect(page.locator(".trace-coach-journey select")).to_have_value(
        c.text(c.journey("pulse").label))
    # The pulse's plan holds the action plan only: the reflection is not offered.
    expect(page.locator(".trace-coach-exercise-reflection")).to_be_hidden()
    tab_to(page, lambda f: f["type"] == "checkbox" and "trace-coach-space-team" in f["parent"])
    page.keyboard.press("Space")
    tab_to(page, button(c.text("coach.new.submit")))
    page.keyboard.press("Enter")
    expect(page.locator(".trace-coach-new-code")).to_be_visible(timeout=20_000)
    code = page.locator(".trace-coach-new-code").inner_text().strip()
    with open_store(voila.store) as store:
        assert store.workshop(code).journey == "pulse"
    tab_to(page, lambda f: f["tag"] == "BUTTON" and "trace-coach-go" in f["cls"])
    page.keyboard.press("Enter")
    expect(page.locator(".trace-coach-grid")).to_be_visible(timeout=20_000)
    tab_to(page, lambda f: f["tag"] == "BUTTON" and "trace-coach-close" in f["cls"]
           and "confirm" not in f["cls"])
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and "trace-coach-close-confirm" in f["cls"])
    page.keyboard.press("Enter")
    expect(page.locator(".trace-coach-download a")).to_be_visible(timeout=20_000)
    tab_to(page, lambda f: f["tag"] == "A" and "download" in f["parent"] + f["cls"])
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
