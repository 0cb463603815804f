"""Rating exercise: the state on its own, then the view driven from Python."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest
from sinks import Sink

from trace_widgets import answers, content
from trace_widgets.answers import Answer, AnswerError
from trace_widgets.exercises import RatingState, RatingView, rating_view, space_rating_view
from trace_widgets.exercises._rating_control import RatingControl, RatingWidget
from trace_widgets.exercises._save import ManualScheduler, Saver

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


def rate(view: RatingView, item: str, choice: object, seq: object = 1) -> None:
    """What the page sends when the learner picks a choice, through the widget's comm path."""
    view.control.widget._handle_custom_msg({"rate": item, "choice": choice, "seq": seq}, [])


def sent(view: RatingView, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The custom messages the kernel sends to the page from now on."""
    out: list[object] = []
    monkeypatch.setattr(view.control.widget, "send", lambda msg, buffers=None: out.append(msg))
    return out


def test_one_widget_holds_every_statement_as_a_labelled_group() -> None:
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), Sink())
    widget = view.control.widget
    assert isinstance(widget, RatingWidget)
    assert view.widget.children == (widget,)  # one model for the statements, not 3 per one
    spec = widget.spec
    [group] = spec["groups"]
    el = content.element("task")
    assert group["heading"] == content.get().text("rating.heading", element=el.name,
                                                  condition=el.condition)
    assert group["statements"] == [{"id": st.id, "text": st.text}
                                   for st in content.cell("task", "self").statements]
    scale = content.get().scale
    assert spec["choices"] == [*[p.label for p in scale.points],
                               content.get().text("rating.not_sure")]
    assert set(spec["text"]) >= {"saved", "unsaved", "retrying", "saving", "retry"}
    assert widget.answers == {}
    assert "trace-exercise" in view.widget._dom_classes


def test_the_page_code_is_bundled_and_offline() -> None:
    widget = rating_view(RatingState(TOKEN, "self", elements=("task",)), Sink()).control.widget
    esm, css = str(widget._esm), str(widget._css)
    assert "export default" in esm
    assert "import " not in esm
    assert "http" not in esm
    assert "innerHTML" not in esm  # statements are set as text, never as HTML
    assert "@import" not in css
    assert "url(" not in css
    assert len(esm) + len(css) < 20_000


def test_a_choice_is_saved_at_once_and_acknowledged() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    item = statements()[0]
    rate(view, item, 3, seq=11)  # Agree
    assert [(a.item, a.value) for a in sink.rows] == [(item, 4)]
    assert view.state.value(item) == 4
    assert view.control.widget.answers[item] == [3, 11, True]
    assert view.saver.message == "Saved"
    rate(view, item, 5, seq=12)  # not sure
    assert sink.calls[-1][0].value is None
    assert view.control.widget.answers[item] == [5, 12, True]
    assert view.state.is_answered(item)


@pytest.mark.parametrize("message", [
    {"rate": "task.self.s1", "choice": True, "seq": 1},
    {"rate": "task.self.s1", "choice": 9, "seq": 1},
    {"rate": "task.self.s1", "choice": -1, "seq": 1},
    {"rate": "task.self.s1", "choice": 2.0, "seq": 1},
    {"rate": "task.self.s1", "choice": "3", "seq": 1},
    {"rate": "task.self.s1", "choice": None, "seq": 1},
    {"rate": "task.self.s1", "choice": 3, "seq": True},
    {"rate": "task.self.s1", "choice": 3, "seq": 0},
    {"rate": "task.self.s1", "choice": 3, "seq": 2**60},
    {"rate": "task.self.s1", "choice": 3},
    {"rate": "task.self.s1", "choice": 3, "seq": 1, "value": 4},
    {"rate": "task.team.s1", "choice": 3, "seq": 1},  # not rated here
    {"rate": ["task.self.s1"], "choice": 3, "seq": 1},
    {"retry": "yes"},
    ["task.self.s1", 3],
    "task.self.s1=3",
])
def test_a_forged_message_changes_nothing(message: object) -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    view.control.widget._handle_custom_msg(message, [])
    assert sink.calls == []
    assert view.state.answers() == []
    assert view.control.widget.answers == {}
    assert view.saver.status == "rejected"
    assert view.saver.message == content.get().text("rating.rejected")


def test_a_refused_choice_is_taken_back_on_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    item = statements()[0]
    rate(view, item, 2, seq=5)
    out = sent(view, monkeypatch)
    rate(view, item, 7, seq=6)  # off the scale
    rate(view, item, 4, seq=3)  # older than the answer held: a replay
    assert out == [{"refused": item, "seq": 6}, {"refused": item, "seq": 3}]
    assert view.control.widget.answers[item] == [2, 5, True]
    assert view.state.value(item) == 3
    assert len(sink.calls) == 1


def test_the_page_cannot_set_what_is_shown() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    widget = view.control.widget
    widget.set_state({"answers": {statements()[0]: [4, 1, True]}, "status": "saved",
                      "spec": {}})
    assert widget.answers == {}
    assert widget.status == "idle"
    assert widget.spec["groups"]
    assert sink.calls == []


def test_saved_only_once_the_store_holds_that_very_answer() -> None:
    sink = Sink()
    clock = ManualScheduler()
    state = RatingState(TOKEN, "self", elements=("task",))
    control = RatingControl(state, Saver(sink, scheduler=clock))
    widget = control.widget
    item = statements()[0]
    sink.broken = True
    control.receive({"rate": item, "choice": 0, "seq": 1})
    assert widget.answers[item] == [0, 1, False]
    assert widget.status == "failed"
    assert control.unsaved() == (item,)
    control.receive({"rate": item, "choice": 1, "seq": 2})  # still failing
    assert widget.answers[item] == [1, 2, False]
    sink.broken = False
    clock.advance(60)  # the retry on its own
    assert [(a.item, a.value) for a in sink.rows] == [(item, 2)]  # only the latest
    assert widget.answers[item] == [1, 2, True]
    assert widget.status == "saved"
    assert control.unsaved() == ()


def test_a_failing_sink_keeps_the_choice_and_retries_on_request(
        caplog: pytest.LogCaptureFixture) -> None:
    sink = Sink()
    sink.broken = True
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    item = statements()[0]
    with caplog.at_level(logging.ERROR):
        rate(view, item, 4)
    assert "database is locked" in caplog.text  # the details go to the log ...
    assert "locked" not in view.saver.message  # ... not to the page
    assert view.control.widget.message == content.get().text("save.failed")
    assert view.control.widget.answers[item] == [4, 1, False]
    assert view.state.value(item) == 5
    sink.broken = False
    view.control.widget._handle_custom_msg({"retry": True}, [])  # the page's retry button
    assert [(a.item, a.value) for a in sink.rows] == [(item, 5)]
    assert view.control.widget.answers[item] == [4, 1, True]
    assert view.control.widget.message == "Saved"


def test_a_failed_answer_is_sent_again_with_the_next_one() -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)
    first, second = statements()[:2]
    sink.broken = True
    rate(view, first, 0)
    sink.broken = False
    rate(view, second, 1)
    assert sorted((a.item, a.value) for a in sink.rows) == [(first, 1), (second, 2)]
    assert view.control.widget.answers == {first: [0, 1, True], second: [1, 1, True]}


def test_an_unexpected_error_is_logged_and_shown_plainly(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    sink = Sink()
    view = rating_view(RatingState(TOKEN, "self", elements=("task",)), sink)

    def boom(*_: object) -> Answer:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(RatingState, "set", boom)
    with caplog.at_level(logging.ERROR):
        rate(view, statements()[0], 0)  # must not raise
    assert "kaboom" in caplog.text
    assert view.control.widget.message == content.get().text("error.generic")
    assert sink.calls == []


def test_a_resumed_view_shows_every_answer_as_saved() -> None:
    first, second = statements()[:2]
    frame = answers.to_frame([answers.make(TOKEN, first, 2), answers.make(TOKEN, second, None)])
    sink = Sink()
    view = space_rating_view(TOKEN, "self", sink, answers=frame)
    assert view.control.widget.answers == {first: [1, 0, True], second: [5, 0, True]}
    assert sink.calls == []  # showing is not saving


def test_a_space_is_grouped_by_element_with_headings() -> None:
    view = space_rating_view(TOKEN, "team", Sink())
    groups = view.control.widget.spec["groups"]
    assert len(groups) == len(content.elements())
    for group, el in zip(groups, content.elements(), strict=True):
        assert el.name in group["heading"]
        assert [s["text"] for s in group["statements"]] == [
            s.text for s in content.cell(el.id, "team").statements]
