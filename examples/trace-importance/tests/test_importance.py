"""The importance kind, as the workbook sees it once this package is installed."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import pandas as pd
import pytest
import trace_importance
from trace_importance import ImportanceState, importance_view, item_id

from trace_widgets import answers, content, research
from trace_widgets.answers import Answer, AnswerError
from trace_widgets.exercises import registry

TOKEN = "p" * 22
LEVELS = ("most", "some", "later")


def test_the_workbook_finds_it_through_its_entry_point() -> None:
    (ep,) = (e for e in importlib.metadata.entry_points(group=registry.GROUP)
             if e.name == "importance")
    assert ep.dist is not None
    assert ep.dist.name == "trace-importance"
    assert registry.kind("importance") is trace_importance.KIND
    assert registry.problems() == ()
    assert "importance" in registry.workshop_exercises()  # the coach's form offers it


def test_one_item_per_condition_and_each_value_checked() -> None:
    c = content.get()
    mine = [spec for spec in c.items.values() if spec.exercise == "importance"]
    assert [s.id for s in mine] == [item_id(e.id) for e in c.elements]
    assert [s.element for s in mine] == [e.id for e in c.elements]
    for level in (*LEVELS, None):
        assert answers.make(TOKEN, "importance.route", level).value == level
    # What a forged browser message could carry instead of a level id.
    for wrong in ("urgent", "Most", "", "most ", 1, True, ["most"], "x" * 10_000):
        with pytest.raises(AnswerError, match="is not one of: most, some, later"):
            answers.make(TOKEN, "importance.route", wrong)


def test_its_wording_and_settings_come_from_its_yaml_and_a_folder_can_change_them(
        tmp_path: Path) -> None:
    c = content.get()
    assert c.sections["importance"].levels == LEVELS  # type: ignore[attr-defined]
    assert c.text("importance.heading") == "Which conditions matter most now?"
    # A researcher's content folder rewords it and drops a level, without touching this package.
    folder = tmp_path / "data"
    shutil.copytree(content.data_dir(), folder)
    with (folder / "model.yaml").open("a", encoding="utf-8") as model:
        model.write("\nimportance:\n  levels: [most, later]\n")
    (folder / "ui_importance.yaml").write_text(
        "ui:\n  importance.heading: What matters most this term?\n", encoding="utf-8")
    mine = content.load(folder)
    assert mine.sections["importance"].levels == ("most", "later")  # type: ignore[attr-defined]
    assert mine.text("importance.heading") == "What matters most this term?"
    assert mine.text("importance.level.later") == "Can wait"
    with pytest.raises(AnswerError):
        trace_importance.KIND.check(mine.item("importance.task"), "some", mine)


def test_the_research_codebook_labels_each_item_from_its_yaml() -> None:
    c = content.get()
    given = answers.to_frame([answers.make(TOKEN, item_id(e.id), "most") for e in c.elements])
    long = research.long_layout(given, key=b"k" * 32)
    book = research.codebook(long, research.wide_layout(long)).set_index("name")
    assert list(long["choice"]) == ["most"] * len(c.elements)  # a coded answer, not text
    for el in c.elements:
        assert book.loc[item_id(el.id), "label"] == (
            f"How much {el.name} ({el.condition}) matters to the person now: "
            "one of most, some, later, most important first")


class Workbook:
    """A :class:`~trace_widgets.exercises.registry.PartContext` that keeps answers in a dict."""

    def __init__(self) -> None:
        self.token: str | None = TOKEN
        self.workshop = ""
        self.rater = "self"
        self.kept: dict[str, Answer] = {}

    def save(self, rows: list[Answer]) -> None:
        self.kept.update({a.item: a for a in rows})

    def answers(self) -> pd.DataFrame:
        return answers.to_frame(self.kept.values())

    def value(self, item: str) -> object:
        return self.kept[item].value if item in self.kept else None

    def has(self, item: str) -> bool:
        return item in self.kept


def test_the_part_saves_each_choice_and_shows_it_again_after_a_reload() -> None:
    assert trace_importance.KIND.part is not None
    workbook = Workbook()
    part = trace_importance.KIND.part(workbook, None)
    view = part.view  # type: ignore[attr-defined]
    assert [c.value for c in view.controls.values()] == [None] * 5
    view.controls["energy"].value = "most"
    view.controls["task"].value = "later"
    assert {i: a.value for i, a in workbook.kept.items()} == {
        "importance.energy": "most", "importance.task": "later"}
    assert workbook.kept["importance.energy"].exercise == "importance"
    assert view.saver.message == content.get().text("save.saved")
    # A reload builds the part again from what the workbook holds.
    again = trace_importance.KIND.part(workbook, None).view  # type: ignore[attr-defined]
    assert again.controls["energy"].value == "most"
    assert again.controls["task"].value == "later"
    assert again.controls["route"].value is None
    # An answer changed elsewhere (another tab) shows on refresh, and saves nothing new.
    workbook.save([answers.make(TOKEN, "importance.route", "some")])
    before = dict(workbook.kept)
    part.refresh(pd.DataFrame())
    assert view.controls["route"].value == "some"
    assert workbook.kept == before


def test_a_state_on_its_own() -> None:
    state = ImportanceState(TOKEN, rater="self")
    row = state.choose("capability", "some")
    assert (row.item, row.element, row.space, row.value) == (
        "importance.capability", "capability", None, "some")
    with pytest.raises(AnswerError):
        state.choose("capability", "urgent")
    assert state.level("capability") == "some"
    kept: list[Answer] = []
    view = importance_view(state, kept.extend)
    assert view.controls["capability"].value == "some"
    assert [label for label, _ in view.controls["task"].options] == [
        "Matters most now", "Matters, not first", "Can wait"]
