"""The learner's view of their raters follows the one publication rule (``group.release``):
a learner who looks after every single rater answer cannot work out one rater's scores, and
their figures of others move only in releases. Also: the release is kept in the store, the
Plan step and the report show the same one, and erase takes it away."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trace_widgets import answers, content, group, others, scoring
from trace_widgets.journey._others import rater_views
from trace_widgets.store import Store, open_store, rater_release_scope

ALL_TEAM = [(e.id, s.id) for e in content.get().elements
            for s in content.cell(e.id, "team").statements]
TEAM = [(e, s) for e, s in ALL_TEAM if e in ("task", "route")]  # two cells: a lean test
# A learner's raters: a named line manager, five peers, three people they lead, three others
# (a group that stays under its floor holds a cell's figures once released: see privacy.md).
RATERS = [("manager", "m0"), *[("peer", f"p{i}") for i in range(5)],
          *[("report", f"r{i}") for i in range(3)], *[("other", f"o{i}") for i in range(3)]]
ANONYMOUS = [g.id for g in content.get().raters.groups if not g.named]


def _answer_stream(seed: int) -> list[tuple[str, str, str, int]]:
    """Every rater answers every team statement, in a random interleaving, and some change
    an answer later: (rater group, rater, item, value)."""
    rng = np.random.default_rng(seed)
    stream = [(g, who, item, int(rng.integers(1, 6))) for g, who in RATERS for _, item in TEAM]
    order = rng.permutation(len(stream))
    stream = [stream[i] for i in order]
    changes = [(g, who, item, int(rng.integers(1, 6)))
               for g, who, item, _ in (stream[i] for i in rng.choice(len(stream), 40))]
    return stream + changes


def _mine() -> list[answers.Answer]:
    return [answers.make("me" * 11, item, 4) for _, item in TEAM]


@functools.cache
def _views_after_every_answer(seed: int, *, released: bool) -> tuple[
        list[pd.DataFrame], list[pd.DataFrame], list[str], group.Release | None]:
    """The learner's view after each single answer (with the release rule or, for the
    attack's control, the figures of the moment), the raters' true cell scores at that
    moment, who answered just before it, and the last release."""
    rows = _mine()
    published: group.Release | None = None
    views, truths, who = [], [], []
    for g, rater, item, value in _answer_stream(seed):
        rows.append(answers.make(rater * (22 // len(rater)) + "x" * (22 % len(rater)), item,
                                 value, rater=g))
        cells = scoring.cell_scores(answers.to_frame(rows))
        if released:
            published = others.release(cells, published, spaces=["team"])
            views.append(others.released_views(cells, published))
        else:
            views.append(others.views(cells))
        truths.append(cells)
        who.append(rater)
    return views, truths, who, published


def _figure(view: pd.DataFrame, element: str, group_id: str) -> tuple[int, float]:
    row = view.loc[(view["element"] == element) & (view["space"] == "team")
                   & (view["group"] == group_id)].iloc[0]
    return int(row["n"]), float(row["mean"])


def _recovered(views: list[pd.DataFrame], truths: list[pd.DataFrame], who: list[str]) -> int:
    """The attack: after each answer, compare every shown figure of an anonymous group (or
    of all others) with the one before; the change in the total is the answering rater's
    score if only they moved it. Also subtract every shown group from all others. Count the
    exact cell scores of one anonymous rater this gives."""
    hits = 0
    for t in range(1, len(views)):
        truth = truths[t]
        rater = who[t]
        prefix = rater * (22 // len(rater)) + "x" * (22 % len(rater))
        for element in {e for e, _ in TEAM}:
            mine = truth.loc[(truth["participant"] == prefix) & (truth["element"] == element)
                             & (truth["space"] == "team"), "score"]
            score = float(mine.iloc[0]) if len(mine) else np.nan
            anonymous = not rater.startswith("m")
            for g in [*ANONYMOUS, others.ALL_OTHERS]:
                n0, m0 = _figure(views[t - 1], element, g)
                n1, m1 = _figure(views[t], element, g)
                if np.isnan(m1) or (n0 > 0 and np.isnan(m0)) or n1 != n0 + 1:
                    continue
                total0 = 0.0 if n0 == 0 else n0 * m0
                if anonymous and abs(n1 * m1 - total0 - score) < 1e-9:
                    hits += 1
            # Subtraction within one view: all others minus every shown group.
            n_all, m_all = _figure(views[t], element, others.ALL_OTHERS)
            if np.isnan(m_all):
                continue
            rest_n, rest_total = n_all, n_all * m_all
            for g in others.group_ids():
                n, m = _figure(views[t], element, g)
                if not np.isnan(m):
                    rest_n, rest_total = rest_n - n, rest_total - n * m
            if rest_n == 1:
                hits += 1
    return hits


def test_looking_after_every_rater_answer_reveals_no_rater() -> None:
    views, truths, who, _ = _views_after_every_answer(1, released=True)
    assert _recovered(views, truths, who) == 0
    # The figures are not simply withheld for ever: the release does show others' views.
    last = views[-1]
    shown = last.loc[(last["space"] == "team") & ~last["withheld"]]
    assert set(shown["group"]) >= {"self", "manager", "peer", "report", others.ALL_OTHERS}


def test_the_attack_works_on_the_figures_of_the_moment() -> None:
    # The control: without the release rule the same learner recovers raters' scores.
    views, truths, who, _ = _views_after_every_answer(1, released=False)
    assert _recovered(views, truths, who) > 0


def test_figures_of_others_move_only_in_releases() -> None:
    views, _, _, published = _views_after_every_answer(1, released=True)
    assert published is not None
    for element in {e for e, _ in TEAM}:
        seen: list[tuple[tuple[int, float | None], ...]] = []
        for view in views:
            now = tuple((n, None if np.isnan(m) else m)  # NaN is not equal to itself
                        for n, m in (_figure(view, element, g)
                                     for g in [*ANONYMOUS, others.ALL_OTHERS]))
            if now != (seen[-1] if seen else None):
                seen.append(now)
        # One state before the first release, then one per release, far fewer than the
        # answers the learner looked after.
        assert len(seen) - 1 == published.releases(element, "team")
        assert 1 <= published.releases(element, "team") < len(views) // 10


def test_a_line_manager_is_shown_at_once_and_named() -> None:
    rows = [*_mine(), *(answers.make("m" * 22, item, 2, rater="manager") for _, item in ALL_TEAM)]
    cells = scoring.cell_scores(answers.to_frame(rows))
    view = others.released_views(cells, others.release(cells, None))
    manager = view.loc[(view["group"] == "manager") & (view["space"] == "team")]
    assert manager["mean"].notna().all()
    assert manager["named"].all()
    assert view.loc[(view["group"] == others.ALL_OTHERS) & (view["space"] == "team"),
                    "withheld"].all()


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as opened:
        yield opened


def test_the_release_is_kept_shared_and_erased_with_the_learner(s: Store) -> None:
    me = s.new_participant(consent=True, display_name="Sam Jones")
    s.save(me, {item: 4 for _, item in ALL_TEAM})
    links = [s.invite(me, "peer", ["team"]) for _ in range(4)]
    for n, link in enumerate(links[:3]):
        s.record_consent(link)
        s.append([answers.make(link, item, 2 + n, rater="peer") for _, item in ALL_TEAM])
    first = rater_views(s, me, s.current(me))
    peer = first.loc[(first["group"] == "peer") & (first["space"] == "team")]
    assert peer["mean"].tolist() == [3.0] * 5
    scope = rater_release_scope(me, 1)
    assert s.release_state(scope) is not None
    # A fourth peer, then the first erasing theirs: each one person's change; held.
    s.record_consent(links[3])
    s.append([answers.make(links[3], item, 5, rater="peer") for _, item in ALL_TEAM])
    assert rater_views(s, me, s.current(me))["mean"].equals(first["mean"])
    s.erase(links[0])
    again = rater_views(s, me, s.current(me))
    assert again["mean"].equals(first["mean"])
    assert again["n"].equals(first["n"])
    # The learner's erase takes what they were shown away too.
    s.erase(me)
    assert s.release_state(scope) is None
