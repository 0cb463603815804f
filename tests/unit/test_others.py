"""Others' views: every floor for 0-5 raters per group, the half-answered rule, all others,
blind spots, hidden strengths and the line manager, worked out by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from trace_widgets import answers, content, others, scoring

CELL = ("task", "team")
FLOORS = {"manager": 1, "peer": 3, "report": 3, "other": 3}


def cells(*raters: tuple[str, float], cell: tuple[str, str] = CELL) -> pd.DataFrame:
    """Cell scores: the learner first (4.0), then one row per (group, score)."""
    rows = [("me", "self", 4.0), *((f"r{n}", g, s) for n, (g, s) in enumerate(raters))]
    return pd.DataFrame({"participant": [r[0] for r in rows], "rater": [r[1] for r in rows],
                         "element": cell[0], "space": cell[1],
                         "score": [r[2] for r in rows]})


def row(view: pd.DataFrame, group: str, cell: tuple[str, str] = CELL) -> pd.Series:
    found = view.loc[(view["element"] == cell[0]) & (view["space"] == cell[1])
                     & (view["group"] == group)]
    assert len(found) == 1
    return found.iloc[0]


def test_the_floors_come_from_the_content() -> None:
    rules = content.get().raters
    assert {g.id: g.floor for g in rules.groups} == FLOORS
    assert rules.all_others_floor == 4
    assert [g.id for g in rules.groups if g.named] == ["manager"]


@pytest.mark.parametrize("group", list(FLOORS))
@pytest.mark.parametrize("count", range(6))
def test_a_group_is_shown_exactly_from_its_floor(group: str, count: int) -> None:
    view = others.views(cells(*[(group, 2.0 + n * 0.5) for n in range(count)]))
    got = row(view, group)
    assert got["n"] == count  # how many answered is shown, withheld or not
    assert bool(got["withheld"]) == (count < FLOORS[group])
    assert others.group_shown(group, count) == (count >= FLOORS[group])
    if count >= FLOORS[group]:
        assert got["mean"] == pytest.approx(np.mean([2.0 + n * 0.5 for n in range(count)]))
    else:
        assert np.isnan(got["mean"])
    # Never merged into another group.
    for other in set(FLOORS) - {group}:
        assert row(view, other)["n"] == 0


@pytest.mark.parametrize("count", range(6))
def test_all_others_needs_four(count: int) -> None:
    view = others.views(cells(*[("peer", 3.0)] * count))
    got = row(view, others.ALL_OTHERS)
    assert got["n"] == count
    assert bool(got["withheld"]) == (count < 4)
    assert others.group_shown(others.ALL_OTHERS, count) == (count >= 4)


def test_all_others_is_withheld_when_it_would_single_out_a_withheld_rater() -> None:
    # Three peers are shown; with one report, all others minus peers is that one report.
    view = others.views(cells(*[("peer", 3.0)] * 3, ("report", 1.0)))
    assert not row(view, "peer")["withheld"]
    assert row(view, "report")["withheld"]
    assert row(view, others.ALL_OTHERS)["withheld"]
    # Three peers and three reports are both shown, and so may their total be.
    view = others.views(cells(*[("peer", 3.0)] * 3, *[("report", 1.0)] * 3))
    assert row(view, others.ALL_OTHERS)["mean"] == pytest.approx(2.0)
    # Two peers and two reports: both withheld, but four people together are anonymous.
    view = others.views(cells(*[("peer", 3.0)] * 2, *[("report", 1.0)] * 2))
    assert row(view, "peer")["withheld"]
    assert row(view, "report")["withheld"]
    assert row(view, others.ALL_OTHERS)["mean"] == pytest.approx(2.0)


def test_the_line_manager_is_shown_alone_and_named() -> None:
    view = others.views(cells(("manager", 2.0)))
    got = row(view, "manager")
    assert (got["n"], got["mean"], bool(got["withheld"]), bool(got["named"])) == \
        (1, 2.0, False, True)
    assert not row(view, "peer")["named"]
    # Manager plus three peers: everyone else is in a shown group, so all others may show.
    view = others.views(cells(("manager", 2.0), *[("peer", 4.0)] * 3))
    assert row(view, others.ALL_OTHERS)["mean"] == pytest.approx(3.5)


def test_a_rater_counts_for_a_cell_only_when_they_answered_half_its_statements() -> None:
    c = content.get()
    statements = [s.id for s in c.cell(*CELL).statements]
    half = (len(statements) + 1) // 2
    t0 = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
    rows = [answers.make("m" * 22, s, 4, at=t0) for s in statements]
    for n in range(3):  # three peers answer half, one answers less than half
        rows += [answers.make(f"{n}" * 22, s, 2, rater="peer", at=t0)
                 for s in statements[:half]]
    rows += [answers.make("x" * 22, s, 5, rater="peer", at=t0) for s in statements[:half - 1]]
    view = others.views(scoring.cell_scores(answers.to_frame(rows)))
    got = row(view, "peer")
    assert got["n"] == 3  # the fourth peer answered too few statements to count
    scores = [4 if st.reverse else 2 for st in c.cell(*CELL).statements[:half]]
    assert got["mean"] == pytest.approx(np.mean(scores))


def test_the_half_answered_rule_is_the_contents() -> None:
    assert content.get().raters.half_answered == 0.5


@pytest.mark.parametrize(("mine", "theirs", "expected"), [
    (4.6, 3.5, others.BLIND_SPOT), (4.5, 3.5, None), (3.5, 3.5, None),
    (2.5, 3.5, None), (2.4, 3.5, others.HIDDEN_STRENGTH), (1.0, 5.0, others.HIDDEN_STRENGTH),
    (4.0, float("nan"), None), (float("nan"), 3.0, None),
])
def test_blind_spots_and_hidden_strengths(mine: float, theirs: float,
                                          expected: str | None) -> None:
    assert others.flag(mine, theirs) == expected


def test_gaps_compare_with_all_others_and_flag_cells() -> None:
    blind = cells(*[("peer", 2.5)] * 4)  # self 4.0 against 2.5: blind spot
    hidden = cells(*[("report", 5.5 - 0.1)] * 4, cell=("route", "system")).iloc[1:]
    hidden = pd.concat([pd.DataFrame({"participant": ["me"], "rater": ["self"],
                                      "element": ["route"], "space": ["system"],
                                      "score": [2.0]}), hidden])
    gap = others.gaps(others.views(pd.concat([blind, hidden])))
    assert list(gap.columns) == list(others.GAP_COLUMNS)
    assert len(gap) == 20
    flagged = {(e, s): f for e, s, f in zip(gap["element"], gap["space"], gap["flag"],
                                            strict=True) if f}
    assert flagged == {CELL: others.BLIND_SPOT, ("route", "system"): others.HIDDEN_STRENGTH}
    text = others.summary(gap)
    assert "Task in Team" in text
    assert "Route in System" in text


def test_a_withheld_group_gives_no_gap() -> None:
    gap = others.gaps(others.views(cells(*[("peer", 1.0)] * 2)), against="peer")
    got = gap.loc[(gap["element"] == "task") & (gap["space"] == "team")].iloc[0]
    assert np.isnan(got["gap"])
    assert got["flag"] is None


def test_responses_count_per_group_never_who() -> None:
    links = pd.DataFrame({"group": ["peer"] * 3 + ["other"], "answered": [True, True, False,
                                                                          False]})
    got = others.responses(links)
    assert got.to_dict("records") == [
        {"group": "manager", "invited": 0, "responded": 0},
        {"group": "peer", "invited": 3, "responded": 2},
        {"group": "report", "invited": 0, "responded": 0},
        {"group": "other", "invited": 1, "responded": 0},
    ]


def test_many_learners_at_once_give_what_one_at_a_time_gives() -> None:
    rng = np.random.default_rng(4)
    frames = []
    groups = ["self", "manager", "peer", "peer", "peer", "report", "other", "other"]
    for subject in ("s1", "s2", "s3"):
        for round_no in (1, 2):
            for n, g in enumerate(groups[: rng.integers(3, len(groups) + 1)]):
                for e in content.get().elements:
                    frames.append({"subject": subject, "round": round_no, "participant": n,
                                   "rater": g, "element": e.id, "space": "team",
                                   "score": float(rng.integers(1, 6))})
    all_cells = pd.DataFrame(frames)
    wide = others.views_wide(all_cells, by=["subject", "round"])
    for (subject, round_no), part in all_cells.groupby(["subject", "round"]):
        one = others.views(part)
        mine = wide.loc[(wide["subject"] == subject) & (wide["round"] == round_no)]
        for g in ["self", *others.group_ids(), others.ALL_OTHERS]:
            got = mine[f"mean_{g}"].to_numpy()
            want = one.loc[one["group"] == g, "mean"].to_numpy()
            np.testing.assert_allclose(got, want)
            assert mine[f"n_{g}"].tolist() == one.loc[one["group"] == g, "n"].tolist()


def _reference_wide(cells: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """views_wide written the slow, plain way (a groupby per unit, cell and group), to hold
    the vectorised code to: the floors as data/raters.yaml states them."""
    c = content.get()
    rules = c.raters
    groups = ["self", *others.group_ids()]
    floors = {"self": 1, **{g.id: g.floor for g in rules.groups}}
    anonymous = min(g.floor for g in rules.groups if not g.named)
    frame = cells.assign(**{k: cells[k].astype(object) for k in
                            ["rater", "element", "space"]})
    frame = frame.loc[frame["rater"].isin(groups) & frame["score"].notna()
                      & frame[by].notna().all(axis=1)
                      & frame["element"].isin([e.id for e in c.elements])
                      & frame["space"].isin([s.id for s in c.spaces])]
    stats = frame.groupby([*by, "element", "space", "rater"], observed=True)["score"].agg(
        ["count", "sum"])
    units = sorted({tuple(u) for u in frame[by].itertuples(index=False)})
    rows = []
    for u in units:
        for e in c.elements:
            for s in c.spaces:
                row: dict[str, object] = dict(zip(by, u, strict=True))
                row.update(element=e.id, space=s.id)
                n_all = total_all = hidden = 0
                for g in groups:
                    n, total = stats.loc[(*u, e.id, s.id, g)] if (*u, e.id, s.id, g) in \
                        stats.index else (0, 0.0)
                    shown = n >= floors[g]
                    row[f"n_{g}"] = int(n)
                    row[f"mean_{g}"] = total / n if shown else np.nan
                    if g != "self":
                        n_all += n
                        total_all += total
                        hidden += 0 if shown else n
                shown = n_all >= rules.all_others_floor and (hidden in (0,) or
                                                              hidden >= anonymous)
                row["n_all_others"] = int(n_all)
                row["mean_all_others"] = total_all / n_all if shown else np.nan
                rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("by", [["subject", "round"], ["round", "subject"], ["subject"]])
def test_views_wide_gives_what_a_plain_groupby_gives(categorical: bool, by: list[str]
                                                     ) -> None:
    # Odd rows on purpose: unknown groups, unknown spaces, no score, no subject, and (for
    # ["round", "subject"]) more units after the first key than the lookup table takes.
    rng = np.random.default_rng(7)
    size = 12000
    subjects = [f"s{i:03d}" for i in range(300)]  # 10 rated often, 290 seldom
    weights = np.r_[np.full(10, 90.0), np.full(290, 0.1), 0.1]
    frame = pd.DataFrame({
        "subject": rng.choice([*subjects, None], size, p=weights / weights.sum()),
        "round": rng.integers(1, 4, size),
        "rater": rng.choice(["self", "manager", "peer", "report", "other", "leader"], size,
                            p=[0.2, 0.1, 0.3, 0.2, 0.15, 0.05]),
        "element": rng.choice([e.id for e in content.get().elements], size),
        "space": rng.choice([*(s.id for s in content.get().spaces), "moon"], size,
                            p=[0.24, 0.24, 0.24, 0.24, 0.04]),
        "score": np.where(rng.random(size) < 0.05, np.nan,
                          np.round(rng.uniform(1, 5, size), 2)),
    })
    if categorical:
        frame = frame.astype({"subject": "category", "rater": "category",
                              "element": "category", "space": "category", "round": "category"})
    got = others.views_wide(frame, by=by)
    want = _reference_wide(frame, by)
    assert len(got) == len(want)
    for col in [*by, "element", "space"]:
        assert got[col].astype(object).tolist() == want[col].tolist()
    for g in ["self", *others.group_ids(), others.ALL_OTHERS]:
        assert got[f"n_{g}"].tolist() == want[f"n_{g}"].tolist()
        np.testing.assert_allclose(got[f"mean_{g}"].to_numpy(dtype=float),
                                   want[f"mean_{g}"].to_numpy(dtype=float), rtol=1e-12)
    assert got["mean_all_others"].notna().any()  # the test data reaches the floors


def test_the_gap_grid_is_five_by_four_with_flags_and_reasons() -> None:
    blind = cells(*[("peer", 2.5)] * 4)  # self 4.0 against 2.5: a blind spot
    hidden = pd.DataFrame({"participant": ["me", *(f"q{i}" for i in range(4))],
                           "rater": ["self", *["report"] * 4], "element": "route",
                           "space": "system", "score": [2.0, 3.5, 3.5, 3.5, 3.5]})
    few = cells(*[("peer", 4.0)] * 2, cell=("energy", "organisation"))  # withheld
    grid = others.gap_grid(others.gaps(others.views(pd.concat([blind, hidden, few]))))
    c = content.get()
    assert list(grid.index) == [e.name for e in c.elements]
    assert list(grid.columns) == [s.name for s in c.spaces]
    assert grid.loc["Task", "Team"] == "+1.5 (Blind spot)"
    assert grid.loc["Route", "System"] == "-1.5 (Hidden strength)"
    assert grid.loc["Energy", "Organisation"] == "Not shown"
    # Raters can be asked about the self space (as a leader); not this time.
    assert set(grid["Self"]) == {"Not shown"}
    assert (grid.drop(columns="Self").to_numpy() == "Not shown").sum() == 15 - 2
    # Content whose raters are never asked about a space says so rather than "not shown".
    narrow = dataclasses.replace(c, raters=c.raters.model_copy(update={
        "spaces": ("team", "organisation", "system"), "instruments": {}, "chosen": ()}))
    grid = others.gap_grid(others.gaps(others.views(pd.concat([blind, hidden, few]))),
                           content=narrow)
    assert set(grid["Self"]) == {"Not rated by others"}


def said(*writers: tuple[str, str], space: str = "team") -> pd.DataFrame:
    """Raters' comment rows about the learner: one per (group, text)."""
    return pd.DataFrame({"participant": [f"r{n}" for n in range(len(writers))],
                         "exercise": "rater_comment", "space": space,
                         "rater": [g for g, _ in writers], "value": [t for _, t in writers]})


@pytest.mark.parametrize("group", list(FLOORS))
@pytest.mark.parametrize("count", range(6))
def test_a_groups_comments_are_shown_exactly_from_its_floor(group: str, count: int) -> None:
    texts = [f"Comment {n}." for n in reversed(range(count))]
    table = others.comments(said(*[(group, t) for t in texts]), spaces=["team"])
    got = table.set_index("group").loc[group]
    assert got["n"] == count
    assert bool(got["withheld"]) == (count < FLOORS[group])
    # Word for word and sorted (their order says nothing of who wrote first), or nothing.
    assert got["comments"] == (tuple(sorted(texts)) if count >= FLOORS[group] else ())
    # Never merged into another group, and no list of all others.
    assert set(table["group"]) == set(FLOORS)
    for other in set(FLOORS) - {group}:
        assert table.set_index("group").loc[other, "comments"] == ()


def test_a_blank_comment_does_not_count_towards_the_floor() -> None:
    table = others.comments(said(("peer", "Kind."), ("peer", "Calm."), ("peer", "   "),
                                 ("peer", None)), spaces=["team"])  # type: ignore[arg-type]
    peer = table.set_index("group").loc["peer"]
    assert (peer["n"], bool(peer["withheld"]), peer["comments"]) == (2, True, ())


def test_comments_are_per_space_and_ignore_ratings() -> None:
    rows = pd.concat([said(*[("peer", f"Team {n}.") for n in range(3)]),
                      said(("peer", "System."), space="system"),
                      said(("peer", 4)).assign(exercise="rating")], ignore_index=True)
    table = others.comments(rows).set_index(["space", "group"])
    assert table.loc[("team", "peer"), "comments"] == ("Team 0.", "Team 1.", "Team 2.")
    assert bool(table.loc[("system", "peer"), "withheld"])
    assert list(table.index.get_level_values("space").unique()) == list(
        content.get().raters.spaces)


def test_the_learner_is_not_told_whether_a_withheld_group_wrote() -> None:
    from trace_widgets.journey._others import comment_lines  # noqa: PLC0415

    base = [("manager", "Steady.")]
    one_peer = comment_lines(others.comments(said(*base, ("peer", "Kind.")), spaces=["team"]))
    no_peer = comment_lines(others.comments(said(*base), spaces=["team"]))
    assert one_peer == no_peer
    assert "Peers (fewer than 3)" in one_peer[-1][0]
    # Nothing shown anywhere: not even which groups are withheld.
    assert comment_lines(others.comments(said(("peer", "Kind.")), spaces=["team"])) == []
