"""Reflection exercise: free text with a live counter, saved after a pause."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from trace_widgets import answers, content, settings
from trace_widgets.answers import Answer, AnswerError
from trace_widgets.exercises import ManualScheduler, ReflectionState, reflection_view
from trace_widgets.exercises.reflection import ReflectionView

TOKEN = "t" * 22
P1, P2, P3 = (p.id for p in content.cell("route", "team").prompts[:3])


class Sink:
    def __init__(self) -> None:
        self.calls: list[list[Answer]] = []
        self.broken = False

    def __call__(self, rows: list[Answer]) -> None:
        if self.broken:
            raise OSError("could not connect to server")
        self.calls.append(list(rows))

    @property
    def rows(self) -> list[Answer]:
        return [r for call in self.calls for r in call]


@pytest.fixture
def limit_20() -> Iterator[None]:
    before = settings.get()
    settings.use(before.with_(text_limit=20))
    yield
    settings.use(before)


def make_view(sink: Sink, clock: ManualScheduler, state: ReflectionState | None = None
              ) -> ReflectionView:
    state = state or ReflectionState.for_cell(TOKEN, "route", "team")
    return reflection_view(state, sink, scheduler=clock)


# --- state ---------------------------------------------------------------------------------


def test_state_for_a_cell_has_its_prompts_in_order() -> None:
    state = ReflectionState.for_cell(TOKEN, "route", "team", workshop="AB12", rater="member")
    assert state.prompts == tuple(p.id for p in content.cell("route", "team").prompts)
    row = state.set(P1, "We re-plan every Monday.\nIt helps.")
    assert (row.exercise, row.element, row.space, row.workshop, row.rater) == (
        "reflection", "route", "team", "AB12", "member")
    assert state.text(P1) == "We re-plan every Monday.\nIt helps."
    assert state.text(P2) == ""
    assert [a.item for a in state.answers()] == [P1]


@pytest.mark.parametrize("text", [None, 3, b"bytes", ["a"]])
def test_state_refuses_what_is_not_text(text: object) -> None:
    state = ReflectionState.for_cell(TOKEN, "route", "team")
    with pytest.raises(AnswerError):
        state.set(P1, text)


@pytest.mark.parametrize("text", ["nul \x00 here", "lone \ud800 surrogate", "x" * 5_001])
def test_state_refuses_text_no_store_should_keep(text: str) -> None:
    state = ReflectionState.for_cell(TOKEN, "route", "team")
    with pytest.raises(AnswerError):
        state.set(P1, text)
    assert state.answers() == []


def test_state_limit_follows_the_settings(limit_20: None) -> None:
    state = ReflectionState.for_cell(TOKEN, "route", "team")
    assert state.limit == 20
    state.set(P1, "x" * 20)
    with pytest.raises(AnswerError):
        state.set(P1, "x" * 21)


@pytest.mark.parametrize("prompts", [(), "task.self.p1", ("task.self.s1",), ("nope",),
                                     ("task.self.p1", "task.self.p1")])
def test_state_checks_its_prompts(prompts: object) -> None:
    with pytest.raises(AnswerError):
        ReflectionState(TOKEN, prompts)  # type: ignore[arg-type]


def test_state_refuses_a_prompt_it_does_not_hold() -> None:
    state = ReflectionState(TOKEN, (P1,))
    with pytest.raises(AnswerError):
        state.set(P2, "text")


def test_resume_shows_text_exactly() -> None:
    text = "Line one\n  indented ünïcödé 🧭 <b>not html</b> & more"
    frame = answers.to_frame([answers.make(TOKEN, P1, "old"), answers.make(TOKEN, P1, text),
                              answers.make(TOKEN, P2, None)])
    state = ReflectionState.for_cell(TOKEN, "route", "team")
    state = ReflectionState.from_answers(frame, TOKEN, state.prompts)
    assert state.text(P1) == text
    assert state.text(P2) == ""
    view = make_view(Sink(), ManualScheduler(), state)
    assert view.fields[P1].area.value == text
    assert view.fields[P1].counter.value == content.get().text(
        "reflection.counter", count=len(text), limit=5_000)


# --- view ----------------------------------------------------------------------------------


def test_each_prompt_is_a_textarea_labelled_by_the_prompt() -> None:
    view = make_view(Sink(), ManualScheduler())
    for prompt in content.cell("route", "team").prompts:
        area = view.fields[prompt.id].area
        assert isinstance(area, widgets.Textarea)
        assert area.description == prompt.text  # rendered as <label for=textarea-id>
        assert not area.description_allow_html
        assert area.continuous_update  # the counter is live
        assert "trace-reflection" in area._dom_classes
        assert view.fields[prompt.id].counter.value == "0 / 5,000 characters"


def test_text_is_saved_a_second_after_the_last_keystroke() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    area = view.fields[P1].area
    for text in ("W", "We", "We plan"):
        area.value = text
        clock.advance(0.5)
    assert view.fields[P1].counter.value == "7 / 5,000 characters"
    assert sink.calls == []
    assert view.saver.message == "Saving…"
    clock.advance(0.5)
    assert [(a.item, a.value) for a in sink.rows] == [(P1, "We plan")]
    assert view.saver.message == "Saved"


def test_several_prompts_are_saved_together() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.fields[P1].area.value = "one"
    view.fields[P2].area.value = "two"
    clock.flush()
    assert len(sink.calls) == 1
    assert sorted((a.item, a.value) for a in sink.rows) == [(P1, "one"), (P2, "two")]


def test_flush_saves_at_once() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    view.fields[P3].area.value = "Ask for a weekly check-in."
    assert view.flush()
    assert sink.rows[0].value == "Ask for a weekly check-in."


def test_text_over_the_limit_stays_on_screen_and_is_not_saved(limit_20: None) -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    field = view.fields[P1]
    field.area.value = "short"
    clock.flush()
    field.area.value = "x" * 25
    clock.flush()
    assert field.area.value == "x" * 25  # the learner can shorten it
    assert field.counter.value == "25 / 20 characters"
    assert field.note.value == content.get().text("text.too_long", over=5, limit=20)
    assert "trace-over-limit" in field.box._dom_classes
    assert [a.value for a in sink.rows] == ["short"]
    assert view.state.text(P1) == "short"
    field.area.value = "y" * 20
    clock.flush()
    assert sink.rows[-1].value == "y" * 20
    assert field.note.value == ""
    assert "trace-over-limit" not in field.box._dom_classes


@pytest.mark.parametrize("forged", ["nul \x00", "lone \udc00", "x" * 20_001])
def test_forged_text_is_refused_and_the_last_good_text_comes_back(forged: str) -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    area = view.fields[P1].area
    area.value = "good"
    clock.flush()
    area.set_state({"value": forged})  # as a browser message would set it
    clock.flush()
    assert area.value == "good"
    assert view.state.text(P1) == "good"
    assert [a.value for a in sink.rows] == ["good"]
    assert view.saver.status == "rejected"
    assert view.saver.message.startswith("That text could not be kept (")


def test_a_failing_sink_keeps_the_text(caplog: pytest.LogCaptureFixture) -> None:
    sink, clock = Sink(), ManualScheduler()
    sink.broken = True
    view = make_view(sink, clock)
    area = view.fields[P1].area
    area.value = "My long careful answer."
    with caplog.at_level(logging.ERROR):
        clock.flush()
    assert area.value == "My long careful answer."
    assert view.state.text(P1) == "My long careful answer."
    assert view.saver.message == content.get().text("save.failed")
    assert "could not connect" in caplog.text
    sink.broken = False
    view.widget.children[-1].children[1].click()  # "Try again"
    assert sink.rows[0].value == "My long careful answer."
    assert view.saver.message == "Saved"


def test_typing_again_after_a_failure_saves_the_latest_text() -> None:
    sink, clock = Sink(), ManualScheduler()
    view = make_view(sink, clock)
    area = view.fields[P1].area
    sink.broken = True
    area.value = "first"
    clock.flush()
    sink.broken = False
    area.value = "first, then more"
    clock.flush()
    assert [a.value for a in sink.rows] == ["first, then more"]


def test_without_a_scheduler_the_kernel_loop_runs_the_timer() -> None:
    sink = Sink()

    async def main() -> tuple[int, int]:
        view = reflection_view(ReflectionState(TOKEN, (P1,)), sink, delay=0.01)
        view.fields[P1].area.value = "typed"
        before = len(sink.rows)
        await asyncio.sleep(0.1)
        return before, len(sink.rows)

    assert asyncio.run(main()) == (0, 1)
