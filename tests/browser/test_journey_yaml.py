"""A researcher's own exercises and journey, in YAML only, with a space renamed: a prompt
set, and a second rating scale (an instrument of their own on a 7-point scale, rated by a
YAML rating exercise). Served by Voila, followed end to end in Chromium, saved, and there
again from the resume link."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.content_copy import rename_system
from trace_widgets import content
from trace_widgets.store import open_store

from .conftest import Offline, new_context, run_voila
from .journey_steps import SCALE, open_app, rate, rating_group, selected_label

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORDS = {
    "study.journey": "A study of teams and communities",
    "study.often.heading": "How often does your team do this?",
    "study.strengths.label": "Strengths (the study's own questions)",
    "study.strengths.heading": "Your capabilities here",
}
EXERCISE = {"exercise": {
    "id": "strengths", "kind": "reflection", "label": "study.strengths.label",
    "heading": "study.strengths.heading",
    "settings": {"element": "capability", "prompts": [
        {"id": "used", "text": "Which capability did you rely on most in {space}?"},
        {"id": "grow", "text": "What would grow your {element} in {space}?"},
    ]},
}}
OFTEN_WORDS = ("Never", "Rarely", "Occasionally", "Sometimes", "Often", "Usually", "Always")
OFTEN = {
    "id": "often", "version": "1", "name": "How often",
    "description": "How often the team does what each condition needs.",
    "scale": {"points": [{"value": n, "label": w} for n, w in enumerate(OFTEN_WORDS, 1)],
              "not_sure": "Cannot say"},
    "statements": [
        {"id": "often.task.team.1", "element": "task", "space": "team",
         "text": "We say out loud what we are here to achieve."},
        {"id": "often.task.team.2", "element": "task", "space": "team", "reverse": True,
         "text": "We start work before we agree what it is for."},
        {"id": "often.route.team.1", "element": "route", "space": "team",
         "text": "We check our plan against what has happened."},
    ],
}
OFTEN_RATING = {"exercise": {"id": "often_rating", "kind": "rating",
                             "heading": "study.often.heading",
                             "settings": {"instrument": "often"}}}
JOURNEY = {"journey": {
    "id": "study", "label": "study.journey",
    "steps": [
        {"type": "start", "label": "journey.step.start"},
        {"type": "space", "space": "team",
         "exercises": ["rating", "often_rating", "strengths"]},
        {"type": "space", "space": "community", "exercises": ["pulse_rating", "strengths"]},
        {"type": "plan", "label": "journey.step.plan", "exercises": ["action_plan"]},
    ],
}}
PULSE = [f"pulse.{e.id}.community" for e in content.elements()]
"""The pulse's statements in the renamed space (their ids follow the space's)."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The bundled content with ``system`` renamed ``community``, and a new exercise and
    journey: YAML files only."""
    data = tmp_path / "data"
    shutil.copytree(content.data_dir(), data)
    rename_system(data)
    (data / "ui_study.yaml").write_text(yaml.safe_dump({"ui": WORDS}), encoding="utf-8")
    (data / "exercises" / "strengths.yaml").write_text(yaml.safe_dump(EXERCISE),
                                                       encoding="utf-8")
    (data / "journeys" / "study.yaml").write_text(yaml.safe_dump(JOURNEY), encoding="utf-8")
    (data / "instruments" / "often").mkdir()
    (data / "instruments" / "often" / "instrument.yaml").write_text(yaml.safe_dump(OFTEN),
                                                                    encoding="utf-8")
    (data / "exercises" / "often_rating.yaml").write_text(yaml.safe_dump(OFTEN_RATING),
                                                          encoding="utf-8")
    content.record_fingerprints(data)  # `trace-workbook content fingerprint`: new ids
    assert content.check(data) == ()  # what `trace-workbook content check` says
    return data


def answer(page: Page, prompt: str, text: str) -> None:
    box = page.locator(".trace-exercise-strengths").get_by_label(prompt, exact=True)
    box.fill(text)
    expect(page.locator(".trace-exercise-strengths .trace-save-message")).to_have_text(
        "Saved", timeout=30_000)


def test_a_yaml_journey_with_a_new_exercise_and_a_renamed_space(
        folder: Path, browser: Browser, offline: Offline, tmp_path: Path) -> None:
    with run_voila(tmp_path, env={"TRACE_CONTENT_DIR": str(folder)}) as server:
        context = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)
        open_app(page, server.app("j=study"))
        expect(page.locator(".trace-nav button")).to_have_text(
            ["Start", "Team", "Community", "Plan"])
        page.locator(".trace-consent-agree input").check()
        page.locator("button.trace-start").click()
        code = page.locator(".trace-workbook-code input")
        expect(code).not_to_have_value("", timeout=60_000)
        token = code.input_value()
        expect(page).to_have_url(re.compile(f"[?&]p={token}"))
        expect(page).to_have_url(re.compile("[?&]j=study"))

        # Team: the full instrument's statements, then the study's questions.
        page.locator("button.trace-next").click()
        expect(page.locator(".trace-progress")).to_contain_text("Step 2 of 4: Team",
                                                                timeout=30_000)
        rate(page, "task.team.s1", SCALE[3])
        heading = page.locator(".trace-step-team h2").filter(
            has_text=WORDS["study.strengths.heading"])
        expect(heading).to_have_count(1)
        # The second rating scale: its own seven choices (and its "not sure").
        expect(page.locator(".trace-step-team h2").filter(
            has_text=WORDS["study.often.heading"])).to_have_count(1)
        often = rating_group(page, "often.task.team.1")
        expect(often.locator("label")).to_have_count(len(OFTEN_WORDS) + 1)
        rate(page, "often.task.team.1", "Usually")
        rate(page, "often.route.team.1", "Never")
        answer(page, "Which capability did you rely on most in Team?", "Listening first.")

        # Community (the renamed space): the pulse, then the same questions about it.
        page.locator("button.trace-next").click()
        expect(page.locator(".trace-progress")).to_contain_text("Step 3 of 4: Community",
                                                                timeout=30_000)
        expect(page.locator(".trace-step-community h1")).to_have_text("Community")
        for n, item in enumerate(PULSE):
            rate(page, item, SCALE[n % len(SCALE)])
        expect(page.locator(".trace-progress")).to_contain_text(
            f"{len(PULSE)} of {len(PULSE)} statements rated", timeout=30_000)
        answer(page, "What would grow your Capability in Community?", "Asking for help.")

        page.locator("button.trace-next").click()
        expect(page.locator(".trace-progress")).to_contain_text("Step 4 of 4: Plan",
                                                                timeout=30_000)
        expect(page.locator(".trace-step-plan .trace-actions").first).to_be_visible(
            timeout=30_000)
        context.close()

        for _ in range(60):  # the last text may still be on its way when the page says so
            with open_store(server.store) as store:
                saved = store.current(token).set_index("item")
            if "strengths.community.grow" in saved.index:
                break
            time.sleep(0.5)
        assert saved.loc["strengths.team.used", "value"] == "Listening first."
        assert saved.loc["strengths.community.grow", "value"] == "Asking for help."
        assert set(saved.loc[["strengths.team.used", "strengths.community.grow"],
                             "exercise"]) == {"strengths"}
        pulse = saved.loc[PULSE]
        assert set(pulse["exercise"]) == {"rating"}
        assert set(pulse["instrument"]) == {"pulse"}
        assert saved.loc["task.team.s1", "instrument"] == "trace"
        assert saved.loc["often.task.team.1", "value"] == 6  # "Usually", on 1-7
        assert saved.loc["often.route.team.1", "value"] == 1
        assert set(saved.loc[["often.task.team.1", "often.route.team.1"], "instrument"]) == {
            "often"}

        # A new browser opens the resume link: the journey, the ratings and texts are there.
        again = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        page = again.new_page()
        page.set_default_navigation_timeout(120_000)
        open_app(page, server.app(f"p={token}&j=study&step=community"))
        expect(page.locator(".trace-progress")).to_contain_text("Step 3 of 4: Community",
                                                                timeout=60_000)
        expect(rating_group(page, PULSE[0])).to_be_visible()
        for n, item in enumerate(PULSE):
            assert selected_label(page, item) == SCALE[n % len(SCALE)]
        expect(page.locator(".trace-exercise-strengths").get_by_label(
            "What would grow your Capability in Community?", exact=True)).to_have_value(
            "Asking for help.")
        again.close()
