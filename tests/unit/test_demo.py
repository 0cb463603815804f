"""Demo answers: tidy, valid, reproducible, and spread like real ones."""

from __future__ import annotations

import pandas as pd
import pytest

from trace_widgets import answers, content, demo, scoring


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return demo.demo_answers(10, seed=3)


def test_columns_and_types(frame: pd.DataFrame) -> None:
    assert tuple(frame.columns) == answers.COLUMNS
    assert frame["value"].dtype == object
    ratings = frame.loc[frame["exercise"] == "rating", "value"]
    assert all(v is None or type(v) is int for v in ratings)
    assert isinstance(frame["at"].dtype, pd.DatetimeTZDtype)


def test_every_row_is_a_valid_answer(frame: pd.DataFrame) -> None:
    for r in frame.itertuples(index=False):
        again = answers.make(r.participant, r.item, r.value, workshop=r.workshop,
                             rater=r.rater, at=r.at)
        stored = [None if pd.isna(x) else x for x in (r.exercise, r.element, r.space)]
        assert [again.exercise, again.element, again.space] == stored


def test_same_seed_same_frame_other_seed_other_frame(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(frame, demo.demo_answers(10, seed=3))
    assert not frame["value"].equals(demo.demo_answers(10, seed=4)["value"])


def test_one_leader_and_members(frame: pd.DataFrame) -> None:
    raters = frame.groupby("participant")["rater"].first()
    assert (raters == "leader").sum() == 1
    assert (raters == "member").sum() == 9
    assert frame.loc[frame["participant"] == demo.participants(frame)[0], "rater"].eq(
        "leader").all()


def test_realistic_spread(frame: pd.DataFrame) -> None:
    ratings = frame.loc[frame["exercise"] == "rating", "value"]
    shares = ratings.isna().mean()
    assert 0.02 < shares < 0.15  # some "not sure"
    assert set(ratings.dropna()) == {1, 2, 3, 4, 5}
    cells = scoring.cell_scores(frame)
    assert cells["score"].std() > 0.4
    assert frame.duplicated(["participant", "item"]).any()  # a few answers were changed
    per_person = frame.loc[frame["space"] == "system"].groupby("participant").size()
    assert len(per_person) == 9  # one member stopped before the system space


def test_priorities_are_valid_choices(frame: pd.DataFrame) -> None:
    chosen = frame.loc[frame["exercise"] == "priorities", "value"]
    assert len(chosen) > 0
    for value in chosen:
        parts = value.split(",")
        assert 1 <= len(parts) <= content.get().max_priorities


def test_rounds_give_a_trend() -> None:
    frame = demo.demo_answers(3, seed=5, rounds=2)
    rounds = scoring.round_scores(frame)
    assert set(rounds["round"]) == {1, 2}
    assert rounds["score"].notna().mean() > 0.8


@pytest.mark.parametrize("kwargs", [{"n_participants": 0}, {"rounds": 9}])
def test_bad_arguments(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        demo.demo_answers(**kwargs)


def test_collecting_sink_keeps_rows() -> None:
    sink = demo.CollectingSink()
    sink([answers.make("d" * 22, "task.self.s1", 3)])
    sink([answers.make("d" * 22, "task.self.s1", None)])
    assert [r.value for r in sink.rows] == [3, None]
    assert sink.frame()["value"].tolist() == [3, None]
