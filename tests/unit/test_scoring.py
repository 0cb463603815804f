"""Scoring: reversed items, the half-answered rule, latest-wins, and group figures by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from trace_widgets import content, scoring
from trace_widgets.answers import COLUMNS
from trace_widgets.content import ItemSpec

T0 = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone.utc)
A, B, C = "alice", "bob", "carol"


@pytest.fixture(scope="module")
def made_up() -> content.Content:
    """The real model (elements, spaces, scale) with statements we control.

    Every cell has s1..s4 with s2 and s4 reverse-worded, except task/team, which has three
    statements (s2 reversed) so the half rule is tested on an odd count too.
    """
    real = content.get()
    cells = {}
    items = {}
    for (e, s), cell in real.cells.items():
        count = 3 if (e, s) == ("task", "team") else 4
        statements = tuple(
            content.Statement(id=f"{e}.{s}.s{n}", text=f"statement {n}", reverse=n in (2, 4))
            for n in range(1, count + 1)
        )
        cells[(e, s)] = cell.model_copy(update={"statements": statements})
        for st in statements:
            items[st.id] = ItemSpec(st.id, "rating", "rating", e, s, st.reverse)
    return dataclasses.replace(real, cells=cells, items=items)


def row(participant: str, item: str, value: object, *, minutes: float = 0, rater: str = "self",
        exercise: str = "rating", workshop: str = "", round_no: int = 1) -> tuple[object, ...]:
    element, space = item.split(".")[:2]
    return (participant, workshop, exercise, item, element, space, rater, round_no, "trace",
            "1", value, T0 + dt.timedelta(minutes=minutes))


def frame(*rows: tuple[object, ...]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=list(COLUMNS))
    out["at"] = pd.to_datetime(out["at"], utc=True)
    return out


def expect(df: pd.DataFrame, rows: list[dict[str, object]]) -> None:
    """``df`` has exactly these rows in these columns (NaN equals NaN, dtypes are loose)."""
    got = df[list(rows[0])].reset_index(drop=True)
    got = got.apply(lambda col: col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype)
                    else col)
    pd.testing.assert_frame_equal(got, pd.DataFrame(rows), check_dtype=False)


# --- item scores ------------------------------------------------------------------------------


def test_item_scores_reverse_the_reverse_worded_items(made_up: content.Content) -> None:
    answers = frame(row(A, "task.self.s1", 2), row(A, "task.self.s2", 5),
                    row(A, "task.self.s4", 4))
    items = scoring.item_scores(answers, made_up)
    assert list(items.columns) == list(scoring.ITEM_COLUMNS)
    expect(items, [
        {"item": "task.self.s1", "reverse": False, "value": 2.0, "score": 2.0},
        {"item": "task.self.s2", "reverse": True, "value": 5.0, "score": 1.0},
        {"item": "task.self.s4", "reverse": True, "value": 4.0, "score": 2.0},
    ])


def test_not_sure_is_missing_not_a_score(made_up: content.Content) -> None:
    items = scoring.item_scores(frame(row(A, "task.self.s2", None)), made_up)
    assert len(items) == 1
    assert math.isnan(items["value"].iloc[0])
    assert math.isnan(items["score"].iloc[0])


def test_latest_answer_wins_whatever_the_row_order(made_up: content.Content) -> None:
    answers = frame(
        row(A, "task.self.s1", 5, minutes=10),  # latest, but first in the frame
        row(A, "task.self.s1", 1, minutes=0),
        row(A, "task.self.s1", 3, minutes=5),
        row(B, "task.self.s1", 2, minutes=0),
        row(B, "task.self.s1", None, minutes=1),  # changing to "not sure" counts
    )
    items = scoring.item_scores(answers, made_up)
    expect(items, [
        {"participant": A, "score": 5.0}, {"participant": B, "score": np.nan}])


def test_on_equal_times_the_later_row_wins(made_up: content.Content) -> None:
    answers = frame(row(A, "task.self.s1", 1), row(A, "task.self.s1", 4))
    assert scoring.item_scores(answers, made_up)["score"].tolist() == [4.0]


def test_text_rows_and_unknown_items_are_not_scored(made_up: content.Content) -> None:
    answers = frame(row(A, "task.self.p1", "a reflection", exercise="reflection"),
                    row(A, "task.self.s9", 4),  # not in the content
                    row(A, "task.self.s1", 4))
    assert scoring.item_scores(answers, made_up)["item"].tolist() == ["task.self.s1"]


def test_off_scale_values_are_missing(made_up: content.Content) -> None:
    answers = frame(row(A, "task.self.s1", 0), row(A, "task.self.s3", 6),
                    row(A, "route.self.s1", "4?"), row(A, "route.self.s3", 3))
    items = scoring.item_scores(answers, made_up)
    assert items["score"].isna().tolist() == [True, True, True, False]


def test_item_scores_use_the_bundled_content_by_default() -> None:
    real = content.get()
    reversed_item = next(s.id for _, s in real.statements() if s.reverse)
    plain_item = next(s.id for _, s in real.statements() if not s.reverse)
    items = scoring.item_scores(frame(row(A, reversed_item, 4), row(A, plain_item, 4)))
    scores = dict(zip(items["item"], items["score"], strict=True))
    assert scores == {reversed_item: 2.0, plain_item: 4.0}


# --- cell scores ------------------------------------------------------------------------------


def test_cell_score_is_the_mean_of_answered_statements_after_reversing(
        made_up: content.Content) -> None:
    # s1 = 4, s2 = 2 -> 4, s3 not sure, s4 = 5 -> 1: (4 + 4 + 1) / 3 = 3.0
    answers = frame(row(A, "task.self.s1", 4), row(A, "task.self.s2", 2),
                    row(A, "task.self.s3", None), row(A, "task.self.s4", 5))
    cells = scoring.cell_scores(answers, made_up)
    assert list(cells.columns) == list(scoring.CELL_COLUMNS)
    expect(cells, [{"participant": A, "rater": "self", "element": "task", "space": "self",
                    "score": 3.0, "answered": 3, "items": 4}])


@pytest.mark.parametrize(("values", "expected"), [
    ({"s1": 4, "s3": 2}, 3.0),                      # 2 of 4: half is enough
    ({"s1": 4}, np.nan),                            # 1 of 4: fewer than half
    ({"s1": 4, "s2": None, "s3": None}, np.nan),    # not sure is not an answer
    ({"s1": None, "s2": None, "s3": None, "s4": None}, np.nan),
])
def test_fewer_than_half_answered_has_no_score(made_up: content.Content,
                                               values: dict[str, int | None],
                                               expected: float) -> None:
    answers = frame(*(row(A, f"route.team.{k}", v) for k, v in values.items()))
    cells = scoring.cell_scores(answers, made_up)
    assert len(cells) == 1
    assert cells["answered"].iloc[0] == sum(v is not None for v in values.values())
    np.testing.assert_equal(cells["score"].iloc[0], expected)


def test_half_rule_on_a_three_statement_cell(made_up: content.Content) -> None:
    one = scoring.cell_scores(frame(row(A, "task.team.s1", 5)), made_up)
    two = scoring.cell_scores(frame(row(A, "task.team.s1", 5), row(A, "task.team.s2", 5)),
                              made_up)
    assert one["items"].tolist() == [3]
    assert math.isnan(one["score"].iloc[0])
    assert two["score"].tolist() == [3.0]  # 5 and (6 - 5)


def test_one_row_per_participant_and_cell_in_content_order(made_up: content.Content) -> None:
    answers = frame(row(B, "energy.system.s1", 3), row(A, "route.self.s1", 2),
                    row(A, "route.self.s3", 4), row(A, "task.self.s1", 5),
                    row(A, "task.self.s3", 5))
    cells = scoring.cell_scores(answers, made_up)
    expect(cells, [
        {"participant": A, "element": "task", "space": "self", "score": 5.0},
        {"participant": A, "element": "route", "space": "self", "score": 3.0},
        {"participant": B, "element": "energy", "space": "system", "score": np.nan},
    ])


def test_cell_rater_is_the_role_on_the_latest_answer(made_up: content.Content) -> None:
    answers = frame(row(A, "task.self.s1", 4, rater="member", minutes=0),
                    row(A, "task.self.s3", 4, rater="leader", minutes=5))
    assert scoring.cell_scores(answers, made_up)["rater"].tolist() == ["leader"]


def test_empty_answers_give_empty_frames(made_up: content.Content) -> None:
    empty = frame()
    assert list(scoring.item_scores(empty, made_up).columns) == list(scoring.ITEM_COLUMNS)
    cells = scoring.cell_scores(empty, made_up)
    assert list(cells.columns) == list(scoring.CELL_COLUMNS)
    assert cells.empty
    assert scoring.group_cells(cells).empty
    assert list(scoring.gap(cells, "leader").columns) == list(scoring.GAP_COLUMNS)


def test_missing_columns_are_named() -> None:
    with pytest.raises(KeyError, match="value"):
        scoring.cell_scores(pd.DataFrame(columns=["participant", "exercise", "item"]))


# --- element and space scores -----------------------------------------------------------------


def test_element_and_space_scores_average_available_cells() -> None:
    cells = pd.DataFrame({
        "participant": [A] * 3, "rater": ["self"] * 3,
        "element": ["task", "task", "route"], "space": ["self", "team", "self"],
        "score": [4.0, 2.0, np.nan],
    })
    elements = scoring.element_scores(cells)
    expect(elements, [
        {"element": "route", "score": np.nan, "cells": 0},
        {"element": "task", "score": 3.0, "cells": 2},
    ])
    spaces = scoring.space_scores(cells)
    expect(spaces, [
        {"space": "self", "score": 4.0, "cells": 1},
        {"space": "team", "score": 2.0, "cells": 1},
    ])


def test_element_scores_follow_content_order_from_cell_scores(made_up: content.Content) -> None:
    answers = frame(*(row(A, f"{e}.self.{s}", 3) for e in ("energy", "task")
                      for s in ("s1", "s3")))
    elements = scoring.element_scores(scoring.cell_scores(answers, made_up))
    assert elements["element"].astype(str).tolist() == ["task", "energy"]


# --- rounds ----------------------------------------------------------------------------------


def test_rounds_score_each_on_its_own_rows(made_up: content.Content) -> None:
    answers = frame(
        row(A, "task.self.s1", 2, minutes=0), row(A, "task.self.s3", 2, minutes=3),
        # Round 2 a minute later: no time gap is needed, the round says it.
        row(A, "task.self.s1", 4, minutes=4, round_no=2),
        row(A, "task.self.s3", 5, minutes=5, round_no=2),
        row(B, "task.self.s1", 3, minutes=1),  # only one answer: no score in its round
    )
    rounds = scoring.round_scores(answers, made_up)
    expect(rounds, [
        {"participant": A, "round": 1, "score": 2.0},
        {"participant": A, "round": 2, "score": 4.5},
        {"participant": B, "round": 1, "score": np.nan},
    ])
    assert rounds["at"].tolist() == [pd.Timestamp(T0), pd.Timestamp(T0) + pd.Timedelta(minutes=4),
                                     pd.Timestamp(T0) + pd.Timedelta(minutes=1)]


def test_a_second_round_changing_one_statement_per_cell_scores_every_cell() -> None:
    """The issue's case: round 2 keeps every answer (given again) and changes one per cell.
    The old time-gap guess scored 0 of 20 cells for that second sitting."""
    c = content.get()
    rows = []
    for cell in c.cells.values():
        for n, st in enumerate(cell.statements):
            rows.append(row(A, st.id, 3, minutes=n))
            rows.append(row(A, st.id, 4 if n == 0 else 3, minutes=60 + n, round_no=2))
    rounds = scoring.round_scores(frame(*rows))
    second = rounds[rounds["round"] == 2]
    assert len(second) == len(c.cells) == 20
    assert second["score"].notna().all()


def test_a_round_with_one_statement_given_again_has_no_score_there(
        made_up: content.Content) -> None:
    answers = frame(*(row(A, f"task.self.s{n}", 3) for n in (1, 3)),
                    row(A, "task.self.s1", 5, round_no=2))
    rounds = scoring.round_scores(answers, made_up)
    assert rounds.loc[rounds["round"] == 2, "score"].isna().all()


# --- group figures ----------------------------------------------------------------------------


@pytest.fixture
def group() -> pd.DataFrame:
    """Cell scores of a leader and three members for two cells (one member gave no score)."""
    return pd.DataFrame({
        "participant": ["L", "m1", "m2", "m3", "L", "m1", "m2", "m3"],
        "rater": ["leader", "member", "member", "member"] * 2,
        "element": ["task"] * 4 + ["route"] * 4,
        "space": ["team"] * 8,
        "score": [5.0, 2.0, 3.0, 4.0, 1.0, 3.0, np.nan, 4.0],
    })


def test_group_cells_counts_means_and_spread(group: pd.DataFrame) -> None:
    out = scoring.group_cells(group)
    assert list(out.columns) == list(scoring.GROUP_COLUMNS)
    task = out.loc[out["element"] == "task"].iloc[0]
    # 5, 2, 3, 4: mean 3.5; sample variance (2.25 + 2.25 + 0.25 + 0.25) / 3
    assert (task["n"], task["mean"], task["min"], task["max"]) == (4, 3.5, 2.0, 5.0)
    assert task["sd"] == pytest.approx(math.sqrt(5 / 3))
    route = out.loc[out["element"] == "route"].iloc[0]
    assert (route["n"], route["mean"]) == (3, pytest.approx(8 / 3))


def test_group_cells_by_rater(group: pd.DataFrame) -> None:
    out = scoring.group_cells(group, by="rater")
    assert list(out.columns) == ["rater", *scoring.GROUP_COLUMNS]
    leader_task = out.loc[(out["rater"] == "leader") & (out["element"] == "task")].iloc[0]
    assert leader_task["n"] == 1
    assert math.isnan(leader_task["sd"])  # one person has no spread


def test_group_cells_keeps_a_cell_nobody_scored_with_n_zero() -> None:
    cells = pd.DataFrame({"element": ["task"], "space": ["team"], "score": [np.nan]})
    assert scoring.group_cells(cells)["n"].tolist() == [0]


def test_gap_leader_against_members(group: pd.DataFrame) -> None:
    out = scoring.gap(group, "leader")
    assert list(out.columns) == list(scoring.GAP_COLUMNS)
    by_element = out.set_index("element")
    # task: 5 - mean(2, 3, 4) = 2; route: 1 - mean(3, 4) = -2.5
    assert by_element.loc["task", "gap"] == 2.0
    assert by_element.loc["route", "gap"] == -2.5
    assert by_element.loc["route", ["n_self", "n_others"]].tolist() == [1, 2]


def test_gap_solo_self_against_others(group: pd.DataFrame) -> None:
    solo = group.replace({"rater": {"leader": "self", "member": "peer"}})
    out = scoring.gap(solo)  # default: "self" against everyone else
    assert out.set_index("element").loc["task", "gap"] == 2.0


def test_gap_accepts_several_roles_a_predicate_and_a_narrower_others(
        group: pd.DataFrame) -> None:
    with_observer = pd.concat([group, pd.DataFrame({
        "participant": ["o"], "rater": ["observer"], "element": ["task"], "space": ["team"],
        "score": [1.0]})], ignore_index=True)
    narrow = scoring.gap(with_observer, "leader", others="member").set_index("element")
    assert narrow.loc["task", ["n_others", "mean_others"]].tolist() == [3, 3.0]
    wide = scoring.gap(with_observer, "leader").set_index("element")
    assert wide.loc["task", "n_others"] == 4
    as_set = scoring.gap(with_observer, {"leader", "observer"}, others={"member"})
    as_mask = scoring.gap(with_observer, lambda r: r.isin(["leader", "observer"]),
                          others=lambda r: r == "member")
    pd.testing.assert_frame_equal(as_set, as_mask)
    assert as_set.set_index("element").loc["task", "mean_self"] == 3.0  # (5 + 1) / 2


def test_gap_keeps_cells_only_one_side_scored(group: pd.DataFrame) -> None:
    members_only = pd.concat([group, pd.DataFrame({
        "participant": ["m1"], "rater": ["member"], "element": ["energy"], "space": ["self"],
        "score": [4.0]})], ignore_index=True)
    energy = scoring.gap(members_only, "leader").set_index("element").loc["energy"]
    assert (energy["n_self"], energy["n_others"]) == (0, 1)
    assert math.isnan(energy["gap"])


def test_gap_has_no_anonymity_threshold(group: pd.DataFrame) -> None:
    two = group.loc[group["participant"].isin(["L", "m1"])]
    out = scoring.gap(two, "leader")
    assert out["n_others"].tolist() == [1, 1]  # shown as is; the coach withholds it


# --- scale ------------------------------------------------------------------------------------


def _synthetic_cells(participants: int, rng: np.random.Generator) -> pd.DataFrame:
    c = content.get()
    n_cells = len(c.cells)
    return pd.DataFrame({
        "participant": np.repeat(np.arange(participants).astype(str), n_cells),
        "rater": np.where(rng.random(participants * n_cells) < 0.1, "leader", "member"),
        "element": pd.Categorical(np.tile([e for e, _ in c.cells], participants)),
        "space": pd.Categorical(np.tile([s for _, s in c.cells], participants)),
        "score": rng.integers(4, 21, participants * n_cells) / 4,
    })


@pytest.mark.slow
def test_group_figures_for_100k_participants_count_everyone() -> None:
    # How long this takes is measured by benchmarks/bench_scoring.py, not asserted here.
    cells = _synthetic_cells(100_000, np.random.default_rng(0))
    groups = scoring.group_cells(cells)
    gaps = scoring.gap(cells, "leader")
    assert groups["n"].sum() == 2_000_000
    assert (gaps["n_self"] + gaps["n_others"]).sum() == 2_000_000
