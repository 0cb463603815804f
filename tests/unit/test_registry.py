"""The exercise kind registry: one declaration per kind, and everything derived from it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest
import yaml

from trace_widgets import answers, content, settings, store, workshop
from trace_widgets.answers import AnswerError
from trace_widgets.coach import NewWorkshopForm
from trace_widgets.exercises import registry
from trace_widgets.journey import Journey

TOKEN = "p" * 22


def test_the_built_in_kinds_and_their_items() -> None:
    ids = [k.id for k in registry.kinds()]
    assert ids == ["rating", "reflection", "priorities", "action_plan", "explorer", "rater_comment"]
    c = content.get()
    assert {spec.exercise for spec in c.items.values()} == set(ids) - {"explorer"}
    assert store.EXERCISES == registry.workshop_exercises() == (
        "reflection", "priorities", "action_plan")
    # Each kind's section of model.yaml is read with its own model.
    assert set(c.sections) == {"priorities", "action_plan"}


def test_a_kind_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.ExerciseKind(
            id="rating", items=lambda c: (), check=answers.check_typed))


def test_a_describe_that_is_not_a_function_is_refused() -> None:
    with pytest.raises(registry.KindError, match="gives a describe that is not a function"):
        registry.register(registry.ExerciseKind(
            id="described", items=lambda c: (), check=answers.check_typed,
            describe="a label"))  # type: ignore[arg-type]


# -- a kind of our own, registered as another package would -------------------------------


def _confidence_items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    for sp in c.spaces:
        yield content.ItemSpec(f"confidence.{sp.id}", "confidence", "rating", None, sp.id)


def _confidence_check(spec: content.ItemSpec, value: object, c: content.Content) -> object:
    if value not in (None, 1, 2, 3):
        raise AnswerError("value", "a confidence is 1, 2 or 3")
    return value


class _ConfidencePart:
    def __init__(self, ctx: registry.PartContext, space: str | None) -> None:
        self.widget = widgets.Label(f"confidence in {space}")
        self.widget.add_class("trace-confidence")
        self.refreshed = 0

    def refresh(self, cells: pd.DataFrame) -> None:
        self.refreshed += 1

    def flush(self) -> None:
        pass


CONFIDENCE = registry.ExerciseKind(
    id="confidence", items=_confidence_items, check=_confidence_check,  # type: ignore[arg-type]
    optional=True, label="journey.rate.heading", place="space", part=_ConfidencePart,
)


@pytest.fixture
def confidence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
               ) -> Iterator[registry.ExerciseKind]:
    """The kind registered, and placed in the team step of a copy of the default journey
    (a journey names every exercise it shows: YAML places a kind, not the registry)."""
    registry.kinds()
    monkeypatch.setattr(registry, "_kinds", dict(registry._kinds))
    registry.register(CONFIDENCE)
    folder = tmp_path / "data"
    shutil.copytree(content.data_dir(), folder)
    journey = folder / "journeys" / "default.yaml"
    raw = yaml.safe_load(journey.read_text(encoding="utf-8"))
    for st in raw["journey"]["steps"]:
        if st.get("space") == "team":
            st["exercises"] = [*st["exercises"], "confidence"]
    journey.write_text(yaml.safe_dump(raw), encoding="utf-8")
    before = settings.get()
    settings.use(before.with_(content_dir=str(folder)))
    content._cached.cache_clear()
    yield CONFIDENCE
    settings.use(before)
    monkeypatch.undo()
    content._cached.cache_clear()


def test_a_new_kind_reaches_content_answers_store_coach_and_journey(
        confidence: registry.ExerciseKind, tmp_path: Path) -> None:
    c = content.get()
    assert c.item("confidence.team").exercise == "confidence"
    assert answers.make(TOKEN, "confidence.team", 2).value == 2
    with pytest.raises(AnswerError, match="1, 2 or 3"):
        answers.make(TOKEN, "confidence.team", 5)
    assert "confidence" in registry.workshop_exercises()
    with store.open_store(f"sqlite:///{tmp_path / 's.sqlite3'}") as s:
        form = NewWorkshopForm(s, lambda w: None)
        assert "confidence" in form.exercises  # the coach's form offers it
        made, _ = workshop.open_workshop(s, "Pulse", "cohort", ["team"],
                                         exercises=["confidence"])
        assert s.workshop(made.code).exercises == ("confidence",)  # type: ignore[union-attr]
        journey = Journey(s)
        journey.open({"w": made.code})
        view = journey.start.view
        next(w for w in _walk(view) if "trace-consent-agree" in w._dom_classes).value = True
        next(w for w in _walk(view) if "trace-start" in w._dom_classes).click()
        assert journey.steps == ("start", "team")  # no plan: none of its exercises chosen
        journey.go("team")
        shown = [w for w in _walk(journey.body) if "trace-confidence" in w._dom_classes]
        assert [w.value for w in shown] == ["confidence in team"]


def _walk(widget: object) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _walk(child)
    return found
