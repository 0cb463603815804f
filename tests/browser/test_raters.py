"""Others' views and rounds in Chromium: a learner invites four raters (one line manager),
each answers on their own link in their own browser, and the learner's workbook shows self
against others where the floors are met and withholds the group below its floor. Then a
second round: an unchanged value chosen again counts, and the trend shows both rounds.
Raters' comments follow the same floors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from trace_widgets import content

from ..servers import VoilaServer
from .conftest import Offline, new_context
from .journey_steps import open_app, rate, rating_group, statement_ids, wait_saved

pytestmark = pytest.mark.browser

SCALE = [p.label for p in content.get().scale.points]
COMMENTS = {"manager": "<b>Clear</b> about what matters most.",
            "peer": "A peer's comment.", "report": "A comment from someone Sam leads."}


def go_to(page: Page, step: str) -> None:
    page.locator(f"button.trace-nav-{step}").click()
    expect(page.locator(f".trace-step-{step}")).to_be_visible(timeout=30_000)


def start_workbook(page: Page, voila: VoilaServer, name: str) -> None:
    open_app(page, voila.app())
    page.locator(".trace-consent-agree input").check()
    page.locator(".trace-name input").fill(name)
    page.locator("button.trace-start").click()
    expect(page.locator(".trace-workbook-code input")).not_to_have_value("", timeout=60_000)


def rate_all(page: Page, space: str, score: int) -> None:
    """Rate every statement of a space so that each scores ``score`` (reverse-worded ones
    are answered the other way round)."""
    for item in statement_ids(space):
        value = 6 - score if content.item(item).reverse else score
        rate(page, item, SCALE[value - 1])
    wait_saved(page)


def new_link(page: Page, group: str) -> str:
    box = page.locator(".trace-link-box")
    before = box.input_value() if box.count() and box.is_visible() else ""
    page.locator(f"button.trace-invite-{group}").click()
    expect(box).not_to_have_value(before or "", timeout=30_000)
    link = box.input_value()
    assert re.search(r"\?r=[A-Z2-7]{32}$", link), link
    return link


def test_raters_answer_on_their_links_and_floors_decide_what_the_learner_sees(
        voila: VoilaServer, browser: Browser, offline: Offline) -> None:
    learner_ctx = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = learner_ctx.new_page()
    start_workbook(page, voila, "Sam Rivera")
    go_to(page, "team")
    rate_all(page, "team", 5)  # the learner: the top score throughout
    go_to(page, "plan")
    # Only the team space, so each rater has 15 statements.
    for space in ("organisation", "system"):
        page.locator(f".trace-rater-space-{space} input").uncheck()
    links = {"manager": [new_link(page, "manager")],
             "peer": [new_link(page, "peer"), new_link(page, "peer")],
             "report": [new_link(page, "report")]}

    for group, urls in links.items():
        for url in urls:
            ctx = new_context(browser, offline, viewport={"width": 390, "height": 800})
            rater = ctx.new_page()
            rater.goto(url)
            expect(rater.locator(".trace-rater-page h1")).to_have_text(
                "Rate Sam's leadership", timeout=60_000)
            privacy = rater.locator(".trace-rater-privacy")
            if group == "manager":
                expect(privacy).to_contain_text("not anonymous")
            else:
                expect(privacy).to_contain_text("at least 2 other people")
            expect(rater.locator(".trace-journey .trace-nav")).to_have_count(0)
            rater.locator(".trace-rater-agree input").check()
            rater.locator("button.trace-rater-start").click()
            rate_all(rater, "team", 2 if group != "manager" else 3)
            comment = rater.locator(".trace-rater-comment textarea")
            expect(comment).to_have_accessible_name(re.compile("Sam's leadership in Team"))
            comment.fill(COMMENTS[group])
            status = rater.locator(".trace-rater-page > .trace-save-status .trace-save-message")
            expect(status).to_have_text("Saved", timeout=20_000)
            # Back by the same link: the answers and the comment are there.
            rater.goto(url)
            first = statement_ids("team")[0]
            expect(rating_group(rater, first).locator("input:checked")).to_have_count(
                1, timeout=60_000)
            expect(rater.locator(".trace-rater-comment textarea")).to_have_value(
                COMMENTS[group])
            ctx.close()

    page.locator("button.trace-check-raters").click()
    counts = page.locator(".trace-rater-counts")
    expect(counts).to_contain_text("Round 1")
    peers_row = counts.locator("tr", has_text="Peers")
    expect(peers_row.locator("td")).to_have_text(["2", "2"])
    page.locator("button.trace-close-raters").click()
    results = page.locator(".trace-others-results")
    expect(results).to_contain_text("You and others", timeout=30_000)
    groups = page.locator(".trace-others-groups table")
    header = [t.strip() for t in groups.locator("thead th").all_inner_texts()]
    assert header[-6:] == ["You", "Line manager", "Peers", "People you lead", "Others",
                           "All others"]
    row = groups.locator("tbody tr").first.locator("td")
    expect(row).to_have_text(["5.0", "3.0", "Withheld: fewer than 3 answered",
                              "Withheld: fewer than 3 answered",
                              "Withheld: fewer than 3 answered", re.compile(r"\d\.\d")])
    expect(page.locator(".trace-others-summary")).to_contain_text("Task in Team")
    expect(page.locator(".trace-others-flags")).to_contain_text("Blind spot")
    chart = page.locator(".trace-others-results figure.trace-chart")
    expect(chart.locator("svg").first).to_be_visible()
    expect(chart.locator("table")).to_contain_text("All others")
    # Comments by the same floors: the manager's, as written (never markup); the two peers'
    # and the one report's are not shown, and the page does not say whether they wrote.
    said = page.locator(".trace-others-comments")
    expect(said.locator(".trace-comments li")).to_have_text([COMMENTS["manager"]])
    expect(said.locator("b")).to_have_count(0)
    expect(said).to_contain_text("Team: Line manager (1)")
    expect(said).to_contain_text("Peers (fewer than 3), People you lead (fewer than 3)")
    expect(said).not_to_contain_text(COMMENTS["peer"])
    learner_ctx.close()


def test_a_second_round_counts_an_unchanged_value_and_the_trend_shows_both(
        voila: VoilaServer, browser: Browser, offline: Offline) -> None:
    ctx = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    start_workbook(page, voila, "")
    go_to(page, "self")
    rate_all(page, "self", 4)
    go_to(page, "plan")
    page.locator("button.trace-new-round-button").click()
    expect(page.locator(".trace-round-note")).to_contain_text("round 2", timeout=30_000)
    go_to(page, "self")
    expect(page.locator("button.trace-nav-self")).not_to_contain_text("✓")
    first_item = statement_ids("self")[0]
    before = SCALE[(2 if content.item(first_item).reverse else 4) - 1]
    expect(page.locator(".trace-previous").first).to_have_text(f"Last round: {before}")
    rate_all(page, "self", 4)  # the same answers, chosen again
    expect(page.locator("button.trace-nav-self")).to_contain_text("✓", timeout=30_000)
    go_to(page, "plan")
    trend = page.locator(".trace-rounds figure.trace-chart")
    header = [t.strip() for t in trend.locator("table thead th").all_inner_texts()]
    assert "Round 1" in header, header
    assert "Round 2" in header, header
    first = trend.locator("table tbody tr").first.locator("td")
    expect(first).to_have_count(2)
    expect(first).to_have_text(["4.0", "4.0"])
    expect(page.locator(".trace-trend-summary")).to_contain_text("From round 1 to round 2")
    ctx.close()
