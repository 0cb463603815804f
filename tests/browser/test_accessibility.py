"""Every step passes axe (WCAG 2.2 AA) and the whole journey works with the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from trace_widgets import content
from trace_widgets.store import open_store

from .conftest import VoilaServer
from .journey_steps import SPACES, open_app, statement_ids

pytestmark = pytest.mark.browser

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
STEPS = ["start", *SPACES, "plan"]


def filled_workbook(store_url: str) -> str:
    """A workbook with every part answered, so every kind of control is on the pages."""
    c = content.get()
    with open_store(store_url) as store:
        token = store.new_participant(consent=True)
        values: dict[str, object] = {}
        for space in SPACES:
            values.update({item: 1 + i % 5 for i, item in enumerate(statement_ids(space))})
            values[c.cell("task", space).prompts[0].id] = "What I notice."
            values[f"priorities.{space}"] = "task"
        values.update({"plan.1.element": "task", "plan.1.space": "team",
                       "plan.1.what": "Agree our purpose.", "plan.1.when": "2027-01-31"})
        store.save(token, values)
    return token


def axe_violations(page: Page) -> str:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    return "" if results.violations_count == 0 else results.generate_report()


@pytest.mark.parametrize("width", [1280, 360])
def test_every_step_passes_axe(voila: VoilaServer, page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_app(page, voila.app())
    expect(page.locator(".trace-consent-agree")).to_be_visible()
    assert axe_violations(page) == "", "start step, before a workbook"
    token = filled_workbook(voila.store)
    open_app(page, voila.app(f"p={token}&step=start"))
    for step in STEPS:
        page.locator(f"button.trace-nav-{step}").click()
        expect(page.locator(f".trace-step-{step}")).to_be_visible(timeout=30_000)
        if step != "start":
            expect(page.locator(f".trace-step-{step} .trace-chart svg").first).to_be_visible()
            # A screen reader hears "Saved" without going there.
            status = page.locator(f".trace-step-{step} .trace-save-status").first
            expect(status).to_have_attribute("role", "status")
            expect(status).to_have_attribute("aria-live", "polite")
        assert axe_violations(page) == "", f"step {step} at {width} px"


def tab_to(page: Page, wanted: Callable[[dict[str, str]], bool], *, limit: int = 400,
           key: str = "Tab") -> None:
    """Press Tab until the focused element is the one wanted (as a screen reader user would
    move through the page), or fail."""
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(
            "() => { const e = document.activeElement; const l = e.labels && e.labels[0];"
            " return {tag: e.tagName, type: e.type || '', text: (e.innerText || '').trim(),"
            " label: l ? l.innerText.trim() : '', cls: (e.className || '').toString(),"
            " parent: (e.closest('[class*=trace-]') || {className: ''}).className.toString()}"
            " }")
        if wanted(focused):
            return
    raise AssertionError(f"could not reach the element with {key}")


def button(text: str) -> Callable[[dict[str, str]], bool]:
    return lambda f: f["tag"] == "BUTTON" and f["text"].replace("\xa0", " ").endswith(text)


def test_whole_journey_with_the_keyboard_alone(voila: VoilaServer, page: Page) -> None:
    c = content.get()
    open_app(page, voila.app())
    page.locator("body").focus()
    tab_to(page, lambda f: f["type"] == "checkbox" and "agree" in f["label"])
    page.keyboard.press("Space")
    tab_to(page, button(c.text("journey.start.button")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]p=[A-Z2-7]{32}"), timeout=60_000)
    token = re.search(r"p=([A-Z2-7]{32})", page.url).group(1)  # type: ignore[union-attr]

    for space in SPACES:
        tab_to(page, button(c.text("journey.nav.next")))
        page.keyboard.press("Enter")
        expect(page.locator(f".trace-step-{space}")).to_be_visible(timeout=30_000)
        for i, item in enumerate(statement_ids(space)):
            css = f"trace-rating-{item.replace('.', '-')}"
            tab_to(page, lambda f, css=css: f["tag"] == "SELECT" and css in f["parent"])
            for _ in range(1 + i % 5):
                page.keyboard.press("ArrowDown")
        expect(page.locator(f"button.trace-nav-{space}")).to_contain_text("✓", timeout=30_000)
        tab_to(page, lambda f: f["tag"] == "TEXTAREA")
        page.keyboard.type(f"Typed in {space}.")
        expect(page.locator(f".trace-step-{space} .trace-reflection-exercise "
                            ".trace-save-message").filter(has_text=re.compile(r"^Saved$")).first
               ).to_be_visible(timeout=60_000)

    tab_to(page, button(c.text("journey.nav.next")))
    page.keyboard.press("Enter")
    expect(page.locator(".trace-step-plan")).to_be_visible(timeout=30_000)
    tab_to(page, lambda f: f["type"] == "checkbox")
    page.keyboard.press("Space")
    tab_to(page, button(c.text("plan.add")))
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "TEXTAREA" and "trace-plan-text" in f["parent"])
    page.keyboard.type("Ask the team what done looks like.")
    expect(page.locator("a.trace-download")).to_have_attribute(
        "href", re.compile(re.escape(quote("Ask the team what done looks like.", safe=""))),
        timeout=60_000)
    tab_to(page, lambda f: f["tag"] == "A" and "trace-download" in f["cls"])
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith((".md", ".txt"))

    with open_store(voila.store) as store:
        saved = store.current(token).set_index("item")["value"].to_dict()
    for space in SPACES:
        for i, item in enumerate(statement_ids(space)):
            assert saved[item] == 1 + i % 5, item  # ArrowDown n times picks scale point n
        assert f"Typed in {space}." in saved.values()
    assert "Ask the team what done looks like." in saved.values()
