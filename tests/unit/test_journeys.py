"""Journeys as YAML (``data/journeys/*.yaml``): loading, the steps the app, workshops and
the CLI derive from them, and the errors a malformed journey gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.content_copy import edit, rename_system, steps_of
from trace_widgets import content, settings, workshop
from trace_widgets.content import ContentError
from trace_widgets.journey import Journey
from trace_widgets.store import Store, Workshop, open_store


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(content.data_dir(), target)
    return target


@pytest.fixture
def use_content(copy: Path) -> Iterator[Path]:
    """Serve ``copy`` as the content (``TRACE_CONTENT_DIR``) for the test."""
    before = settings.get()
    settings.use(before.with_(content_dir=str(copy)))
    content._cached.cache_clear()
    yield copy
    settings.use(before)
    content._cached.cache_clear()


# -- the bundled journey ------------------------------------------------------------------


def test_the_default_journey_is_todays_app() -> None:
    j = content.journey()
    assert j.step_ids == ("start", "self", "team", "organisation", "system", "plan")
    assert [s.type for s in j.steps] == ["start", "space", "space", "space", "space", "plan"]
    assert j.spaces == tuple(s.id for s in content.spaces())
    assert {j.step(s).exercises for s in j.spaces} == {("rating", "reflection")}
    assert j.step("plan").exercises == ("priorities", "action_plan")
    c = content.get()
    assert [c.step_name(s) for s in j.steps] == [
        "Start", "Self", "Team", "Organisation", "System", "Plan"]
    assert c.text(j.label)


def test_a_space_step_is_named_by_its_space_not_a_ui_id() -> None:
    c = content.get()
    assert not any(k.startswith("journey.step.") and k.rsplit(".", 1)[1] in c.journey().spaces
                   for k in c.ui)


def test_the_journey_app_builds_the_journeys_steps() -> None:
    with open_store("sqlite://") as s:
        journey = Journey(s)
        assert journey.steps == content.journey().step_ids
        assert [b.description for b in journey.nav.children] == [
            "Start", "Self", "Team", "Organisation", "System", "Plan"]


# -- a researcher's copy -------------------------------------------------------------------


def test_a_renamed_space_runs_through_the_app(use_content: Path) -> None:
    rename_system(use_content)
    c = content.get()
    assert c.journey().step_ids == ("start", "self", "team", "organisation", "community", "plan")
    with open_store("sqlite://") as s:
        journey = Journey(s)
        token = journey.session.start()
        journey._opened(go_on=False)
        journey.go("community")
        assert journey.current == "community"
        assert "Community" in journey.progress.value
        assert journey.nav.children[4].description == "Community"
        assert token


def test_a_journey_of_its_own_with_fewer_steps(use_content: Path) -> None:
    (use_content / "journeys" / "team_only.yaml").write_text(yaml.safe_dump({"journey": {
        "id": "team_only", "label": "journey.name.default",
        "steps": [{"type": "start", "label": "journey.step.start"},
                  {"type": "space", "space": "team", "id": "us", "exercises": ["rating"]},
                  {"type": "plan", "label": "journey.step.plan",
                   "exercises": ["action_plan"]}]}}), encoding="utf-8")
    c = content.get()
    assert set(c.journeys) == {"default", "pulse", "team_only"}
    with open_store("sqlite://") as s:
        journey = Journey(s, journey="team_only")
        journey.session.start()
        journey._opened(go_on=False)
        journey.go("us")
        space = journey._built["us"].step
        assert space.space == "team"  # type: ignore[attr-defined]
        assert len(space.parts) == 1  # type: ignore[attr-defined]  # rating, no reflection
        journey.go("plan")
        assert len(journey._built["plan"].step.parts) == 1  # type: ignore[attr-defined]


def test_workshop_steps_follow_the_journey(store: Store) -> None:
    w = Workshop("K7MQ4P", "Day", "team", ("team", "system"), "h", dt.datetime.now(), None)
    assert workshop.journey_steps(w) == ("start", "team", "system", "plan")
    assert workshop.journey_steps(dataclasses.replace(w, exercises=("reflection",))) == (
        "start", "team", "system")


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("sqlite://") as s:
        yield s


# -- errors: each names the file and the key -------------------------------------------------

def _step(n: int, **changes: object) -> Callable[[Any], object]:
    def change(d: dict[str, Any]) -> None:
        d["journey"]["steps"][n].update(changes)
    return change


@pytest.mark.parametrize(("change", "key", "says"), [
    (_step(1, space="nowhere"), "journey.steps.1.space", "unknown space id 'nowhere'"),
    (_step(2, exercises=["rating", "nosuch"]), "journey.steps.2.exercises.1",
     "unknown exercise id 'nosuch'"),
    (_step(2, exercises=["priorities"]), "journey.steps.2.exercises.0",
     "shown in a plan step, not in a space step"),
    (_step(5, label="journey.step.nosuch"), "journey.steps.5.label",
     "'journey.step.nosuch' is not a UI text id"),
    (_step(0, type="plan"), "journey.steps.0.type", "begins with its one start step"),
    (_step(2, id="self"), "journey.steps.2.id", "the step id 'self' is used twice"),
    (_step(1, label="journey.step.start"), "journey.steps.1.label",
     "a space step is named by its space"),
    (_step(3, exercises=["rating", "rating"]), "journey.steps.3.exercises.1",
     "'rating' is in this step twice"),
    (_step(1, colour="red"), "journey.steps.1.colour", "Extra inputs"),
    (lambda d: d["journey"].update(label="nosuch.label"), "journey.label",
     "'nosuch.label' is not a UI text id"),
])
def test_a_malformed_journey_names_file_and_key(copy: Path, change: Callable[[Any], object],
                                                 key: str, says: str) -> None:
    edit(steps_of(copy), change)
    with pytest.raises(ContentError) as err:
        content.load(copy)
    message = str(err.value)
    assert re.match(rf"{re.escape(str(steps_of(copy)))}:\d+: {re.escape(key)}: ", message), message
    assert says in message


def test_the_wording_of_journey_errors_is_content(copy: Path) -> None:
    edit(copy / "ui_journeys.yaml",
         lambda d: d["ui"].update({"content.error.unknown_space": "no such space: {id}"}))
    edit(steps_of(copy), _step(1, space="nowhere"))
    with pytest.raises(ContentError,
                       match=r":\d+: journey\.steps\.1\.space: no such space: nowhere$"):
        content.load(copy)


def test_a_renamed_space_left_in_the_journey_is_named(copy: Path) -> None:
    rename_system(copy)
    edit(steps_of(copy), _step(4, space="system"))
    with pytest.raises(ContentError, match=r"default\.yaml:\d+: journey\.steps\.4\.space: "
                                           r"unknown space id 'system'"):
        content.load(copy)


def test_there_is_always_a_default_journey(copy: Path) -> None:
    edit(steps_of(copy), lambda d: d["journey"].update(id="other"))
    with pytest.raises(ContentError, match=r"journeys:1: journey\.id: .*'default'"):
        content.load(copy)


def test_two_journeys_with_one_id_are_named(copy: Path) -> None:
    shutil.copy(steps_of(copy), copy / "journeys" / "second.yaml")
    with pytest.raises(ContentError, match=r"second\.yaml:\d+: journey\.id: .*'default'"):
        content.load(copy)
