"""A coach's workshop in rounds: each round's figures under the same floors and one release
rule, the change between rounds, and no figure of one round subtracted from another's that
singles anyone out. On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Iterator

import pandas as pd
import pytest
import test_store

from trace_widgets import content, group, settings, store, workshop

pg_server = test_store.pg_server
store_url = test_store.store_url

K = 3


@pytest.fixture(autouse=True)
def default_settings() -> Iterator[None]:
    before = settings.get()
    settings.use(settings.Settings.from_env({}))
    yield
    settings.use(before)


@pytest.fixture
def s(store_url: str) -> Iterator[store.Store]:
    with store.open_store(store_url) as opened:
        yield opened


def rate(s: store.Store, token: str, score: int, *, element: str = "task",
         space: str = "team", rater: str = "self") -> None:
    """Give every statement of a cell so that the cell scores ``score`` (reverse-worded
    statements get the mirrored value)."""
    c = content.get()
    values = {st.id: (c.scale.low + c.scale.high - score) if st.reverse else score
              for st in c.cell(element, space).statements}
    s.save(token, values, rater=rater)


def cell(summary: group.Summary, r: int, element: str = "task") -> pd.Series:
    grid = summary.grids.get(r, summary.grid if r == summary.round else None)
    assert grid is not None
    return grid.set_index(["element", "space"]).loc[(element, "team")]


def people(s: store.Store, code: str, n: int) -> list[str]:
    return [s.new_participant(workshop=code, consent=True) for _ in range(n)]


def test_the_second_round_is_withheld_until_its_own_floor_then_shows_the_change(
        s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    room = people(s, made.code, 4)
    for t, v in zip(room, [2, 2, 3, 3], strict=True):
        rate(s, t, v)
    first = workshop.group_summary(s, made, k=K)
    assert first.round == 1
    assert first.change is None
    assert not first.grids
    assert float(cell(first, 1)["mean"]) == 2.5

    now = workshop.start_round(s, made)
    assert now.round == 2
    summary = workshop.group_summary(s, made, k=K)  # the dashboard's workshop is stale
    assert summary.round == 2
    assert bool(cell(summary, 2)["withheld"])
    assert int(cell(summary, 2)["n"]) == 0
    assert float(cell(summary, 1)["mean"]) == 2.5  # round 1 stays as it was published
    assert summary.change is not None
    assert summary.change["withheld"].all()

    # Two people rate again: under the floor in round 2, whatever round 1 showed.
    rate(s, room[0], 4)
    rate(s, room[1], 4)
    assert bool(cell(workshop.group_summary(s, made, k=K), 2)["withheld"])
    # A third rates again and the fourth re-chooses the same value: that counts.
    rate(s, room[2], 4)
    rate(s, room[3], 3)
    summary = workshop.group_summary(s, made, k=K)
    row = cell(summary, 2)
    assert (int(row["n"]), float(row["mean"]), bool(row["withheld"])) == (4, 3.75, False)
    change = summary.change.set_index(["element", "space"]).loc[("task", "team")]  # type: ignore[union-attr]
    assert (int(change["round_from"]), int(change["round_to"])) == (1, 2)
    assert (float(change["mean_from"]), float(change["mean_to"])) == (2.5, 3.75)
    assert float(change["change"]) == 1.25
    assert not bool(change["withheld"])
    # A cell nobody rated in either round: withheld in both, and its change too.
    assert bool(summary.change.set_index("element").loc["route", "withheld"])  # type: ignore[union-attr]


def test_someone_who_joins_in_round_2_rates_in_it(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    room = people(s, made.code, 3)
    for t in room:
        rate(s, t, 2)
    workshop.start_round(s, made)
    late = s.new_participant(workshop=made.code, consent=True)
    assert s.participant(late).round == 2
    for t in [*room[:2], late]:
        rate(s, t, 5)
    summary = workshop.group_summary(s, made, k=K)
    assert (int(cell(summary, 1)["n"]), int(cell(summary, 2)["n"])) == (3, 3)
    assert float(cell(summary, 2)["mean"]) == 5.0


def test_a_round_in_which_only_one_person_changed_stays_withheld(s: store.Store) -> None:
    """Round 2 differs from round 1 in one person only: its figures less round 1's would be
    that person's change, so round 2 waits until k people differ (or none)."""
    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    room = people(s, made.code, 5)
    for t in room:
        rate(s, t, 3)
    workshop.group_summary(s, made, k=K)
    workshop.start_round(s, made)
    for t in room[:4]:
        rate(s, t, 3)  # the same again
    rate(s, room[4], 5)  # one changed
    summary = workshop.group_summary(s, made, k=K)
    assert bool(cell(summary, 2)["withheld"])
    rate(s, room[3], 1)
    rate(s, room[2], 1)  # three differ now
    summary = workshop.group_summary(s, made, k=K)
    assert not bool(cell(summary, 2)["withheld"])
    assert float(cell(summary, 2)["mean"]) == pytest.approx((3 + 3 + 1 + 1 + 5) / 5)


def test_everyone_choosing_the_same_again_shows_no_change(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    room = people(s, made.code, 3)
    for t, v in zip(room, [2, 3, 4], strict=True):
        rate(s, t, v)
    workshop.group_summary(s, made, k=K)
    workshop.start_round(s, made)
    for t, v in zip(room, [2, 3, 4], strict=True):
        rate(s, t, v)
    summary = workshop.group_summary(s, made, k=K)
    assert float(cell(summary, 2)["mean"]) == 3.0
    assert summary.change is not None
    assert float(summary.change.set_index("element").loc["task", "change"]) == 0.0


def test_every_pair_of_figures_of_a_cell_across_rounds_differs_in_k_people(
        s: store.Store) -> None:
    """The rule across rounds: a coach reads after every single answer of three rounds;
    every two different snapshots ever published for a cell (in one round or in two) come
    from contributors that differ in at least k people."""
    rng = random.Random(4)
    made, _ = workshop.open_workshop(s, "Rounds", "team", ["team"])
    leader = s.new_participant(workshop=made.code, role="leader", consent=True)
    members = [s.new_participant(workshop=made.code, role="member", consent=True)
               for _ in range(6)]
    room = [(leader, "leader"), *((m, "member") for m in members)]
    elements = [e.id for e in content.get().elements[:2]]
    seen: dict[tuple[str, int], set[tuple[object, ...]]] = {}
    for r in (1, 2, 3):
        if r > 1:
            made = workshop.start_round(s, made)
        todo = [(t, role, e, rng.randint(1, 5)) for t, role in room for e in elements]
        rng.shuffle(todo)
        for t, role, e, v in todo[: len(todo) - rng.randint(0, 3)]:
            rate(s, t, v, element=e, rater=role)
            summary = workshop.group_summary(s, made, k=K)
            for rr, grid in (summary.grids or {1: summary.grid}).items():
                for row in grid.loc[~grid["withheld"]].to_dict("records"):
                    seen.setdefault((str(row["element"]), rr), set()).add(
                        (row["n"], round(float(row["mean"]), 9)))
    published = summary.release
    for e in elements:
        history = published.history(e, "team")
        assert len(history) >= 2
        for a, b in itertools.combinations(history, 2):
            if not group._same(a, b):
                assert group._changed(a, b, None) >= K
                for g in ("member",):
                    assert group._changed(a, b, g) in (0, *range(K, 99))
        # What the coach saw is what was published: one figure per release at most.
        shown = sum(len(seen.get((e, r), ())) for r in (1, 2, 3))
        assert shown <= len(history)


def test_the_release_keeps_rounds_through_the_store_and_reads_the_old_format(
        s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    room = people(s, made.code, 3)
    for t in room:
        rate(s, t, 2)
    workshop.group_summary(s, made, k=K)
    workshop.start_round(s, made)
    for t in room:
        rate(s, t, 4)
    workshop.group_summary(s, made, k=K)
    found = s.release_state(workshop.release_scope(made.code))
    assert found is not None
    kept = group.Release.from_json(found[1])
    assert kept.rounds() == (1, 2)
    assert kept.figures("task", "team", round=2).mean == 4.0  # type: ignore[union-attr]
    # A store from before rounds kept format 1: its cells are round 1's.
    old = ('{"cells":{"task|team":{"figures":{"all":{"counts":[0,3,0,0,0],"mean":2.0,'
           '"n":3,"sd":0.0,"withheld":false}},"history":[{"what":{"self":[1,2,3]},'
           '"who":{"self":[4,5,6]}}]}},"format":1}')
    assert group.Release.from_json(old).figures("task", "team", round=1).mean == 2.0  # type: ignore[union-attr]


def test_the_csv_has_each_rounds_rows_and_the_change(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Rounds", "team", ["team"])
    lead = s.new_participant(workshop=made.code, role="leader", consent=True)
    room = [s.new_participant(workshop=made.code, role="member", consent=True)
            for _ in range(3)]
    for t in room:
        rate(s, t, 2, rater="member")
    rate(s, lead, 4, rater="leader")
    workshop.group_summary(s, made, k=K)
    workshop.start_round(s, made)
    for t in room:
        rate(s, t, 3, rater="member")
    rate(s, lead, 5, rater="leader")
    summary = workshop.group_summary(s, made, k=K)
    rows = pd.read_csv(io.StringIO(group.aggregates_csv(summary)), dtype={"change": float})
    task = rows.set_index(["round", "element"]).loc[[(1, "task"), (2, "task")]]
    assert task["mean"].tolist() == [2.5, 3.5]
    assert task["members_mean"].tolist() == [2.0, 3.0]
    assert task["leader_mean"].tolist() == [4.0, 5.0]
    assert pd.isna(task["change"].iloc[0])
    assert task["change"].iloc[1] == 1.0
    assert len(rows) == 2 * len(content.get().elements)
    # Withheld cells leave their change empty too.
    assert rows.loc[rows["withheld"] == "yes", "change"].isna().all()


def test_a_closed_workshop_starts_no_round(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    s.close_workshop(made.code)
    with pytest.raises(store.StoreError):
        workshop.start_round(s, made)
    assert s.workshop(made.code).round == 1  # type: ignore[union-attr]


def test_the_command_line_starts_a_round_and_results_show_both(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from trace_widgets import cli  # noqa: PLC0415

    assert cli.main(["demo", "--workshop", "--code", "RNDS22", "--participants", "4",
                     "--spaces", "team", "--store", store_url]) == 0
    assert cli.main(["workshop", "round", "rnds22", "--store", store_url]) == 0
    assert "started round 2 of workshop RNDS22" in capsys.readouterr().err
    with store.open_store(store_url) as opened:
        assert opened.workshop("RNDS22").round == 2  # type: ignore[union-attr]
    assert cli.main(["workshop", "results", "RNDS22", "--store", store_url]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert sorted(set(table["round"])) == [1, 2]
    assert list(table.loc[table["round"] == 1, "withheld"]) == ["no"] * 5
    assert list(table.loc[table["round"] == 2, "withheld"]) == ["yes"] * 5  # none rated yet
    assert cli.main(["workshop", "round", "NOSUCH", "--store", store_url]) == 1


def test_the_dashboard_starts_a_round_after_a_confirmation_and_shows_the_change(
        s: store.Store) -> None:
    from trace_widgets.coach import Dashboard  # noqa: PLC0415

    made, _ = workshop.open_workshop(s, "Rounds", "cohort", ["team"])
    room = people(s, made.code, 3)
    for t, v in zip(room, [2, 2, 2], strict=True):
        rate(s, t, v)
    board = Dashboard(s, made)
    board.refresh()
    assert board.change.value == ""  # one round: nothing to compare
    assert board.round_button.description == "Start round 2"
    board.round_button.click()
    assert s.workshop(made.code).round == 1  # type: ignore[union-attr]  # not before the yes
    assert "Start round 2 now?" in board.round_warning.value
    assert board.round_row.layout.display == "flex"
    board.round_cancel.click()
    assert board.round_warning.value == ""
    board.round_button.click()
    board.round_confirm.click()
    assert s.workshop(made.code).round == 2  # type: ignore[union-attr]
    assert "Round 2 has started" in board.round_message.value
    assert board.round_button.description == "Start round 3"
    assert "Round 2" in board.round_now.value
    assert 'data-state="withheld"' in board.change.value
    assert "<strong>" not in board.change.value  # no change shown: round 2 is withheld
    for t, v in zip(room, [4, 4, 3], strict=True):
        rate(s, t, v)
    board.refresh()
    html = board.change.value
    assert 'data-element="task"' in html
    task = html.split('data-element="task"')[1].split("</tr>")[0]
    assert "2.0 (3 people)" in task
    assert "3.7 (3 people)" in task
    assert "+1.7" in task
    assert "From round 1 to round 2" in html
    assert "Change between rounds" in board.change_heading.value
    # The group report and the CSV carry the same figures.
    doc = board.report("html").decode()
    assert "Change between rounds" in doc
    assert "+1.7" in doc
