"""Rating exercise: the state on its own, then the view driven from Python."""

from __future__ import annotations

import datetime as dt
import logging

import ipywidgets as widgets
import pandas as pd
import pytest
from sinks import Sink
from traitlets import TraitError

from trace_widgets import answers, content
from trace_widgets.answers import Answer, AnswerError
from trace_widgets.exercises import RatingState, rating_view, space_rating_view

TOKEN = "r" * 22
OTHER = "o" * 22
T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.timezone.utc)



def statements(element: str = "task", space: str = "self") -> list[str]:
    return [s.id for s in content.cell(element, space).statements]


# --- state ---------------------------------------------------------------------------------


def test_state_keeps_checked_rows() -> None:
    state = RatingState(TOKEN, "self", elements=("task",), workshop="W1", rater="member")
    first, second = statements()[:2]
    row = state.set(first, 4)
    assert (row.participant, row.workshop, row.rater, row.exercise) == (
        TOKEN, "W1", "member", "rating")
    assert (row.item, row.element, row.space, row.value) == (first, "task", "self", 4)
    assert state.value(first) == 4
    assert not state.is_answered(second)
    assert [a.item for a in state.answers()] == [first]


def test_not_sure_is_an_answer_but_not_a_score() -> None:
    state = RatingState(TOKEN, "self", elements=("task",))
    item = statements()[0]
    assert state.set(item, None).value is None
    assert state.is_answered(item)
    assert state.value(item) is None
    assert state.answers()[0].value is None


def test_whole_space_by_default() -> None:
    state = RatingState(TOKEN, "team")
    assert state.elements == tuple(e.id for e in content.elements())
    assert state.cells == tuple((e.id, "team") for e in content.elements())
    assert len(state.items()) == sum(len(content.cell(e.id, "team").statements)
                                     for e in content.elements())


@pytest.mark.parametrize("value", [0, 6, -1, 4.0, "4", True, [4], 2**70])
def test_state_refuses_values_off_the_scale_or_of_the_wrong_type(value: object) -> None:
    state = RatingState(TOKEN, "self", elements=("task",))
    with pytest.raises(AnswerError) as err:
        state.set(statements()[0], value)
    assert err.value.field == "value"
    assert state.answers() == []


@pytest.mark.parametrize("item", ["route.self.s1", "task.team.s1", "nope", "task.self.p1"])
def test_state_refuses_items_outside_its_cells(item: str) -> None:
    state = RatingState(TOKEN, "self", elements=("task",))
    with pytest.raises(AnswerError) as err:
        state.set(item, 3)
    assert err.value.field == "item"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"participant": "short"}, "participant"),
    ({"workshop": "lower"}, "workshop"),
    ({"rater": "Leader!"}, "rater"),
    ({"space": "galaxy"}, "space"),
    ({"elements": ("task", "vision")}, "element"),
    ({"elements": ("task", "task")}, "elements"),
])
def test_state_checks_who_and_what_at_construction(kwargs: dict[str, object],
                                                   field: str) -> None:
    args: dict[str, object] = {"participant": TOKEN, "space": "self", **kwargs}
    with pytest.raises(AnswerError) as err:
        RatingState(**args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_resume_takes_the_latest_row_per_item_and_keeps_its_time() -> None:
    first, second, third = statements()[:3]
    rows = [
        answers.make(TOKEN, first, 2, at=T0),
        answers.make(TOKEN, first, 5, at=T0 + dt.timedelta(minutes=1)),
        answers.make(TOKEN, second, None, at=T0),
        answers.make(OTHER, third, 1, at=T0),  # someone else's answer
    ]
    frame = answers.to_frame(reversed(rows))  # order in the frame does not matter, time does
    state = RatingState.from_answers(frame, TOKEN, "self", elements=("task",))
    assert state.value(first) == 5
    assert state.is_answered(second)
    assert state.value(second) is None
    assert not state.is_answered(third)
    assert state.answers()[0].at == T0 + dt.timedelta(minutes=1)


def test_resume_reads_ratings_that_pandas_turned_into_floats() -> None:
    first, second = statements()[:2]
    frame = answers.to_frame([answers.make(TOKEN, first, 4), answers.make(TOKEN, second, None)])
    frame["value"] = frame["value"].astype(float)  # what a CSV round trip does
    state = RatingState.from_answers(frame, TOKEN, "self", elements=("task",))
    assert state.value(first) == 4
    assert isinstance(state.value(first), int)
    assert state.is_answered(second)
    assert state.value(second) is None


def test_resume_leaves_out_a_damaged_row(caplog: pytest.LogCaptureFixture) -> None:
    first, second = statements()[:2]
    frame = answers.to_frame([answers.make(TOKEN, first, 4), answers.make(TOKEN, second, 3)])
    frame["value"] = pd.Series([9, 3], dtype=object)
    with caplog.at_level(logging.WARNING):
        state = RatingState.from_answers(frame, TOKEN, "self", elements=("task",))
    assert not state.is_answered(first)
    assert state.value(second) == 3
    assert first in caplog.text


# --- view ----------------------------------------------------------------------------------


def test_each_statement_is_a_list_labelled_by_its_full_text() -> None:
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), Sink())
    scale = content.get().scale
    assert list(view.controls) == statements()
    for st in content.cell("task", "self").statements:
        control = view.controls[st.id]
        # Select renders <label for=...>: the description is the accessible name.
        assert isinstance(control, widgets.Select)
        assert control.description == st.text
        assert control.options == (*[p.label for p in scale.points], scale.not_sure)
        assert control.rows == len(control.options)  # every choice visible, like radios
        assert control.index is None
        assert "trace-rating" in control._dom_classes
        assert control.layout.flex_flow == "column"  # the statement sits above the choices
        assert control.style.description_width == "initial"
    assert "trace-exercise" in view.widget._dom_classes


def test_a_choice_is_saved_at_once() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    item = statements()[0]
    view.controls[item].index = 3  # Agree
    assert [(a.item, a.value) for a in sink.rows] == [(item, 4)]
    assert view.state.value(item) == 4
    assert view.saver.message == "Saved"
    view.controls[item].index = 5  # not sure
    assert len(sink.calls) == 2
    assert sink.calls[-1][0].value is None
    assert view.state.is_answered(item)


def test_status_text_is_shown_in_a_label() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    bar = view.widget.children[-1]
    assert "trace-save-status" in bar._dom_classes
    label = bar.children[0]
    assert isinstance(label, widgets.Label)
    assert label.value == ""
    view.controls[statements()[0]].index = 0
    assert label.value == "Saved"


def test_a_forged_choice_of_the_wrong_type_is_refused_and_undone() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    control = view.controls[statements()[0]]
    control.index = 3
    control.set_state({"index": True})  # what a browser message can carry: passes Int
    assert control.index == 3
    assert view.state.value(statements()[0]) == 4
    assert len(sink.calls) == 1
    assert view.saver.status == "rejected"
    assert view.saver.message == content.get().text("rating.rejected")


def test_a_forged_choice_off_the_list_never_reaches_the_state() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    control = view.controls[statements()[0]]
    for bad in (9, -1, "3", 2.5):
        with pytest.raises(TraitError):
            control.set_state({"index": bad})
    assert control.index is None
    assert sink.calls == []
    assert view.state.answers() == []


def test_clearing_a_choice_puts_it_back() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    control = view.controls[statements()[0]]
    control.index = 2
    control.set_state({"index": None})  # ctrl+click in a listbox
    assert control.index == 2
    assert len(sink.calls) == 1


def test_a_failing_sink_keeps_the_choice_and_offers_a_retry(
        caplog: pytest.LogCaptureFixture) -> None:
    sink = Sink()
    sink.broken = True
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    item = statements()[0]
    with caplog.at_level(logging.ERROR):
        view.controls[item].index = 4
    assert "database is locked" in caplog.text  # the details go to the log ...
    assert "locked" not in view.saver.message  # ... not to the page
    assert view.saver.message == content.get().text("save.failed")
    assert view.controls[item].index == 4
    assert view.state.value(item) == 5
    bar = view.widget.children[-1]
    retry = bar.children[1]
    assert isinstance(retry, widgets.Button)
    assert retry.layout.display == ""
    sink.broken = False
    retry.click()
    assert [(a.item, a.value) for a in sink.rows] == [(item, 5)]
    assert view.saver.message == "Saved"
    assert retry.layout.display == "none"


def test_a_failed_answer_is_sent_again_with_the_next_one() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    first, second = statements()[:2]
    sink.broken = True
    view.controls[first].index = 0
    sink.broken = False
    view.controls[second].index = 1
    assert sorted((a.item, a.value) for a in sink.rows) == [(first, 1), (second, 2)]


def test_an_unexpected_error_is_logged_and_shown_plainly(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)

    def boom(*_: object) -> Answer:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(RatingState, "set", boom)
    with caplog.at_level(logging.ERROR):
        view.controls[statements()[0]].index = 0  # must not raise
    assert "kaboom" in caplog.text
    assert view.saver.message == content.get().text("error.generic")
    assert sink.calls == []


def test_a_resumed_view_shows_every_answer() -> None:
    first, second = statements()[:2]
    frame = answers.to_frame([answers.make(TOKEN, first, 2), answers.make(TOKEN, second, None)])
    sink = Sink()
    view = space_rating_view(TOKEN, "self", sink, answers=frame)
    assert view.controls[first].index == 1
    assert view.controls[second].index == 5  # "not sure"
    assert view.controls[statements()[2]].index is None
    assert sink.calls == []  # showing is not saving


def test_a_space_is_grouped_by_element_with_headings() -> None:
    view = space_rating_view(TOKEN, "team", Sink())
    groups = [ch for ch in view.widget.children if "trace-rating-cell" in ch._dom_classes]
    assert len(groups) == len(content.elements())
    for group, el in zip(groups, content.elements(), strict=True):
        assert el.name in group.children[0].value
        assert [c.description for c in group.children[1:]] == [
            s.text for s in content.cell(el.id, "team").statements]
