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

from ..servers import VoilaServer
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
            " parent: (e.closest('[class*=trace-]') || {className: ''}).className.toString(),"
            " group: (e.closest('fieldset') || {className: ''}).className.toString()}"
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
            # One Tab from one statement to the next: a group is one stop, as radios are.
            tab_to(page, lambda f, css=css: f["type"] == "radio" and css in f["group"],
                   limit=400 if i == 0 else 1)
            page.keyboard.press("Space")  # the first choice
            for _ in range(i % 5):
                page.keyboard.press("ArrowDown")  # arrows move within the group
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
            assert saved[item] == 1 + i % 5, item  # Space, then ArrowDown n times: point n + 1
        assert f"Typed in {space}." in saved.values()
    assert "Ask the team what done looks like." in saved.values()


def test_each_statement_is_a_radio_group_a_screen_reader_can_use(
        voila: VoilaServer, page: Page) -> None:
    """What a screen reader hears: per statement a radio group named by the statement, six
    named radios, the checked one, and whether the answer is saved."""
    c = content.get()
    token = filled_workbook(voila.store)  # rated 1 + i % 5 in every space
    open_app(page, voila.app(f"p={token}&step=team"))
    choices = [*(p.label for p in c.scale.points), c.text("rating.not_sure")]
    statements = [s for e in c.elements for s in c.cell(e.id, "team").statements]
    expect(page.get_by_role("radiogroup")).to_have_count(len(statements), timeout=60_000)
    for i, st in enumerate(statements):
        group = page.get_by_role("radiogroup", name=st.text, exact=True)
        expect(group).to_have_count(1)
        expect(group).to_have_accessible_description(c.text("rating.status.saved"))
        radios = group.get_by_role("radio")
        expect(radios).to_have_count(len(choices))
        for n, label in enumerate(choices):
            radio = group.get_by_role("radio", name=label, exact=True)
            if n == i % 5:
                expect(radio).to_be_checked()
            else:
                expect(radio).not_to_be_checked()
    first = page.get_by_role("radiogroup", name=statements[0].text, exact=True)
    expect(first).to_match_aria_snapshot(
        f'- radiogroup "{statements[0].text}":\n'
        + "".join(f'  - radio "{label}"{" [checked]" if n == 0 else ""}\n'
                  for n, label in enumerate(choices)))

    # 24 px targets, and a focus ring a keyboard user can see.
    radio = first.get_by_role("radio", name=choices[2], exact=True)
    box = radio.bounding_box()
    assert box is not None
    assert box["width"] >= 24
    assert box["height"] >= 24
    first.get_by_role("radio", name=choices[0], exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(first.get_by_role("radio", name=choices[1], exact=True)).to_be_focused()
    ring = first.locator("label.trace-rating-choice").nth(1).evaluate(
        "l => getComputedStyle(l).boxShadow")
    assert ring != "none"
