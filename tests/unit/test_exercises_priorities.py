"""Priorities exercise: choose up to max_priorities conditions, scores beside them."""

from __future__ import annotations

import datetime as dt
import logging

import ipywidgets as widgets
import pytest
from traitlets import TraitError

from trace_widgets import answers, content
from trace_widgets.answers import Answer, AnswerError
from trace_widgets.exercises import PrioritiesState, priorities_view

TOKEN = "q" * 22
T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.timezone.utc)


class Sink:
    def __init__(self) -> None:
        self.calls: list[list[Answer]] = []
        self.broken = False

    def __call__(self, rows: list[Answer]) -> None:
        if self.broken:
            raise OSError("read-only file system")
        self.calls.append(list(rows))

    @property
    def values(self) -> list[object]:
        return [r.value for call in self.calls for r in call]


# --- state ---------------------------------------------------------------------------------


def test_choose_saves_a_comma_joined_list() -> None:
    state = PrioritiesState(TOKEN, "team")
    row = state.choose(["route", "energy"])
    assert (row.item, row.exercise, row.space, row.value) == (
        "priorities.team", "priorities", "team", "route,energy")
    assert state.chosen == ("route", "energy")
    assert state.answers() == [row]
    assert state.choose([]).value == ""
    assert state.chosen == ()


def test_toggle_keeps_content_order() -> None:
    state = PrioritiesState(TOKEN, "self")
    state.toggle("energy", True)
    assert state.toggle("task", True).value == "task,energy"
    assert state.toggle("energy", False).value == "task"


@pytest.mark.parametrize("chosen", [["task", "route", "energy"], ["vision"], ["task", "task"],
                                    "task", [1]])
def test_choose_refuses_bad_choices(chosen: object) -> None:
    state = PrioritiesState(TOKEN, "self")
    with pytest.raises(AnswerError):
        state.choose(chosen)  # type: ignore[arg-type]
    assert state.answers() == []


def test_toggle_refuses_what_is_not_true_or_false() -> None:
    with pytest.raises(AnswerError):
        PrioritiesState(TOKEN, "self").toggle("task", "yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("scores", [{"vision": 3.0}, {"task": 7.0}, {"task": "3"},
                                    {"task": True}, ["task"]])
def test_scores_are_checked(scores: object) -> None:
    with pytest.raises(AnswerError):
        PrioritiesState(TOKEN, "self", scores=scores)  # type: ignore[arg-type]


def test_missing_and_nan_scores_are_no_score() -> None:
    state = PrioritiesState(TOKEN, "self", scores={"task": float("nan"), "route": None,
                                                   "energy": 2})
    assert state.score("task") is None
    assert state.score("route") is None
    assert state.score("energy") == 2.0


def test_resume_takes_the_choice_and_works_out_the_scores() -> None:
    cell = content.cell("task", "team").statements
    rows = [answers.make(TOKEN, s.id, 4 if not s.reverse else 2, at=T0) for s in cell]
    rows += [answers.make(TOKEN, "priorities.team", "task,alignment", at=T0),
             answers.make(TOKEN, "priorities.team", "route", at=T0 + dt.timedelta(seconds=5))]
    state = PrioritiesState.from_answers(answers.to_frame(rows), TOKEN, "team")
    assert state.chosen == ("route",)
    assert state.score("task") == 4.0
    assert state.score("route") is None


# --- view ----------------------------------------------------------------------------------


def test_each_condition_is_a_labelled_checkbox_with_its_score() -> None:
    view = priorities_view(PrioritiesState(TOKEN, "team", scores={"task": 2.5}), Sink())
    c = content.get()
    assert list(view.controls) == [e.id for e in c.elements]
    task = view.controls["task"]
    assert isinstance(task, widgets.Checkbox)
    assert task.description == c.text("priorities.option", element="Task",
                                       condition=c.element("task").condition,
                                       score="2.5 out of 5")
    assert view.controls["route"].description.endswith(c.text("priorities.no_score"))
    assert not task.indent
    assert "trace-priority" in task._dom_classes


def test_ticking_saves_at_once_and_a_third_is_refused() -> None:
    sink = Sink()
    view = priorities_view(PrioritiesState(TOKEN, "team"), sink)
    view.controls["energy"].value = True
    view.controls["task"].value = True
    assert sink.values == ["energy", "task,energy"]
    assert view.saver.message == "Saved"
    view.controls["route"].value = True  # one too many
    assert view.controls["route"].value is False
    assert sink.values == ["energy", "task,energy"]
    assert view.saver.message == content.get().text("priorities.too_many", max=2)
    view.controls["energy"].value = False
    assert sink.values[-1] == "task"
    view.controls["task"].value = False
    assert sink.values[-1] == ""


def test_a_resumed_view_shows_the_choice() -> None:
    state = PrioritiesState(TOKEN, "system")
    state.choose(["alignment"])
    view = priorities_view(state, Sink())
    assert [k for k, box in view.controls.items() if box.value] == ["alignment"]


def test_a_failing_sink_keeps_the_tick(caplog: pytest.LogCaptureFixture) -> None:
    sink = Sink()
    sink.broken = True
    view = priorities_view(PrioritiesState(TOKEN, "team"), sink)
    with caplog.at_level(logging.ERROR):
        view.controls["capability"].value = True
    assert view.controls["capability"].value is True
    assert view.state.chosen == ("capability",)
    assert view.saver.message == content.get().text("save.failed")
    sink.broken = False
    assert view.flush()
    assert sink.values == ["capability"]


def test_a_forged_value_never_reaches_the_state() -> None:
    sink = Sink()
    view = priorities_view(PrioritiesState(TOKEN, "team"), sink)
    with pytest.raises(TraitError, match="expected a boolean"):
        view.controls["task"].set_state({"value": "yes"})
    assert sink.calls == []
