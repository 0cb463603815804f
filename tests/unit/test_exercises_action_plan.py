"""Action plan: actions with the content's fields, add and remove, and the plan as text."""

from __future__ import annotations

import datetime as dt
import logging
import urllib.parse

import ipywidgets as widgets
import pytest
from sinks import Sink
from traitlets import TraitError

from trace_widgets import answers, content
from trace_widgets.answers import AnswerError
from trace_widgets.exercises import (
    ActionPlanState,
    ManualScheduler,
    TextField,
    action_plan_view,
    plan_markdown,
)
from trace_widgets.exercises.action_plan import ActionPlanView

TOKEN = "a" * 22
FIELDS = tuple(f.id for f in content.get().action_plan.fields)
MAX = content.get().action_plan.max_actions
T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.timezone.utc)



def make_view(sink: Sink, clock: ManualScheduler, state: ActionPlanState | None = None
              ) -> ActionPlanView:
    state = state or ActionPlanState(TOKEN, element="route", space="team")
    return action_plan_view(state, sink, scheduler=clock)


def text_field(view: ActionPlanView, n: int, field_id: str) -> TextField:
    control = view.controls[(n, field_id)]
    assert isinstance(control, TextField)
    return control


# --- state ---------------------------------------------------------------------------------


def test_add_starts_an_action_with_the_plans_condition() -> None:
    state = ActionPlanState(TOKEN, element="route", space="team", workshop="X1", rater="member")
    rows = state.add()
    assert [a.item for a in rows] == [f"plan.1.{f}" for f in FIELDS]
    assert {a.item: a.value for a in rows}["plan.1.element"] == "route"
    assert {a.item: a.value for a in rows}["plan.1.space"] == "team"
    assert all(a.exercise == "action_plan" and a.workshop == "X1" for a in rows)
    assert state.count == 1
    assert state.value(1, "what") is None


def test_every_field_takes_its_kind_of_value() -> None:
    state = ActionPlanState(TOKEN)
    state.add()
    assert state.set(1, "element", "energy").value == "energy"
    assert state.set(1, "space", "system").value == "system"
    assert state.set(1, "what", "Pair new starters with a buddy.").value.startswith("Pair")
    assert state.set(1, "when", dt.date(2025, 6, 30)).value == "2025-06-30"
    assert state.set(1, "when", "2025-07-01").value == "2025-07-01"
    assert state.set(1, "when", None).value is None
    assert len(state.answers()) == len(FIELDS)


@pytest.mark.parametrize(("field_id", "value"), [
    ("element", "vision"), ("space", "galaxy"), ("when", "2025-02-30"), ("when", "31/03/2025"),
    ("when", dt.datetime(2025, 3, 31, 12)), ("what", "x" * 5_001), ("what", "nul\x00"),
    ("who", 42), ("element", 1),
])
def test_state_refuses_values_a_field_does_not_take(field_id: str, value: object) -> None:
    state = ActionPlanState(TOKEN)
    state.add()
    with pytest.raises(AnswerError):
        state.set(1, field_id, value)


@pytest.mark.parametrize(("n", "field_id"), [(0, "what"), (2, "what"), (True, "what"),
                                             ("1", "what"), (1, "colour")])
def test_state_refuses_actions_and_fields_that_do_not_exist(n: object, field_id: str) -> None:
    state = ActionPlanState(TOKEN)
    state.add()
    with pytest.raises(AnswerError):
        state.set(n, field_id, "x")  # type: ignore[arg-type]


def test_a_plan_holds_up_to_max_actions() -> None:
    state = ActionPlanState(TOKEN)
    for _ in range(MAX):
        state.add()
    with pytest.raises(AnswerError):
        state.add()


def test_state_checks_the_condition_it_is_for() -> None:
    with pytest.raises(AnswerError):
        ActionPlanState(TOKEN, element="vision")
    with pytest.raises(AnswerError):
        ActionPlanState(TOKEN, space="galaxy")


def test_remove_moves_later_actions_up_and_clears_the_last() -> None:
    state = ActionPlanState(TOKEN)
    for word in ("one", "two", "three"):
        state.add()
        state.set(state.count, "what", word)
    rows = state.remove(1)
    assert state.count == 2
    assert [state.value(n, "what") for n in (1, 2)] == ["two", "three"]
    by_item = {a.item: a.value for a in rows}
    assert by_item["plan.1.what"] == "two"
    assert by_item["plan.2.what"] == "three"
    assert all(by_item[f"plan.3.{f}"] is None for f in FIELDS)
    assert {a.item for a in state.answers()} == {f"plan.{n}.{f}" for n in (1, 2) for f in FIELDS}
    with pytest.raises(AnswerError):
        state.remove(3)


def test_resume_rebuilds_the_plan_from_stored_rows() -> None:
    state = ActionPlanState(TOKEN, element="task", space="self")
    rows = [*state.add(), state.set(1, "what", "Say no to one meeting a week.")]
    rows += state.add() + state.add()
    rows += state.remove(3)  # the cleared third slot is stored as empty values
    rows += [state.set(2, "when", "2025-05-01")]
    frame = answers.to_frame(rows)
    again = ActionPlanState.from_answers(frame, TOKEN, element="task", space="self")
    assert again.count == 2
    assert again.value(1, "what") == "Say no to one meeting a week."
    assert again.value(2, "when") == "2025-05-01"
    assert [(a.item, a.value) for a in again.answers()] == [
        (a.item, a.value) for a in state.answers()]


# --- the plan as text ------------------------------------------------------------------------


def test_plan_markdown_is_plain_text_with_names_and_attribution() -> None:
    c = content.get()
    state = ActionPlanState(TOKEN, element="capability", space="organisation")
    state.add()
    state.set(1, "what", "Run a <b>skills</b> swap & share\nonce a month")
    text = plan_markdown(state)
    assert text.startswith(f"# {c.text('plan.doc_title')}\n")
    assert f"## {c.text('plan.action_heading', n=1)}" in text
    assert "- **Condition:** Capability" in text
    assert "- **Space:** Organisation" in text
    # Learner text goes in as typed: this is text, nothing is escaped into HTML.
    assert "Run a <b>skills</b> swap & share\n  once a month" in text
    assert f"- **Who with:** {c.text('plan.doc_not_set')}" in text
    assert c.about.source_url in text


def test_an_empty_plan_says_so() -> None:
    assert content.get().text("plan.doc_empty") in plan_markdown(ActionPlanState(TOKEN))


# --- view ----------------------------------------------------------------------------------


def test_controls_are_labelled_by_the_field_labels() -> None:
    view = make_view(Sink(), ManualScheduler())
    view.add.click()
    for f in content.get().action_plan.fields:
        control = view.controls[(1, f.id)]
        widget = control.area if isinstance(control, TextField) else control
        assert widget.description == f.label
    assert isinstance(view.controls[(1, "when")], widgets.DatePicker)
    assert isinstance(view.controls[(1, "element")], widgets.Dropdown)
    assert view.controls[(1, "element")].value == "route"
    assert view.removers[1].description == content.get().text("plan.remove", n=1)


def test_add_choose_and_type_are_saved() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.add.click()
    assert len(sink.calls) == 1
    assert len(sink.calls[0]) == len(FIELDS)
    view.controls[(1, "space")].value = "organisation"
    assert sink.rows[-1].item == "plan.1.space"
    assert sink.rows[-1].value == "organisation"
    view.controls[(1, "when")].value = dt.date(2025, 9, 1)
    assert sink.rows[-1].value == "2025-09-01"
    text_field(view, 1, "who").area.value = "Priya and the rota group"
    assert sink.rows[-1].item != "plan.1.who"  # text waits for a pause
    clock.advance(1.0)
    assert (sink.rows[-1].item, sink.rows[-1].value) == ("plan.1.who", "Priya and the rota group")
    assert view.saver.message == "Saved"


def test_remove_redraws_the_plan_and_saves_the_shift() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.add.click()
    view.add.click()
    text_field(view, 2, "what").area.value = "second"
    view.removers[1].click()  # also saves the text still waiting
    assert view.state.count == 1
    assert len(view.actions.children) == 1
    assert text_field(view, 1, "what").area.value == "second"
    assert list(view.removers) == [1]
    stored = {a.item: a.value for a in sink.rows}
    assert stored["plan.1.what"] == "second"
    assert stored["plan.2.what"] is None


def test_adding_past_the_maximum_is_refused_with_a_message() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    for _ in range(MAX + 1):
        view.add.click()
    assert view.state.count == MAX
    assert view.saver.message == content.get().text("plan.full", max=MAX)


def test_a_forged_date_is_refused_and_put_back() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.add.click()
    picker = view.controls[(1, "when")]
    picker.value = dt.date(2025, 4, 1)
    picker.value = dt.datetime(2025, 4, 2, 10, 30)  # a date with a time passes the trait
    assert picker.value == dt.date(2025, 4, 1)
    assert view.state.value(1, "when") == "2025-04-01"
    assert view.saver.status == "rejected"
    assert sink.rows[-1].value == "2025-04-01"


def test_a_forged_choice_never_reaches_the_state() -> None:
    view = make_view(Sink(), ManualScheduler())
    view.add.click()
    with pytest.raises(TraitError):
        view.controls[(1, "element")].set_state({"index": 99})
    assert view.state.value(1, "element") == "route"


def test_forged_text_is_refused_and_the_last_good_text_comes_back() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.add.click()
    area = text_field(view, 1, "what").area
    area.value = "good"
    area.set_state({"value": "bad\x00"})
    assert area.value == "good"
    assert view.saver.message.startswith("That value could not be kept (")


def test_a_failing_sink_keeps_the_text(caplog: pytest.LogCaptureFixture) -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.add.click()
    sink.broken = True
    area = text_field(view, 1, "measure").area
    area.value = "Fewer late handovers."
    with caplog.at_level(logging.ERROR):
        clock.flush()
    assert area.value == "Fewer late handovers."
    assert view.saver.message == content.get().text("save.failed")
    sink.broken = False
    assert view.flush()
    assert sink.rows[-1].value == "Fewer late handovers."


def test_the_download_link_carries_the_plan_as_encoded_text() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.add.click()
    text_field(view, 1, "what").area.value = '<img src=x onerror="alert(1)"> & "quotes"'
    clock.flush()
    link = view.download.value
    assert "<img" not in link
    assert "onerror=\"" not in link
    href = link.split('href="', 1)[1].split('"', 1)[0]
    assert href.startswith("data:text/plain;charset=utf-8,")
    assert urllib.parse.unquote(href.split(",", 1)[1]) == plan_markdown(view.state)
    assert 'download="trace-action-plan.md"' in link


def test_a_resumed_view_shows_the_plan() -> None:
    state = ActionPlanState(TOKEN, element="energy", space="self")
    rows = [*state.add(), state.set(1, "when", "2025-05-01"), state.set(1, "who", "my coach")]
    again = ActionPlanState.from_answers(answers.to_frame(rows), TOKEN, element="energy",
                                         space="self")
    view = make_view(Sink(), ManualScheduler(), again)
    assert view.controls[(1, "element")].value == "energy"
    assert view.controls[(1, "when")].value == dt.date(2025, 5, 1)
    assert text_field(view, 1, "who").area.value == "my coach"
