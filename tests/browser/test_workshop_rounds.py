"""A coach's second round in Chromium: the coach starts it from the dashboard by keyboard,
an open participant page says so and re-rates (an unchanged value chosen again counts), the
rest of the room re-rates through the store, and the dashboard shows both rounds' figures
and the change once the floor is met in round 2; the participant's trend shows both."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect

from trace_widgets import answers, content, store, workshop

from ..servers import VoilaServer
from .conftest import Offline, new_context
from .test_coach import REFRESH_WAIT, join, rate_cell

pytestmark = pytest.mark.browser

CELL = ("task", "team")
FIRST = {"a": 2, "b": 2, "c": 3}  # three people rate through the store
SECOND = {"a": 5, "b": 4, "c": 4}
MINE = 3  # the one in Chromium, in both rounds


def rate_in_store(s: store.Store, code: str, scores: dict[str, int], *, round: int  # noqa: A002
                  ) -> None:
    """Everyone's answers in one transaction: the dashboard sees all of them or none (a
    reading in between would be a release of its own, and hold the next one back)."""
    c = content.get()
    s.append([answers.make(token, st.id, 6 - score if st.reverse else score, workshop=code,
                           round=round)
              for token, score in scores.items() for st in c.cell(*CELL).statements])


def wait_for_rows(s: store.Store, code: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(s.workshop_answers(code, round=2)) < count:
        assert time.monotonic() < deadline, "the participant's answers did not arrive"
        time.sleep(0.2)


def test_a_coach_runs_a_second_round_and_sees_the_change(
        voila: VoilaServer, browser: Browser, offline: Offline) -> None:
    with store.open_store(voila.store) as s:
        made, key = workshop.open_workshop(s, "Rounds (browser test)", "cohort", ["team"])
        room = {name: s.new_participant(workshop=made.code, consent=True) for name in FIRST}
        rate_in_store(s, made.code, {room[n]: v for n, v in FIRST.items()}, round=1)
    contexts = []
    try:
        me_ctx = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        contexts.append(me_ctx)
        me = me_ctx.new_page()
        me.goto(voila.app(f"w={made.code}"))
        join(me, voila, made.code, typed=False)
        rate_cell(me, *CELL, score=MINE)

        coach_ctx = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        contexts.append(coach_ctx)
        coach = coach_ctx.new_page()
        coach.goto(voila.page("coach.ipynb", f"w={made.code}&k={key}"))
        grid_cell = coach.locator('.trace-coach-grid td[data-element="task"]'
                                  '[data-space="team"]')
        expect(grid_cell).to_have_attribute("data-state", "shown", timeout=60_000)
        expect(grid_cell.locator(".trace-coach-mean")).to_have_text("2.5")

        # The coach starts round 2 by keyboard: the button, the warning, the yes.
        start = coach.locator("button.trace-coach-round")
        expect(start).to_have_text("Start round 2")
        start.focus()
        coach.keyboard.press("Enter")
        expect(coach.locator(".trace-coach-round-warning")).to_contain_text(
            "Start round 2 now?", timeout=REFRESH_WAIT)
        confirm = coach.locator("button.trace-coach-round-confirm")
        expect(confirm).to_be_visible()
        coach.keyboard.press("Tab")  # to the confirmation, the next control
        expect(confirm).to_be_focused()
        coach.keyboard.press("Enter")
        expect(coach.locator(".trace-coach-rounds .trace-round-notice")).to_contain_text(
            "Round 2 has started", timeout=REFRESH_WAIT)
        expect(coach.locator(".trace-round-notice[role=status]")).to_have_count(1)
        expect(grid_cell).to_have_attribute("data-state", "withheld", timeout=REFRESH_WAIT)
        change_row = coach.locator('.trace-coach-change tr[data-element="task"]')
        expect(change_row.locator("td")).to_have_text(
            ["Team", "2.5 (4 people)", "not shown yet", "not shown yet"])
        with store.open_store(voila.store) as s:
            assert s.workshop(made.code).round == 2  # type: ignore[union-attr]

        # The participant's open page is told, and shows last round's answers.
        notice = me.locator(".trace-journey > .trace-round-notice")
        expect(notice).to_contain_text("Your coach has started round 2", timeout=30_000)
        expect(notice).to_have_attribute("aria-live", "polite")
        expect(me.locator(".trace-previous").first).to_contain_text("Last round:")
        rate_cell(me, *CELL, score=MINE)  # the same answers again: they count in round 2

        with store.open_store(voila.store) as s:
            wait_for_rows(s, made.code, len(content.cell(*CELL).statements))
            rate_in_store(s, made.code, {room[n]: v for n, v in SECOND.items()}, round=2)
            again = s.workshop_answers(made.code, round=2)
            assert again["participant"].nunique() == 4  # the unchanged one counts too

        expect(change_row.locator("td")).to_have_text(
            ["Team", "2.5 (4 people)", "4.0 (4 people)", "+1.5"], timeout=REFRESH_WAIT)
        expect(grid_cell.locator(".trace-coach-mean")).to_have_text("4.0")
        expect(coach.locator(".trace-coach-change-summary")).to_contain_text(
            "From round 1 to round 2")

        # The participant's own trend shows both rounds.
        me.locator("button.trace-nav-plan").click()
        trend = me.locator(".trace-rounds figure.trace-chart")
        expect(trend.locator("table")).to_contain_text("Round 2", timeout=30_000)
        header = [t.strip() for t in trend.locator("table thead th").all_inner_texts()]
        assert "Round 1" in header, header
        # Only Task in Team was rated: its row is the one with a score in both rounds.
        rows = [[t.strip() for t in row.locator("td").all_inner_texts()]
                for row in trend.locator("table tbody tr").all()]
        scored = [r for r in rows if r != ["no score", "no score"]]
        assert scored == [[f"{MINE:.1f}", f"{MINE:.1f}"]], rows
    finally:
        for ctx in contexts:
            ctx.close()
    assert offline.refused == [], f"a page tried to reach the internet: {offline.refused}"
