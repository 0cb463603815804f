"""Rounds of rating, driven from Python: start a round, keep or re-choose, see the trend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_journey import _walk, start

from trace_widgets import content, scoring
from trace_widgets.answers import AnswerError, make
from trace_widgets.exercises import RatingState, RatingView, rating_view
from trace_widgets.journey import Journey
from trace_widgets.journey._plan import PlanStep
from trace_widgets.journey._space import SpaceStep
from trace_widgets.store import Store, open_store

AGREE = 3  # the index of "Agree" in the choice list


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as s:
        yield s


def rating_of(step: SpaceStep) -> RatingView:
    """The rating part of a space step (the kind registry builds it)."""
    return next(p.view for p in step.parts if isinstance(getattr(p, "view", None), RatingView))


def rate_space(step: SpaceStep, index: int = AGREE) -> None:
    view = rating_of(step)
    for item in view.state.items():
        view.choose(item, index)


def test_an_answer_is_kept_in_the_round_its_workbook_is_in(store: Store) -> None:
    t = store.new_participant(consent=True)
    store.save(t, {"task.self.s1": 2, "task.self.p1": "A note"})
    assert store.start_round(t) == 2
    assert store.participant(t).round == 2
    # The rating waits to be given again; the reflection carries on.
    assert store.current(t)["item"].tolist() == ["task.self.p1"]
    assert store.previous(t)["value"].tolist() == [2]
    store.save(t, {"task.self.s1": 2})
    assert store.history(t)["round"].tolist() == [1, 1, 2]
    # An earlier round is closed, and a later one has not begun.
    for stale in (1, 3):
        with pytest.raises(AnswerError) as caught:
            store.append(make(t, "task.self.s1", 4, round=stale))
        assert caught.value.field == "round"


def test_starting_a_round_with_nothing_rated_keeps_the_round(store: Store) -> None:
    t = store.new_participant(consent=True)
    store.save(t, {"task.self.p1": "Only a note"})
    assert store.start_round(t) == 1


def test_a_coach_starts_a_workshops_next_round_for_everyone(store: Store) -> None:
    store.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
    early = store.new_participant(workshop="W1", consent=True)
    store.save(early, {"task.team.s1": 2})
    assert store.start_workshop_round("W1") == 2
    late = store.new_participant(workshop="W1", consent=True)
    assert store.participant(early).round == store.participant(late).round == 2
    store.save(early, {"task.team.s1": 4})
    assert store.workshop_answers("W1")["value"].tolist() == [4]
    assert store.workshop_answers("W1", round=1)["value"].tolist() == [2]


def test_the_same_value_chosen_again_in_a_new_round_counts(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey)
    journey.go("self")
    rate_space(journey._built["self"].step)  # type: ignore[attr-defined]
    token = journey.session.token or ""
    journey.go("plan")
    plan: PlanStep = journey._built["plan"].step  # type: ignore[attr-defined]
    plan.new_round.click()
    assert journey.session.round == 2
    assert "self" not in journey._built  # built again, empty, with starting points
    journey.go("self")
    step: SpaceStep = journey._built["self"].step  # type: ignore[attr-defined]
    rating = rating_of(step)
    first = rating.state.items()[0]
    assert first not in rating.control.widget.answers  # nothing chosen for the learner
    assert content.ui("rating.previous", answer="Agree") == \
        rating.control.widget.spec["previous"][first]
    rate_space(step)  # every statement given again, unchanged
    rounds = scoring.round_scores(store.history(token))
    second = rounds[(rounds["round"] == 2) & (rounds["space"] == "self")]
    assert len(second) == 5
    assert second["score"].notna().all()


def test_one_action_keeps_last_rounds_answers_of_a_cell() -> None:
    p = "p" * 22
    kept: list = []
    state = RatingState(p, "team", elements=("task",))
    statements = [s.id for s in state.statements("task")]
    previous = {statements[0]: 2, statements[1]: None}
    view = rating_view(state, kept.extend, previous=previous)
    assert set(view.control.widget.spec["previous"]) == set(previous)
    assert view.control.keepable("task")
    view.control.widget._handle_custom_msg({"keep": "task"}, [])  # the cell's keep button
    assert [(a.item, a.value) for a in kept] == [(statements[0], 2), (statements[1], None)]
    assert view.control.widget.answers[statements[0]] == [1, 0, True]  # "Disagree", saved
    assert not view.control.keepable("task")  # the page hides the button and the hints


def test_the_plan_shows_the_trend_with_its_table_and_summary(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey)
    for value in (1, 3):
        journey.go("self")
        rate_space(journey._built["self"].step, value)  # type: ignore[attr-defined]
        journey.go("plan")
        plan: PlanStep = journey._built["plan"].step  # type: ignore[attr-defined]
        if value == 1:
            plan.new_round.click()
    plan.refresh()
    assert "Round 1" in plan.trend.view.value
    assert "Round 2" in plan.trend.view.value
    assert plan.trend_summary.value.startswith("<p>From round 1 to round 2:")
    assert any("trace-new-round-button" in w._dom_classes for w in _walk(plan.view))


def test_a_store_from_before_rounds_keeps_every_answer_in_round_1(tmp_path: Path) -> None:
    from sqlalchemy import text, update  # noqa: PLC0415

    from trace_widgets import _migrations  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    with open_store(url) as s:
        t = s.new_participant(consent=True)
        s.save(t, {"task.self.s1": 3})
        with s._engine.begin() as conn:  # make it as migration 3 left it (but the raters'
            conn.execute(text("DROP INDEX ix_participants_subject"))  # columns: migration 5
            for table in ("answers", "participants", "workshops"):
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN round"))
            conn.execute(update(_migrations.schema_version).values(version=3))
    with open_store(url) as s:
        assert s.history(t)["round"].tolist() == [1]
        assert s.participant(t).round == 1
        assert s.start_round(t) == 2


def test_an_open_workshop_page_follows_the_round_the_coach_starts(store: Store) -> None:
    """The coach starts round 2 while a participant is on the Team step: the page says so
    (a live region), shows the step again with round 1's answers as starting points, and
    the next answers go to round 2; someone who joins later starts in round 2."""
    from trace_widgets import workshop  # noqa: PLC0415

    made, _ = workshop.open_workshop(store, "Rounds", "cohort", ["team"])
    journey = Journey(store)
    journey.open({"w": made.code})
    start(journey)
    journey.go("team")
    rate_space(journey._built["team"].step)  # type: ignore[attr-defined]
    token = journey.session.token or ""
    notice = journey.round_watch.notice
    assert "trace-notice" in notice._dom_classes  # the page makes it a polite live region
    assert notice.value == ""
    assert not journey.round_watch.check()  # nothing new yet

    workshop.start_round(store, made)
    assert journey.round_watch.check()
    assert journey.session.round == 2
    assert "round 2" in notice.value
    assert "trace-round-notice-empty" not in notice._dom_classes
    step: SpaceStep = journey._built["team"].step  # type: ignore[attr-defined]
    assert journey.body.children == (step.view,)  # the step on screen is the new round's
    rating = rating_of(step)
    first = rating.state.items()[0]
    assert first not in rating.control.widget.answers
    assert content.ui("rating.previous", answer="Agree") == \
        rating.control.widget.spec["previous"][first]
    element = content.elements()[0].id
    rating.control.widget._handle_custom_msg({"keep": element}, [])  # keep with one action
    rounds = scoring.round_scores(store.history(token))
    cell = rounds[(rounds["element"] == element) & (rounds["space"] == "team")]
    assert cell["round"].tolist() == [1, 2]  # kept: the same score, now in round 2 too
    assert cell["score"].iloc[0] == cell["score"].iloc[1]
    assert not journey.round_watch.check()  # told once
    late = Journey(store)
    late.open({"w": made.code})
    start(late)
    assert late.session.round == 2
