"""A learner walks the whole journey in Chromium, then resumes it from the link."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from trace_widgets import content
from trace_widgets.store import open_store

from ..servers import VoilaServer
from .conftest import Offline, new_context
from .journey_steps import (
    SPACES,
    open_app,
    rate,
    rating_for,
    rating_value,
    selected_label,
    statement_ids,
)

pytestmark = pytest.mark.browser

REFLECTION = "We rarely agree what done looks like <b>not bold</b> & that's fine"
ACTION = "Agree a one-line purpose with the team on Monday"


def go_to(page: Page, step: str) -> None:
    page.locator(f"button.trace-nav-{step}").click()
    expect(page.locator(f".trace-step-{step}")).to_be_visible(timeout=30_000)


def test_whole_journey_then_resume(voila: VoilaServer, browser: Browser, offline: Offline,
                                   tmp_path: Path) -> None:
    context = new_context(browser, offline, viewport={"width": 1280, "height": 900},
                          accept_downloads=True)
    page = context.new_page()
    open_app(page, voila.app())

    # Start: consent, then the workbook is open and its code is in the address.
    page.locator(".trace-consent-agree input").check()
    page.locator("button.trace-start").click()
    code = page.locator(".trace-workbook-code input")
    expect(code).not_to_have_value("", timeout=60_000)
    token = code.input_value()
    expect(page).to_have_url(re.compile(f"[?&]p={token}"))

    # Every space: rate every statement, then reflect on the lowest and highest.
    c = content.get()
    for space in SPACES:
        go_to(page, space)
        areas = page.locator(f".trace-step-{space} .trace-reflection textarea")
        # Two conditions rated: questions come. In the first space the pair then moves
        # (task to capability as lowest); the learner types in one question at once and
        # rates on: no box shown goes while the learner is on the step.
        two = sum(len(c.cell(e.id, space).statements) for e in c.elements[:2])
        for i, item in enumerate(statement_ids(space)):
            rate(page, item, rating_for(i))
            if space == SPACES[0] and i + 1 == two:
                expect(areas.first).to_be_visible(timeout=60_000)
                first = areas.element_handles()
                areas.first.press_sequentially(f"{space}: {REFLECTION}"[:12])
        expect(page.locator(f"button.trace-nav-{space}")).to_contain_text("✓", timeout=30_000)
        if space == SPACES[0]:
            expect(areas).not_to_have_count(len(first), timeout=30_000)  # the new pair's
            assert all(a.evaluate("e => e.isConnected") for a in first)
            assert first[0].input_value() == f"{space}: {REFLECTION}"[:12]
        expect(areas.first).to_be_visible(timeout=60_000)
        areas.first.fill(f"{space}: {REFLECTION}")
        expect(page.locator(f".trace-step-{space} .trace-reflection-exercise "
                            ".trace-save-message").filter(has_text=re.compile(r"^Saved$")).first
               ).to_be_visible(timeout=60_000)
        expect(page.locator(f".trace-step-{space} .trace-chart svg")).to_be_visible()

    # The plan: the grid, a priority in each space, one action, and the download.
    go_to(page, "plan")
    expect(page.locator(".trace-step-plan .trace-chart svg").first).to_be_visible()
    for n in range(len(SPACES)):
        exercise = page.locator(".trace-priorities-exercise").nth(n)
        exercise.locator(".trace-priority-task input").check()
        expect(exercise.locator(".trace-save-message")).to_have_text("Saved")
    page.locator("button.trace-add").click()
    expect(page.locator(".trace-plan-element select")).to_have_value(
        re.compile("Task"), timeout=60_000)
    page.locator(".trace-plan-text textarea").first.fill(ACTION)
    expect(page.locator("a.trace-download")).to_have_attribute(
        "href", re.compile(re.escape(quote(ACTION, safe=""))), timeout=60_000)
    with page.expect_download() as download_info:
        page.locator("a.trace-download").click()
    plan = (tmp_path / "plan.md")
    download_info.value.save_as(plan)
    assert ACTION in plan.read_text(encoding="utf-8")
    context.close()

    # Everything is in the store, exactly.
    with open_store(voila.store) as store:
        saved = store.current(token).set_index("item")["value"].to_dict()
    for space in SPACES:
        for i, item in enumerate(statement_ids(space)):
            assert saved[item] == rating_value(rating_for(i)), item

    # A new browser opens the resume link and finds every answer.
    again = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = again.new_page()
    open_app(page, voila.app(f"p={token}"))
    for space in SPACES:
        go_to(page, space)
        for i, item in enumerate(statement_ids(space)):
            assert selected_label(page, item) == rating_for(i), item
        # The question written to is back (questions may come in another order: while
        # the learner rated, the lowest and highest moved and unwritten ones gave way).
        page.wait_for_function(
            "([sel, text]) => [...document.querySelectorAll(sel)].some(e => e.value === text)",
            arg=[f".trace-step-{space} .trace-reflection textarea", f"{space}: {REFLECTION}"],
            timeout=10_000)
    go_to(page, "plan")
    expect(page.locator(".trace-plan-text textarea").first).to_have_value(ACTION)
    again.close()


def test_unknown_workbook_gets_a_plain_message(voila: VoilaServer, page: Page) -> None:
    open_app(page, voila.app("p=NOSUCHWORKBOOKAAAAAAAAAAAAAAAAAA"))
    expect(page.locator(".trace-notice:not(.trace-round-notice)")).to_have_text(
        content.get().text("journey.resume.not_found"))
    assert "Traceback" not in page.content()
