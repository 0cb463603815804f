"""Scores from tidy answers: per statement, per cell, per element and space, and for groups.

Pure pandas and numpy: no widgets, no files, no store. Every function takes a tidy frame and
returns a new one. The per-participant functions work on whole arrays (one sort, then runs),
so they score 100,000 participants in seconds; the group functions are single groupbys.

Examples
--------
>>> from trace_widgets import answers, scoring
>>> rows = [answers.make("p" * 22, "task.self.s1", 4), answers.make("p" * 22, "task.self.s3", 2)]
>>> cells = scoring.cell_scores(answers.to_frame(rows))
>>> cells[["element", "space", "score", "answered", "items"]].to_dict("records")
[{'element': 'task', 'space': 'self', 'score': 3.0, 'answered': 2, 'items': 4}]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import content as content_mod

__all__ = [
    "CELL_COLUMNS",
    "GAP_COLUMNS",
    "GROUP_COLUMNS",
    "ITEM_COLUMNS",
    "RATING",
    "RaterSpec",
    "cell_scores",
    "element_scores",
    "gap",
    "group_cells",
    "item_scores",
    "round_scores",
    "space_scores",
]

RATING = "rating"
"""The exercise id of rating rows; every other exercise is text and is not scored."""

ITEM_COLUMNS = (
    "participant", "workshop", "rater", "item", "element", "space", "reverse", "value", "score",
    "at",
)
CELL_COLUMNS = ("participant", "rater", "element", "space", "score", "answered", "items")
GROUP_COLUMNS = ("element", "space", "n", "mean", "sd", "min", "max")
GAP_COLUMNS = ("element", "space", "n_self", "mean_self", "n_others", "mean_others", "gap")

RaterSpec = str | Collection[str] | Callable[[pd.Series], Any]
"""Who is in a rater group: one role, several roles, or a function of the ``rater`` column
that returns a boolean mask."""


# --- content as arrays ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    """The rating items and cells of the content as arrays, in content order."""

    items: pd.Index  # rating item ids, grouped by cell in content order
    item_cell: np.ndarray  # cell number of each item
    reverse: np.ndarray  # whether each item is reverse-worded
    cell_element: np.ndarray  # element number of each cell
    cell_space: np.ndarray  # space number of each cell
    cell_items: np.ndarray  # statements in each cell
    elements: pd.CategoricalDtype
    spaces: pd.CategoricalDtype
    low: int
    high: int


def _grid(c: content_mod.Content, instrument: str | None = None) -> _Grid:
    """The grid of one instrument (default: the main one, whose statements are the cells'),
    on that instrument's own scale."""
    element_no = {e.id: n for n, e in enumerate(c.elements)}
    space_no = {s.id: n for n, s in enumerate(c.spaces)}
    bank = c.instrument(instrument) if instrument is not None else None
    scale = c.scale_of(instrument)
    if bank is None or bank.main:  # the main instrument's statements are the cells' own
        cells = [((x.element, x.space), x.statements) for x in c.cells.values()]
    else:
        cells = list(bank.cells.items())
    ids: list[str] = []
    item_cell: list[int] = []
    reverse: list[bool] = []
    for n, (_, statements) in enumerate(cells):
        for st in statements:
            ids.append(st.id)
            item_cell.append(n)
            reverse.append(st.reverse)
    return _Grid(
        items=pd.Index(ids, dtype=object),
        item_cell=np.asarray(item_cell, dtype=np.int64),
        reverse=np.asarray(reverse, dtype=bool),
        cell_element=np.asarray([element_no[e] for (e, _), _ in cells], dtype=np.int64),
        cell_space=np.asarray([space_no[s] for (_, s), _ in cells], dtype=np.int64),
        cell_items=np.asarray([len(sts) for _, sts in cells], dtype=np.int64),
        elements=pd.CategoricalDtype([e.id for e in c.elements], ordered=True),
        spaces=pd.CategoricalDtype([s.id for s in c.spaces], ordered=True),
        low=scale.low,
        high=scale.high,
    )


def _category(codes: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=dtype)


# --- answers to scored rating rows ------------------------------------------------------------


@dataclass(frozen=True)
class _Rated:
    """Current rating rows as arrays, sorted by (unit, item); ``rows`` index ``frame``."""

    frame: pd.DataFrame  # the rating rows of the answers, in their original order
    rows: np.ndarray  # positions in ``frame`` of the kept rows
    unit: np.ndarray  # whose answer: participant (or participant and round) number
    item: np.ndarray  # item number in the grid
    at: np.ndarray  # answer time as int64
    value: np.ndarray  # the rating as given, NaN for "not sure"
    score: np.ndarray  # the rating after reversing


def _rating_rows(answers: pd.DataFrame, grid: _Grid) -> tuple[pd.DataFrame, np.ndarray]:
    """Rating rows for items the content knows, and each row's item number.

    Rows for unknown items (a retired statement, a typo) are dropped: without the content we
    cannot know whether the item is reverse-worded, so any score would be a guess.
    """
    frame = answers.loc[(answers["exercise"] == RATING).to_numpy(dtype=bool)]
    codes, uniques = pd.factorize(frame["item"])
    item = grid.items.get_indexer(uniques)[codes] if len(frame) else codes
    known = item >= 0
    return frame.loc[known] if not known.all() else frame, item[known]


def _times(at: pd.Series) -> np.ndarray:
    """Answer times as int64; rows without a time sort first, as the oldest."""
    if not isinstance(at.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(at):
        at = pd.to_datetime(at, utc=True)
    return at.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).astype(np.int64)


def _ratings(values: pd.Series, grid: _Grid) -> np.ndarray:
    """Values as floats; "not sure" (None), text and anything off the scale become NaN."""
    try:
        # Fast path for ints and None; texts or pd.NA fall back to the slower, lenient parse.
        v = np.asarray(values.to_numpy(), dtype=np.float64)
    except (TypeError, ValueError):
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    on_scale = (v >= grid.low) & (v <= grid.high) & (np.floor(v) == v)
    return np.where(on_scale, v, np.nan)


def _latest(unit: np.ndarray, item: np.ndarray, at: np.ndarray, n_items: int) -> np.ndarray:
    """Positions of the latest row per (unit, item), sorted by unit then item.

    Two stable sorts (time, then key) put each key's rows in time order; the last row of each
    run wins. Rows with the same time keep their frame order, so the later row wins.
    """
    by_time = np.argsort(at, kind="stable")
    key = unit[by_time] * n_items + item[by_time]
    order = by_time[np.argsort(key, kind="stable")]
    key = unit[order] * n_items + item[order]
    last = np.ones(len(key), dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    return order[last]


def _rated(frame: pd.DataFrame, item: np.ndarray, grid: _Grid,
           unit: np.ndarray | None = None) -> _Rated:
    """Current rows of :func:`_rating_rows`; ``unit`` groups them (default: by participant)."""
    if unit is None:
        unit = pd.factorize(frame["participant"], sort=True)[0].astype(np.int64)
    at = _times(frame["at"])
    rows = _latest(unit, item, at, len(grid.items))
    item = item[rows]
    value = _ratings(frame["value"].take(rows), grid)
    score = np.where(grid.reverse[item], grid.low + grid.high - value, value)
    return _Rated(frame, rows, unit[rows], item, at[rows], value, score)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} needs the columns {', '.join(missing)}")


# --- per participant --------------------------------------------------------------------------


def item_scores(answers: pd.DataFrame, content: content_mod.Content | None = None, *,
                instrument: str | None = None) -> pd.DataFrame:
    """The current score of every rating statement each participant answered.

    Only rating rows count (``exercise == "rating"``); the latest row per (participant, item)
    wins (on equal times, the later row in the frame); reverse-worded statements are turned
    round on the instrument's scale (``low + high - value``, so 6 - v on 1-5, 8 - v on
    1-7); "not sure" (``None``) and values off that scale are missing.

    Parameters
    ----------
    answers
        Tidy answers with :data:`trace_widgets.answers.COLUMNS`: ``participant``,
        ``workshop``, ``exercise``, ``item``, ``rater``, ``value`` and ``at`` are used;
        element and space come from the content. Rows for items the content does not know
        are dropped.
    content
        The content (default :func:`trace_widgets.content.get`).
    instrument
        Score the statements of this instrument (default: the main one, the cells' own).
        Each call scores one instrument: answers to another one's statements are left out,
        so a pulse and a full round are never pooled.

    Returns
    -------
    DataFrame
        :data:`ITEM_COLUMNS`: participant, workshop, rater, item, element, space (ordered
        categoricals in content order), reverse (bool), value (the rating as given, float,
        NaN for not sure), score (after reversing), at. Sorted by participant, then item in
        content order.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> rows = [answers.make("p" * 22, "task.self.s2", 5)]  # a reverse-worded statement
    >>> item_scores(answers.to_frame(rows))[["item", "value", "score"]].to_dict("records")
    [{'item': 'task.self.s2', 'value': 5.0, 'score': 1.0}]
    """
    _require(answers, ("participant", "workshop", "exercise", "item", "rater", "value", "at"),
             "item_scores")
    grid = _grid(content or content_mod.get(), instrument)
    r = _rated(*_rating_rows(answers, grid), grid)
    cell = grid.item_cell[r.item]
    return pd.DataFrame({
        "participant": _take(r.frame["participant"], r.rows),
        "workshop": _take(r.frame["workshop"], r.rows),
        "rater": _take(r.frame["rater"], r.rows),
        "item": _take(pd.Series(grid.items), r.item),
        "element": _category(grid.cell_element[cell], grid.elements),
        "space": _category(grid.cell_space[cell], grid.spaces),
        "reverse": grid.reverse[r.item],
        "value": r.value,
        "score": r.score,
        "at": _take(r.frame["at"], r.rows),
    }, columns=list(ITEM_COLUMNS))


def _take(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """Rows of a column, keeping its dtype (``to_numpy`` would box 8M timestamps)."""
    return pd.Series(column.array.take(rows), copy=False)


def _cells(r: _Rated, grid: _Grid) -> tuple[pd.DataFrame, np.ndarray]:
    """Cell scores per (unit, cell) from current rating rows, and each row's unit number.

    Rows arrive sorted by unit then item, and items are grouped by cell, so each (unit, cell)
    is one run of rows: sums and counts are ``reduceat`` over the run starts, no hashing.
    """
    n_cells = len(grid.cell_items)
    key = r.unit * n_cells + grid.item_cell[r.item]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
    if len(start) == 0:
        return _empty_cells(grid), np.zeros(0, dtype=np.int64)
    answered_each = ~np.isnan(r.score)
    answered = np.add.reduceat(answered_each.astype(np.int64), start)
    total = np.add.reduceat(np.where(answered_each, r.score, 0.0), start)
    cell = key[start] % n_cells
    items = grid.cell_items[cell]
    # Fewer than half the statements answered: the mean of one or two would mislead.
    enough = 2 * answered >= items
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(enough & (answered > 0), total / np.maximum(answered, 1), np.nan)
    latest = r.rows[_latest_in_runs(r.at, start)]
    out = pd.DataFrame({
        "participant": _take(r.frame["participant"], latest),
        "rater": _take(r.frame["rater"], latest),
        "element": _category(grid.cell_element[cell], grid.elements),
        "space": _category(grid.cell_space[cell], grid.spaces),
        "score": score,
        "answered": answered,
        "items": items,
    }, columns=list(CELL_COLUMNS))
    return out, key[start] // n_cells


def _latest_in_runs(at: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Position of the latest row in each run (the last one on equal times)."""
    length = np.diff(np.r_[start, len(at)])
    run = np.repeat(np.arange(len(start)), length)
    newest = np.flatnonzero(at == np.maximum.reduceat(at, start)[run])
    run_of = run[newest]
    last = np.ones(len(newest), dtype=bool)
    last[:-1] = run_of[1:] != run_of[:-1]
    return newest[last]


def _empty_cells(grid: _Grid) -> pd.DataFrame:
    return pd.DataFrame({
        "participant": pd.Series([], dtype=object),
        "rater": pd.Series([], dtype=object),
        "element": pd.Categorical([], dtype=grid.elements),
        "space": pd.Categorical([], dtype=grid.spaces),
        "score": pd.Series([], dtype=np.float64),
        "answered": pd.Series([], dtype=np.int64),
        "items": pd.Series([], dtype=np.int64),
    })


def cell_scores(answers: pd.DataFrame, content: content_mod.Content | None = None, *,
                instrument: str | None = None) -> pd.DataFrame:
    """Each participant's score for each TRACE cell (element x space) they rated.

    The score is the mean of the cell's answered statements after reversing (see
    :func:`item_scores`). A cell where fewer than half of its statements are answered ("not
    sure" is not an answer) has score NaN, not a misleading number.

    Parameters
    ----------
    answers
        Tidy answers with :data:`trace_widgets.answers.COLUMNS` (see :func:`item_scores`).
    content
        The content (default :func:`trace_widgets.content.get`); it says how many statements
        each cell has.
    instrument
        Score the statements of this instrument (default: the main one, the cells' own).
        Each call scores one instrument: answers to another one's statements are left out,
        so a pulse and a full round are never pooled.

    Returns
    -------
    DataFrame
        :data:`CELL_COLUMNS`: participant, rater (the role on the cell's latest answer),
        element, space (ordered categoricals), score (float, NaN when too few answered),
        answered (statements answered), items (statements in the cell). One row per
        participant and cell with any rating rows, sorted by participant then cell in content
        order.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> p = "p" * 22
    >>> rows = [answers.make(p, "task.self.s1", 4), answers.make(p, "task.self.s3", None)]
    >>> cell_scores(answers.to_frame(rows))[["score", "answered", "items"]].to_dict("records")
    [{'score': nan, 'answered': 1, 'items': 4}]
    >>> pulse = answers.to_frame([answers.make(p, "pulse.task.self", 4)])
    >>> len(cell_scores(pulse)), cell_scores(pulse, instrument="pulse")["items"].tolist()
    (0, [1])
    """
    _require(answers, ("participant", "exercise", "item", "rater", "value", "at"), "cell_scores")
    grid = _grid(content or content_mod.get(), instrument)
    return _cells(_rated(*_rating_rows(answers, grid), grid), grid)[0]


def round_scores(answers: pd.DataFrame, content: content_mod.Content | None = None, *,
                 instrument: str | None = None) -> pd.DataFrame:
    """Cell scores per round, for change from one round of rating to the next.

    Each round is scored on its own rows only: the latest answer per statement within the
    round, and the same half-answered rule as :func:`cell_scores`. A statement not given
    again in a round does not count there (a learner keeps an earlier answer by giving it
    again, which the rating step offers in one action).

    Parameters
    ----------
    answers
        Tidy answers with :data:`trace_widgets.answers.COLUMNS` (see :func:`item_scores`),
        including ``round``. Every row of a participant's history may be given.
    content
        The content (default :func:`trace_widgets.content.get`).
    instrument
        Score the statements of this instrument (default: the main one, the cells' own).
        Each call scores one instrument: answers to another one's statements are left out,
        so a pulse and a full round are never pooled.

    Returns
    -------
    DataFrame
        :data:`CELL_COLUMNS` plus ``round`` (int) and ``at`` (the round's first rating, UTC),
        one row per participant, round and cell rated in that round; sorted by
        participant, round, then cell in content order.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> p = "p" * 22
    >>> rows = [answers.make(p, f"task.self.s{i}", v, round=r)
    ...         for r, v in [(1, 2), (2, 4)] for i in (1, 3)]
    >>> round_scores(answers.to_frame(rows))[["round", "score"]].to_dict("records")
    [{'round': 1, 'score': 2.0}, {'round': 2, 'score': 4.0}]
    """
    _require(answers, ("participant", "exercise", "item", "rater", "round", "value", "at"),
             "round_scores")
    grid = _grid(content or content_mod.get(), instrument)
    frame, item = _rating_rows(answers, grid)
    person = pd.factorize(frame["participant"], sort=True)[0].astype(np.int64)
    rounds = np.asarray(frame["round"].to_numpy(), dtype=np.int64)
    # One unit per (participant, round), numbered in that order so the rows stay sorted.
    span = int(rounds.max()) + 1 if len(rounds) else 1
    codes, units = pd.factorize(person * span + rounds, sort=True)
    unit = np.asarray(codes, dtype=np.int64)
    at = _times(frame["at"])
    began = np.full(len(units), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(began, unit, at)
    cells, of = _cells(_rated(frame, item, grid, unit=unit), grid)
    cells["round"] = (np.asarray(units, dtype=np.int64) % span)[of]
    cells["at"] = pd.to_datetime(began[of], utc=True)
    return cells


def _mean_by(cells: pd.DataFrame, by: str, name: str) -> pd.DataFrame:
    _require(cells, ("participant", "rater", by, "score"), f"{name}_scores")
    grouped = cells.groupby(["participant", "rater", by], observed=True, sort=True)["score"]
    return grouped.agg(score="mean", cells="count").reset_index()


def element_scores(cells: pd.DataFrame) -> pd.DataFrame:
    """Each participant's score per element: the mean of their available cell scores.

    Parameters
    ----------
    cells
        Cell scores (:func:`cell_scores`): participant, rater, element, score.

    Returns
    -------
    DataFrame
        participant, rater, element, score (NaN when no cell of the element has a score),
        cells (how many cell scores were averaged).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"participant": ["a", "a"], "rater": ["self", "self"],
    ...                       "element": ["task", "task"], "space": ["self", "team"],
    ...                       "score": [4.0, float("nan")]})
    >>> element_scores(cells).to_dict("records")
    [{'participant': 'a', 'rater': 'self', 'element': 'task', 'score': 4.0, 'cells': 1}]
    """
    return _mean_by(cells, "element", "element")


def space_scores(cells: pd.DataFrame) -> pd.DataFrame:
    """Each participant's score per space: the mean of their available cell scores.

    Parameters
    ----------
    cells
        Cell scores (:func:`cell_scores`): participant, rater, space, score.

    Returns
    -------
    DataFrame
        participant, rater, space, score (NaN when no cell in the space has a score), cells.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"participant": ["a", "a"], "rater": ["self", "self"],
    ...                       "element": ["task", "route"], "space": ["team", "team"],
    ...                       "score": [4.0, 3.0]})
    >>> space_scores(cells)[["space", "score", "cells"]].to_dict("records")
    [{'space': 'team', 'score': 3.5, 'cells': 2}]
    """
    return _mean_by(cells, "space", "space")


# --- groups -----------------------------------------------------------------------------------


def _keys(by: str | Sequence[str] | None) -> list[str]:
    extra = [by] if isinstance(by, str) else list(by or ())
    return [*extra, "element", "space"]


def group_cells(cells: pd.DataFrame, *, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Group figures per cell: how many scored it, the mean and the spread.

    No anonymity threshold is applied here: ``n`` is what the caller needs to withhold cells
    with fewer than ``k`` contributors.

    Parameters
    ----------
    cells
        Cell scores (:func:`cell_scores`) of everyone in the group: element, space, score
        (one row per participant and cell), and the ``by`` columns if given.
    by
        Extra columns to split by, e.g. ``"rater"`` for one set of figures per role.

    Returns
    -------
    DataFrame
        ``by`` columns, then :data:`GROUP_COLUMNS`: element, space, n (participants with a
        score), mean, sd (sample standard deviation, NaN when n < 2), min, max. One row per
        cell present in ``cells`` (n = 0 when nobody has a score there).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"] * 3, "space": ["team"] * 3,
    ...                       "score": [2.0, 4.0, float("nan")]})
    >>> group_cells(cells)[["n", "mean", "min", "max"]].to_dict("records")
    [{'n': 2, 'mean': 3.0, 'min': 2.0, 'max': 4.0}]
    """
    keys = _keys(by)
    _require(cells, [*keys, "score"], "group_cells")
    grouped = cells.groupby(keys, observed=True, sort=True)["score"]
    out = grouped.agg(["count", "mean", "std", "min", "max"])
    out.columns = pd.Index(["n", "mean", "sd", "min", "max"])
    out["n"] = out["n"].astype(np.int64)
    return out.reset_index()


def _rater_mask(rater: pd.Series, who: RaterSpec) -> np.ndarray:
    if isinstance(who, str):
        return (rater == who).to_numpy(dtype=bool)
    if callable(who):
        return np.asarray(who(rater), dtype=bool)
    return rater.isin(list(who)).to_numpy(dtype=bool)


def gap(cells: pd.DataFrame, self_rater: RaterSpec = "self", *, others: RaterSpec | None = None,
        by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Self-versus-others gap per cell: the mean of one rater group minus the mean of the rest.

    Who is "self" is given by role, so one function serves both settings:

    - a team workshop, the leader against the members:
      ``gap(cells, "leader")`` (or ``others="member"`` to leave out other roles);
    - a solo learner against the people who rated them: filter ``cells`` to the learner's
      own rows and their raters' rows, then ``gap(cells, "self")``.

    No anonymity threshold is applied here; ``n_self`` and ``n_others`` are the counts the
    caller needs to withhold small groups.

    Parameters
    ----------
    cells
        Cell scores (:func:`cell_scores`): rater, element, space, score, and the ``by``
        columns if given.
    self_rater
        The "self" group: a role (``"leader"``), several roles (``{"leader", "deputy"}``), or
        a function of the ``rater`` Series returning a boolean mask.
    others
        The comparison group, in the same forms; default everyone not in the self group.
        Rows in both groups count as self.
    by
        Extra columns to split by, e.g. ``"workshop"`` if the frame has one.

    Returns
    -------
    DataFrame
        ``by`` columns, then :data:`GAP_COLUMNS`: element, space, n_self, mean_self,
        n_others, mean_others, gap (= mean_self - mean_others; NaN when either side has no
        score). One row per cell that either group scored.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"rater": ["leader", "member", "member"],
    ...                       "element": ["task"] * 3, "space": ["team"] * 3,
    ...                       "score": [4.5, 3.0, 3.5]})
    >>> gap(cells, "leader")[["n_self", "n_others", "gap"]].to_dict("records")
    [{'n_self': 1, 'n_others': 2, 'gap': 1.25}]
    """
    keys = _keys(by)
    _require(cells, [*keys, "rater", "score"], "gap")
    is_self = _rater_mask(cells["rater"], self_rater)
    is_other = ~is_self
    if others is not None:
        is_other &= _rater_mask(cells["rater"], others)
    sides = [
        cells.loc[mask].groupby(keys, observed=True, sort=True)["score"].agg(["count", "mean"])
        .set_axis([f"n_{side}", f"mean_{side}"], axis=1)
        for mask, side in ((is_self, "self"), (is_other, "others"))
    ]
    out = sides[0].join(sides[1], how="outer").sort_index()
    for col in ("n_self", "n_others"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out["gap"] = out["mean_self"] - out["mean_others"]
    return out.reset_index()[[*keys[:-2], *GAP_COLUMNS]]
