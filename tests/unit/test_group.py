"""The anonymity rule of group views: the floor per cell, the leader, shared reflections."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import numpy as np
import pandas as pd
import pytest

from trace_widgets import answers, content, demo, group, scoring, store, workshop
from trace_widgets.answers import Answer

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.timezone.utc)
K = 3
COMMENT_K = 5


def person(n: int) -> str:
    return f"person{n:04d}" + "x" * 12


def rate_cell(who: str, element: str, space: str, score: int | None, *, rater: str = "self",
              minute: int = 0) -> list[Answer]:
    """Answers that give ``who`` the cell score ``score`` (reverse-worded ones turned round)."""
    at = T0 + dt.timedelta(minutes=minute)
    return [answers.make(who, st.id, None if score is None else 6 - score if st.reverse
                         else score, rater=rater, at=at)
            for st in content.cell(element, space).statements]


def frame(rows: list[Answer]) -> pd.DataFrame:
    out = answers.to_frame(rows)
    out["value"] = pd.Series([a.value for a in rows], dtype=object)
    return out


def grid_for(rows: list[Answer], *, k: int = K, spaces: tuple[str, ...] = ("team",)
             ) -> pd.DataFrame:
    cells = scoring.cell_scores(frame(rows))
    return group.group_grid(cells, k=k, spaces=spaces).set_index(["element", "space"])


# --- the floor per cell -----------------------------------------------------------------------


@pytest.mark.parametrize("raters", range(7))
def test_a_cell_is_shown_only_from_k_raters(raters: int) -> None:
    values = [1, 5, 2, 4, 3, 5]
    rows = [r for n in range(raters) for r in rate_cell(person(n), "task", "team", values[n])]
    # Someone else rates another cell, so the grid is never simply empty.
    rows += [r for n in range(10, 13) for r in rate_cell(person(n), "route", "team", 4)]
    cell = grid_for(rows).loc[("task", "team")]
    assert int(cell["n"]) == raters
    if raters < K:
        assert bool(cell["withheld"])
        assert cell[["mean", "sd", *group.count_columns()]].isna().all()
    else:
        assert not bool(cell["withheld"])
        assert float(cell["mean"]) == pytest.approx(np.mean(values[:raters]))
        assert float(cell["sd"]) == pytest.approx(np.std(values[:raters], ddof=1))
        assert sum(int(cell[c]) for c in group.count_columns()) == raters


@pytest.mark.parametrize(("k", "raters", "withheld"), [
    (1, 1, False), (2, 1, True), (5, 4, True), (5, 5, False),
])
def test_the_floor_is_k(k: int, raters: int, withheld: bool) -> None:
    rows = [r for n in range(raters) for r in rate_cell(person(n), "task", "team", 4)]
    assert bool(grid_for(rows, k=k).loc[("task", "team"), "withheld"]) is withheld


def test_a_withheld_cell_is_not_merged_into_another() -> None:
    shown = [r for n in range(3) for r in rate_cell(person(n), "route", "team", 2)]
    lonely = rate_cell(person(9), "task", "team", 5)
    grid = grid_for(shown + lonely)
    assert float(grid.loc[("route", "team"), "mean"]) == 2.0  # the 5 went nowhere
    assert len(grid) == len(content.elements())  # one row per cell, no totals
    assert grid.loc[("task", "team"), "withheld"]


def test_a_participant_with_too_few_statements_is_not_counted() -> None:
    half_missing = [answers.make(person(n), st.id, 4 if i == 0 else None)
                    for n in range(3)
                    for i, st in enumerate(content.cell("task", "team").statements)]
    cell = grid_for(half_missing).loc[("task", "team")]
    assert int(cell["n"]) == 0
    assert bool(cell["withheld"])


def test_only_the_workshop_spaces_are_reported() -> None:
    rows = [r for n in range(3) for r in rate_cell(person(n), "task", "self", 3)]
    grid = grid_for(rows, spaces=("team",))
    assert set(grid.index.get_level_values("space")) == {"team"}
    assert grid["withheld"].all()


def test_counts_round_half_up_like_the_chart() -> None:
    cells = pd.DataFrame({"element": ["task"] * 3, "space": ["team"] * 3,
                          "score": [3.5, 2.49, 4.0]})
    row = group.group_grid(cells, k=3, spaces=["team"]).iloc[0]
    assert [int(row[c]) for c in group.count_columns()] == [0, 1, 0, 2, 0]


# --- leader and members -----------------------------------------------------------------------


def team_rows(members: int, *, leader: bool = True) -> list[Answer]:
    rows = rate_cell(person(0), "task", "team", 5, rater="leader") if leader else []
    for n in range(1, members + 1):
        rows += rate_cell(person(n), "task", "team", 2 + n % 2, rater="member")
    return rows


def gap_for(rows: list[Answer], *, k: int = K) -> pd.Series:
    cells = scoring.cell_scores(frame(rows))
    return group.leader_gap(cells, k=k, spaces=["team"]).set_index(
        ["element", "space"]).loc[("task", "team")]


@pytest.mark.parametrize("members", [0, 1, 2])
def test_the_leader_is_not_shown_apart_from_too_few_members(members: int) -> None:
    row = gap_for(team_rows(members))
    assert bool(row["withheld"])
    assert row[["mean_self", "mean_others", "gap"]].isna().all()
    assert int(row["n_self"]) == 0
    assert int(row["n_others"]) == 0


@pytest.mark.parametrize("members", [3, 4, 6])
def test_the_leader_is_compared_with_enough_members(members: int) -> None:
    row = gap_for(team_rows(members))
    member_scores = [2 + n % 2 for n in range(1, members + 1)]
    assert not bool(row["withheld"])
    assert float(row["mean_self"]) == 5.0
    assert float(row["mean_others"]) == pytest.approx(np.mean(member_scores))
    assert float(row["gap"]) == pytest.approx(5.0 - np.mean(member_scores))
    assert (int(row["n_self"]), int(row["n_others"])) == (1, members)


def test_members_without_a_leader_give_no_comparison() -> None:
    assert bool(gap_for(team_rows(5, leader=False))["withheld"])


def test_the_leader_is_one_of_the_group_in_the_grid() -> None:
    # Leader plus two members: three people, so the cell is shown, as one group.
    cell = grid_for(team_rows(2)).loc[("task", "team")]
    assert int(cell["n"]) == 3
    assert not bool(cell["withheld"])
    assert bool(gap_for(team_rows(2))["withheld"])


# --- highlights and progress ------------------------------------------------------------------


def test_highlights_come_from_shown_cells_only() -> None:
    rows = [r for n in range(3) for r in rate_cell(person(n), "route", "team", [1, 3, 5][n])]
    rows += [r for n in range(3) for r in rate_cell(person(n), "task", "team", 4)]
    rows += rate_cell(person(7), "energy", "team", 1)  # lowest, but withheld
    found = group.highlights(grid_for(rows).reset_index())
    assert found.lowest == (("route", "team"), ("task", "team"))
    assert found.contested == (("route", "team"),)  # task has no spread at all


def test_progress_counts_started_and_finished() -> None:
    everything = [r for e in content.elements() for r in rate_cell(person(1), e.id, "team", None)]
    some = rate_cell(person(2), "task", "team", 3)
    reflection = [answers.make(person(3), "task.team.p1", "Hello")]
    result = group.progress(frame(everything + some + reflection), spaces=["team"])
    assert result == group.Progress(started=3, finished=1, joined=3)  # "not sure" counts


# --- shared reflections -----------------------------------------------------------------------


def shared_frame(sharers: int, *, prompt: str = "task.team.p1", extra: int = 0) -> pd.DataFrame:
    """``sharers`` people share their reflection; ``extra`` more write one but keep it."""
    rows = []
    for n in range(sharers + extra):
        rows.append({"participant": person(n), "exercise": "reflection", "item": prompt,
                     "value": f"reflection {n}", "at": T0})
        if n < sharers:
            rows.append({"participant": person(n), "exercise": "reflection",
                         "item": group.SHARE_PREFIX + prompt, "value": group.SHARE_YES,
                         "at": T0})
    return pd.DataFrame(rows, columns=["participant", "exercise", "item", "value", "at"])


@pytest.mark.parametrize(("sharers", "shown"), [(0, False), (4, False), (5, True), (7, True)])
def test_shared_reflections_need_the_comment_floor(sharers: int, shown: bool) -> None:
    comments = group.shared_comments(group.shared_texts(shared_frame(sharers, extra=3)),
                                     k=COMMENT_K)
    assert bool(comments) is shown
    if shown:
        (only,) = comments
        assert only.prompt == "task.team.p1"
        assert sorted(only.texts) == [f"reflection {n}" for n in range(sharers)]


def test_unshared_withdrawn_and_empty_reflections_stay_private() -> None:
    base = shared_frame(5, extra=2)
    later = T0 + dt.timedelta(minutes=5)
    changes = pd.DataFrame([
        # person 0 withdraws; person 1 edits after sharing; person 2's text becomes empty.
        {"participant": person(0), "exercise": "reflection", "item": "share.task.team.p1",
         "value": None, "at": later},
        {"participant": person(1), "exercise": "reflection", "item": "task.team.p1",
         "value": "edited", "at": later},
        {"participant": person(2), "exercise": "reflection", "item": "task.team.p1",
         "value": "   ", "at": later},
    ])
    shared = group.shared_texts(pd.concat([base, changes], ignore_index=True))
    assert sorted(shared["text"]) == ["edited", "reflection 3", "reflection 4"]
    assert group.shared_comments(shared, k=3)[0].texts == ("edited", "reflection 3",
                                                          "reflection 4")
    assert group.shared_comments(shared, k=4) == ()


def test_shared_reflections_are_sorted_not_in_the_order_written() -> None:
    shared = pd.DataFrame({"participant": [person(n) for n in range(5)],
                           "prompt": ["task.team.p1"] * 5,
                           "text": ["zebra", "Apple", "mango", "apple", "Banana"]})
    assert group.shared_comments(shared, k=5)[0].texts == (
        "Apple", "apple", "Banana", "mango", "zebra")


def test_a_share_flag_for_an_unknown_prompt_shares_nothing() -> None:
    rows = shared_frame(5, prompt="not.a.prompt")
    assert group.shared_texts(rows).empty


# --- nothing personal leaves the group functions ----------------------------------------------


SECRET = "MY-PRIVATE-WORDS"


@pytest.fixture
def busy_workshop() -> tuple[store.Store, str, list[str]]:
    """A team workshop with a leader, 6 members, reflections (private) and no shares."""
    s = store.open_store("sqlite://")
    w, _ = workshop.open_workshop(s, "Team day", "team", ["team", "organisation"])
    tokens = []
    for n in range(7):
        role = "leader" if n == 0 else "member"
        token = s.new_participant(workshop=w.code, role=role, consent=True)
        tokens.append(token)
        values: dict[str, object] = {st.id: 1 + (n + i) % 5 for i, (_, st) in
                                     enumerate(itertools.islice(
                                         ((c, st) for c in content.get().cells.values()
                                          if c.space == "team" for st in c.statements), 20))}
        values["task.team.p1"] = f"{SECRET} {n} {token}"
        s.save(token, values, rater=role)
    return s, w.code, tokens


def test_no_token_pseudonym_or_private_text_in_a_summary(
        busy_workshop: tuple[store.Store, str, list[str]]) -> None:
    s, code, tokens = busy_workshop
    frame_ = s.workshop_answers(code)
    pseudonyms = set(frame_["participant"])
    summary = group.summarise(frame_, kind="team", spaces=["team", "organisation"], k=K,
                              comment_k=COMMENT_K)
    text = "\n".join([repr(summary), summary.grid.to_csv(),
                      summary.gap.to_csv() if summary.gap is not None else "",
                      group.aggregates_csv(summary)])
    assert not any(t in text for t in tokens)
    assert not any(p in text for p in pseudonyms)
    assert SECRET not in text
    assert summary.progress.started == 7
    assert not summary.grid.loc[summary.grid["space"] == "team", "withheld"].any()


def test_aggregates_csv_leaves_withheld_cells_empty() -> None:
    summary = group.summarise(demo.demo_answers(2, seed=3), kind="team", spaces=["team"],
                              k=K, comment_k=COMMENT_K)
    lines = group.aggregates_csv(summary).splitlines()
    assert lines[0].startswith("element,space,withheld,n,mean,sd,count_1")
    # Every figure empty; then the round (1) and its change (none in round 1).
    assert all(",yes," in line and line.endswith(",yes,1,") for line in lines[1:])
    assert all(set(line.split(",")[3:-3]) == {""} for line in lines[1:])


def test_aggregates_csv_of_a_shown_cohort() -> None:
    summary = group.summarise(demo.demo_answers(5, seed=3), kind="cohort", spaces=["self"],
                              k=K, comment_k=COMMENT_K)
    rows = pd.read_csv(io.StringIO(group.aggregates_csv(summary)))
    assert list(rows["withheld"]) == ["no"] * 5
    assert "gap" not in rows.columns
    assert (rows[group.count_columns()].sum(axis=1) == rows["n"]).all()


def test_summary_same_as_compares_what_is_shown() -> None:
    answers_ = demo.demo_answers(5, seed=3)
    a = group.summarise(answers_, kind="team", spaces=["team"], k=K, comment_k=COMMENT_K)
    b = group.summarise(answers_, kind="team", spaces=["team"], k=K, comment_k=COMMENT_K)
    c = group.summarise(answers_, kind="team", spaces=["team"], k=6, comment_k=COMMENT_K)
    assert a.same_as(b)
    assert not a.same_as(c)
    assert not a.same_as(None)
