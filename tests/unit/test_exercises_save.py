"""The save-status logic every exercise view shares: queue, debounce, sink, status."""

from __future__ import annotations

import asyncio
import logging

import pytest

from trace_widgets import answers, content
from trace_widgets.answers import Answer
from trace_widgets.exercises import ManualScheduler, Saver, loop_scheduler
from trace_widgets.exercises._save import problem

TOKEN = "s" * 22


def row(item: str = "task.self.s1", value: object = 4) -> Answer:
    return answers.make(TOKEN, item, value)


def test_save_now_calls_the_sink_and_says_saved() -> None:
    kept: list[list[Answer]] = []
    saver = Saver(kept.append)
    assert saver.status == "idle"
    assert saver.message == ""
    assert saver.save_now([row()])
    assert len(kept) == 1
    assert (saver.status, saver.message) == ("saved", content.get().text("save.saved"))
    assert saver.unsaved == ()


def test_the_sink_gets_a_list_it_may_keep() -> None:
    seen: list[object] = []
    Saver(seen.append).save_now(iter([row()]))
    assert isinstance(seen[0], list)


def test_save_later_waits_for_a_pause() -> None:
    kept: list[Answer] = []
    clock = ManualScheduler()
    saver = Saver(kept.extend, scheduler=clock, delay=1.0)
    saver.save_later([row("task.self.p1", "a")])
    assert saver.message == content.get().text("save.saving")
    clock.advance(0.8)
    saver.save_later([row("task.self.p1", "ab")])  # another keystroke: the clock restarts
    clock.advance(0.8)
    assert kept == []
    clock.advance(0.2)
    assert [a.value for a in kept] == ["ab"]  # only the latest text of the item
    assert saver.status == "saved"
    assert clock.pending == 0


def test_flush_saves_what_is_waiting_and_cancels_the_timer() -> None:
    kept: list[Answer] = []
    clock = ManualScheduler()
    saver = Saver(kept.extend, scheduler=clock)
    saver.save_later([row("task.self.p1", "a")])
    assert saver.flush()
    assert len(kept) == 1
    clock.flush()
    assert len(kept) == 1
    assert saver.flush()  # nothing waiting: nothing to do


def test_a_failed_save_keeps_the_rows_for_the_next_try(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[list[Answer]] = []
    broken = [True]

    def sink(rows: list[Answer]) -> None:
        if broken[0]:
            raise ConnectionError("server closed the connection unexpectedly")
        calls.append(rows)

    saver = Saver(sink)
    with caplog.at_level(logging.ERROR):
        assert not saver.save_now([row()])
    assert "server closed" in caplog.text
    assert saver.status == "failed"
    assert saver.message == content.get().text("save.failed")
    assert "server" not in saver.message
    assert [a.item for a in saver.unsaved] == ["task.self.s1"]
    broken[0] = False
    assert saver.save_now([row("task.self.s2", 2)])
    assert sorted(a.item for a in calls[0]) == ["task.self.s1", "task.self.s2"]
    assert saver.unsaved == ()


def test_a_timer_that_fails_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualScheduler()

    def sink(rows: list[Answer]) -> None:
        raise RuntimeError("disk full")

    saver = Saver(sink, scheduler=clock)
    saver.save_later([row()])
    with caplog.at_level(logging.ERROR):
        clock.flush()
    assert saver.status == "failed"
    assert "disk full" in caplog.text


def test_reject_and_fail_say_so() -> None:
    saver = Saver(lambda rows: None)
    saver.reject("That choice is not on the scale.")
    assert (saver.status, saver.message) == ("rejected", "That choice is not on the scale.")
    saver.fail()
    assert (saver.status, saver.message) == ("error", content.get().text("error.generic"))


def test_the_sink_must_be_callable_and_rows_must_be_answers() -> None:
    with pytest.raises(TypeError):
        Saver("not a sink")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Saver(lambda rows: None).save_now([{"item": "task.self.s1"}])  # type: ignore[list-item]


def test_loop_scheduler_without_a_loop_calls_at_once() -> None:
    calls: list[str] = []
    loop_scheduler(5.0, lambda: calls.append("now")).cancel()
    assert calls == ["now"]


def test_without_a_loop_a_failed_save_says_failed(caplog: pytest.LogCaptureFixture) -> None:
    def sink(rows: list[Answer]) -> None:
        raise OSError("locked")

    saver = Saver(sink)  # the default scheduler, and no running loop: saves at once
    with caplog.at_level(logging.ERROR):
        saver.save_later([row()])
    assert saver.status == "failed"
    assert len(saver.unsaved) == 1


def test_a_problem_quoting_a_huge_value_is_cut_short() -> None:
    state_error = answers.AnswerError("value", "answer.error.not_a_date", value="x" * 5_000)
    text = problem(state_error)
    assert len(text) == 160
    assert text.endswith("…")


def test_loop_scheduler_uses_the_running_loop() -> None:
    kept: list[Answer] = []

    async def main() -> tuple[int, int]:
        saver = Saver(kept.extend, delay=0.01)  # the default scheduler
        saver.save_later([row()])
        before = len(kept)
        await asyncio.sleep(0.1)
        return before, len(kept)

    assert asyncio.run(main()) == (0, 1)


class Flaky:
    """A sink that fails ``failures`` times, then keeps what it is given."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.kept: list[Answer] = []

    def __call__(self, rows: list[Answer]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise OSError("the store is not there")
        self.kept.extend(rows)


def test_a_failed_save_is_retried_on_its_own_with_growing_pauses(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualScheduler()
    sink = Flaky(3)
    saver = Saver(sink, scheduler=clock, retry=(1.0, 2.0, 4.0))
    with caplog.at_level(logging.ERROR):
        assert not saver.save_now([row()])
        assert saver.status == "failed"
        clock.advance(1.0)  # first retry: fails again
        assert (saver.failures, sink.kept) == (2, [])
        clock.advance(1.9)
        assert saver.failures == 2  # the second pause is 2 s
        clock.advance(0.1)
        assert saver.failures == 3
        clock.advance(4.0)  # third retry works
    assert [a.value for a in sink.kept] == [4]
    assert (saver.status, saver.failures, saver.unsaved) == ("saved", 0, ())
    assert clock.pending == 0  # nothing more to try


def test_the_longest_pause_repeats_until_the_store_is_back() -> None:
    clock = ManualScheduler()
    sink = Flaky(10)
    saver = Saver(sink, scheduler=clock, retry=(1.0, 5.0))
    saver.save_now([row()])
    for _ in range(10):  # the first pause, then 5 s each time
        clock.advance(5.0)
    assert [a.value for a in sink.kept] == [4]
    assert saver.status == "saved"


def test_on_saved_hears_the_very_rows_the_sink_took() -> None:
    clock = ManualScheduler()
    sink = Flaky(1)
    saver = Saver(sink, scheduler=clock)
    heard: list[list[Answer]] = []
    saver.on_saved(heard.append)
    first = row(value=2)
    saver.save_now([first])
    assert heard == []  # not saved: nothing to hear
    second = row(value=5)
    saver.save_now([second])  # replaces the first, not yet saved
    assert len(heard) == 1
    assert heard[0][0] is second


def test_a_broken_listener_does_not_undo_a_save(caplog: pytest.LogCaptureFixture) -> None:
    saver = Saver(lambda rows: None)

    def broken(rows: list[Answer]) -> None:
        raise RuntimeError("listener")

    saver.on_saved(broken)
    with caplog.at_level(logging.ERROR):
        assert saver.save_now([row()])
    assert saver.status == "saved"
    assert "listener" in caplog.text


def test_without_a_loop_a_retry_waits_for_the_next_save(caplog: pytest.LogCaptureFixture) -> None:
    sink = Flaky(1)
    saver = Saver(sink)
    with caplog.at_level(logging.ERROR):
        saver.save_now([row()])  # fails; no loop, so no timer and no endless retrying
    assert saver.status == "failed"
    assert saver.flush()
    assert [a.value for a in sink.kept] == [4]
