"""Others' views of a learner: who counts, which group figures may be shown, and the gaps.

Pure pandas and numpy: no widgets, no store. The input is cell scores
(:func:`trace_widgets.scoring.cell_scores`) of the learner (rater ``self``) and of the
people they invited (rater = their group id: ``manager``, ``peer``, ``report``, ``other``);
the output carries no token and no single rater's answer unless that rater's group is
named (a line manager). The rules come from ``data/raters.yaml``
(:attr:`trace_widgets.content.Content.raters`):

- a rater counts for a cell only when they answered at least half its statements (scoring
  gives them no score there otherwise);
- a group's figures for a cell are shown only when at least its floor of raters count there
  (3 for peers, people led and others; 1 for a line manager, whose view is named); a group
  under its floor is *withheld*, never merged into another group;
- "all others" (everyone but the learner) is shown only from 4 raters, and only when the
  raters it adds to the groups shown beside it are none or at least the smallest anonymous
  floor: otherwise subtracting the shown groups would reveal a withheld rater;
- a blind spot is a cell where self is more than one scale point above all others; a
  hidden strength, more than one point below.

Examples
--------
>>> import pandas as pd
>>> cells = pd.DataFrame({
...     "participant": ["me", "a", "b", "c", "d"],
...     "rater": ["self", "peer", "peer", "peer", "manager"],
...     "element": ["task"] * 5, "space": ["team"] * 5,
...     "score": [4.8, 3.0, 3.5, 3.1, 3.2]})
>>> view = views(cells)
>>> view.loc[(view["element"] == "task") & (view["space"] == "team"),
...          ["group", "n", "mean", "withheld"]].round(2).to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'group': 'self', 'n': 1, 'mean': 4.8, 'withheld': False},
 {'group': 'manager', 'n': 1, 'mean': 3.2, 'withheld': False},
 {'group': 'peer', 'n': 3, 'mean': 3.2, 'withheld': False},
 {'group': 'report', 'n': 0, 'mean': nan, 'withheld': True},
 {'group': 'other', 'n': 0, 'mean': nan, 'withheld': True},
 {'group': 'all_others', 'n': 4, 'mean': 3.2, 'withheld': False}]
>>> gaps(view).query("element == 'task' and space == 'team'")["flag"].tolist()
['blind_spot']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import content as content_mod
from . import group
from .content import Raters

__all__ = [
    "ALL_OTHERS",
    "BLIND_SPOT",
    "COMMENT_COLUMNS",
    "GAP_COLUMNS",
    "HIDDEN_STRENGTH",
    "SELF",
    "VIEW_COLUMNS",
    "comments",
    "flag",
    "gap_grid",
    "gaps",
    "group_ids",
    "group_shown",
    "rater_cells",
    "release",
    "release_groups",
    "released_views",
    "responses",
    "summary",
    "views",
    "views_wide",
]

SELF = "self"
"""The rater id of the learner's own view."""
ALL_OTHERS = "all_others"
"""The group id of everyone but the learner, together."""
BLIND_SPOT = "blind_spot"
HIDDEN_STRENGTH = "hidden_strength"
VIEW_COLUMNS = ("element", "space", "group", "n", "mean", "withheld", "named")
"""Columns of :func:`views`: one row per cell and group (self, each rater group, all
others); ``mean`` is NaN when withheld; ``named`` says the figure is one named person's."""
GAP_COLUMNS = ("element", "space", "n_self", "mean_self", "n_others", "mean_others", "gap",
               "flag")
"""Columns of :func:`gaps`: the shape :func:`trace_widgets.charts.gap` draws, and a flag."""


def _rules(rules: Raters | None) -> Raters:
    return rules if rules is not None else content_mod.get().raters


def group_ids(rules: Raters | None = None) -> list[str]:
    """The rater group ids, in content order.

    Examples
    --------
    >>> group_ids()
    ['manager', 'peer', 'report', 'other']
    """
    return [g.id for g in _rules(rules).groups]


def group_shown(group: str, n: int, rules: Raters | None = None) -> bool:
    """Whether a group's figures (scores and comments) for one cell may be shown: at least
    its floor of raters counted there. ``all_others`` has its own floor.

    Examples
    --------
    >>> [group_shown("peer", n) for n in range(5)]
    [False, False, False, True, True]
    >>> group_shown("manager", 1), group_shown("all_others", 3)
    (True, False)
    """
    r = _rules(rules)
    if group == ALL_OTHERS:
        return n >= r.all_others_floor
    floor = next((g.floor for g in r.groups if g.id == group), None)
    if floor is None:
        raise KeyError(f"unknown rater group {group!r}; known: {', '.join(group_ids(r))}")
    return n >= floor


def _anonymous_floor(r: Raters) -> int:
    return min((g.floor for g in r.groups if not g.named), default=r.all_others_floor)


@dataclass(frozen=True)
class _Figures:
    """Counts and shown means per (group, unit, cell); the last group is all others.

    Group-major: adding the groups up is a few contiguous additions, and each group's
    column of a report is one contiguous slice (no copy)."""

    n: np.ndarray  # (groups + 1, units, cells) raters with a score
    mean: np.ndarray  # the same shape; NaN where withheld
    withheld: np.ndarray  # the same shape
    groups: list[str]  # self, the rater groups, all others
    elements: list[str]
    spaces: list[str]


_SMALL_UNITS = 256
"""At most this many units after the first unit column are folded into the lookup table."""
_CHUNK = 1 << 18
"""Rows per step when building bin numbers: small temporaries the allocator reuses."""


def _digit(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """A column's compact integer codes (-1 for a missing value) and what each code is:
    categorical codes as they are, else factorised."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), list(column.cat.categories)
    codes, uniq = pd.factorize(column.astype(object))
    return codes, list(uniq)


def _where(values: list[object], ids: list[str]) -> np.ndarray:
    """Each value's position in ``ids`` (-1 if none), after a -1 for a missing value."""
    at: dict[object, int] = {x: i for i, x in enumerate(ids)}
    return np.array([-1] + [at.get(x, -1) for x in values], dtype=np.int64)


def _bins(cells: pd.DataFrame, unit: Sequence[tuple[np.ndarray, int]], groups: list[str],
          elements: list[str], chosen: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Each row's bin in (group, unit, cell) order, plus one, or 0 (a spare bin) when the
    row counts nowhere (an unknown group, element, space or unit, or no score); the score
    to add there; and the number of units.

    Why this shape (measured over 28.5M rows, 100,000 learners x 5 raters x 3 rounds, in
    ``benchmarks/bench_scoring.py``): the group, element, space, missing score and every
    unit column but the first are small codes, combined in 16 bits and looked up once in a
    table of bin offsets that already says which rows count; only the first unit column
    (the learner) is multiplied in 64 bits. The rows go through in chunks, so the only
    row-length arrays made are the bin numbers themselves: on a machine where fresh memory
    is slow to fault in, that is most of the time saved.
    """
    lead, rest = (unit[0], list(unit[1:])) if unit else (None, [])
    span = int(np.prod([s for _, s in rest])) if rest else 1
    if span > _SMALL_UNITS:  # too many for the table: one 64-bit unit code instead
        code = np.zeros(len(cells), dtype=np.int64)
        missing = np.zeros(len(cells), dtype=bool)
        for digit, size in unit:
            code = code * size + digit
            missing |= digit < 0
        code[missing] = -1
        lead, rest, span = (code, int(np.prod([s for _, s in unit]))), [], 1
    units = span * (lead[1] if lead is not None else 1)
    n_cells = len(elements) * len(chosen)
    per_group = units * n_cells
    rater, rater_ids = _digit(cells["rater"])
    element, element_ids = _digit(cells["element"])
    space, space_ids = _digit(cells["space"])
    score = np.asarray(pd.to_numeric(cells["score"], errors="coerce"), dtype=np.float64)
    # The table's axes; a row's place on each is its code + 1, 0 standing for a missing one.
    axes = [np.array([-1, 0, -1], dtype=np.int64),  # (unused), a score, no score
            _where(rater_ids, groups), _where(element_ids, elements),
            _where(space_ids, chosen), *[np.arange(-1, size, dtype=np.int64) for _, size in rest]]
    grids = np.meshgrid(*axes, indexing="ij")
    inner = np.zeros(grids[0].shape, dtype=np.int64)
    for (_, size), g in zip(rest, grids[4:], strict=True):
        inner = inner * size + g
    place = grids[1] * per_group + inner * n_cells + grids[2] * len(chosen) + grids[3]
    ok = np.logical_and.reduce([g >= 0 for g in grids])
    table = np.where(ok, place + 1, np.iinfo(np.int64).min // 2).ravel()
    strides = np.cumprod([1, *[len(a) for a in axes[::-1]]])[:-1][::-1]
    small = np.int16 if table.size < 2**15 else np.int64
    codes = [rater, element, space, *[c for c, _ in rest]]
    key = np.empty(len(cells), dtype=np.intp)
    combo = np.empty(min(_CHUNK, len(cells)), dtype=small)
    step = np.empty(len(combo), dtype=small)
    wide = np.empty(len(combo), dtype=np.int64)
    for i in range(0, len(cells), _CHUNK):
        j = min(i + _CHUNK, len(cells))
        m = j - i
        cmb, stp = combo[:m], step[:m]
        cmb.fill(int(strides.sum()))  # the +1 of every digit
        np.multiply(np.isnan(score[i:j]), strides[0], out=stp, casting="unsafe")
        cmb += stp
        for code, stride in zip(codes, strides[1:], strict=True):
            np.multiply(code[i:j], stride, out=stp, casting="unsafe")
            cmb += stp
        out = key[i:j]
        np.take(table, cmb, out=out)
        if lead is not None:
            digit = lead[0][i:j]
            np.multiply(digit, np.int64(span * n_cells), out=wide[:m], casting="unsafe")
            out += wide[:m]
            if digit.min() < 0:  # a row of no unit
                out[digit < 0] = 0
        np.maximum(out, 0, out=out)
    return key, score, units


def _figures(cells: pd.DataFrame, unit: Sequence[tuple[np.ndarray, int]], *,
             spaces: Sequence[str] | None, r: Raters, c: content_mod.Content) -> _Figures:
    """The floors applied to every unit (a learner, or a learner's round) at once: one
    ``bincount`` over (group, unit, cell), no grouping by strings.

    ``unit`` gives the unit as digits: (codes, size) per key column, the most significant
    first, code -1 for a row of no unit; no digits means one unit.
    """
    groups = [SELF, *group_ids(r)]
    chosen = [s.id for s in c.spaces if spaces is None or s.id in set(spaces)]
    elements = [e.id for e in c.elements]
    n_cells = len(elements) * len(chosen)
    key, score, units = _bins(cells, unit, groups, elements, chosen)
    shape = (len(groups) + 1, units, n_cells)
    size = int(np.prod(shape))
    # Bin 0 takes every row that counts nowhere (its sum may be NaN): dropped here.
    n = np.bincount(key, minlength=size + 1)[1:].reshape(shape)
    total = np.bincount(key, weights=score, minlength=size + 1)[1:].reshape(shape)
    del key
    floors = [1] + [g.floor for g in r.groups]
    shown = np.empty(shape, dtype=bool)
    hidden = np.zeros((units, n_cells), dtype=np.int64)
    for g, floor in enumerate(floors):
        np.greater_equal(n[g], floor, out=shown[g])
        if g:
            n[-1] += n[g]
            total[-1] += total[g]
            hidden += n[g]
            np.subtract(hidden, n[g], out=hidden, where=shown[g])
    # All others minus the groups shown beside it must not single out a withheld rater.
    np.greater_equal(n[-1], r.all_others_floor, out=shown[-1])
    shown[-1] &= (hidden == 0) | (hidden >= _anonymous_floor(r))
    del hidden
    mean = total  # in place: no second array of this size
    np.divide(total, n, out=mean, where=shown)
    np.copyto(mean, np.nan, where=~shown)
    return _Figures(n, mean, ~shown, [*groups, ALL_OTHERS], elements, chosen)


def views(cells: pd.DataFrame, *, spaces: Sequence[str] | None = None,
          rules: Raters | None = None, content: content_mod.Content | None = None
          ) -> pd.DataFrame:
    """Self and each group of others per cell, with every figure below its floor withheld.

    Parameters
    ----------
    cells
        Cell scores (:func:`trace_widgets.scoring.cell_scores`) of one learner and the
        people who rated them, in one round: rater (``self`` or a group id), element, space,
        score (NaN where the rater answered fewer than half the statements). Rows of other
        raters are ignored.
    spaces
        The spaces to report (default all, in content order).
    rules
        The rater rules (default the content's).
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    DataFrame
        :data:`VIEW_COLUMNS`, one row per cell of ``spaces`` (elements first, content order)
        and group: ``self``, each rater group, then ``all_others``. ``n`` counts the raters
        with a score there (it is shown even when withheld: the learner sees how many
        answered, never who).
    """
    c = content if content is not None else content_mod.get()
    r = _rules(rules)
    f = _figures(cells, (), spaces=spaces, r=r, c=c)
    k = len(f.groups)
    n_cells = len(f.elements) * len(f.spaces)
    named = [False] + [g.named for g in r.groups] + [False]
    return pd.DataFrame({
        "element": np.repeat(np.repeat(f.elements, len(f.spaces)), k),
        "space": np.repeat(np.tile(f.spaces, len(f.elements)), k),
        "group": np.tile(f.groups, n_cells),
        "n": f.n[:, 0, :].T.ravel(),
        "mean": f.mean[:, 0, :].T.ravel(),
        "withheld": f.withheld[:, 0, :].T.ravel(),
        "named": np.tile(named, n_cells),
    }, columns=list(VIEW_COLUMNS))


def views_wide(cells: pd.DataFrame, *, by: str | Sequence[str],
               spaces: Sequence[str] | None = None, rules: Raters | None = None,
               content: content_mod.Content | None = None) -> pd.DataFrame:
    """:func:`views` for many learners (and rounds) at once, one row per unit and cell.

    For reports and research over a whole cohort: the same floors, applied per value of
    ``by`` (e.g. ``["subject", "round"]``, where ``subject`` says whose leadership a row
    rates, the learner's own rows included).

    Returns
    -------
    DataFrame
        The ``by`` columns, element, space (categoricals), then ``n_<group>`` and
        ``mean_<group>`` for self, each rater group and ``all_others`` (mean NaN where
        withheld). Units and cells in sorted, content order.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"subject": ["a", "a", "b"], "rater": ["self", "peer", "self"],
    ...                       "element": "task", "space": "team", "score": [4.0, 3.0, 2.0]})
    >>> wide = views_wide(cells, by="subject")
    >>> here = (wide["element"] == "task") & (wide["space"] == "team")
    >>> wide.loc[here, ["subject", "mean_self", "n_peer"]].to_dict("list")
    {'subject': ['a', 'b'], 'mean_self': [4.0, 2.0], 'n_peer': [1, 0]}
    """
    c = content if content is not None else content_mod.get()
    r = _rules(rules)
    keys = [by] if isinstance(by, str) else list(by)
    digits: list[tuple[np.ndarray, int]] = []
    levels = []
    for key in keys:
        col = cells[key]
        if isinstance(col.dtype, pd.CategoricalDtype):
            code = col.cat.codes.to_numpy()
            level = pd.Index(col.cat.categories)
        else:
            code, uniq = pd.factorize(col, sort=True)
            level = pd.Index(uniq)
        digits.append((code, len(level)))
        levels.append(level)
    sizes = [len(lv) for lv in levels]
    f = _figures(cells, digits, spaces=spaces, r=r, c=c)
    n_cells = len(f.elements) * len(f.spaces)
    counted = f.n[:-1].sum(axis=(0, 2))
    present = np.flatnonzero(counted > 0)
    every = len(present) == len(counted)  # the usual case: columns are slices, no copy
    out: dict[str, object] = {}
    rest = present
    parts = []
    for size in reversed(sizes):
        parts.append(rest % size)
        rest = rest // size
    for key, level, part in zip(keys, levels, reversed(parts), strict=True):
        out[key] = pd.Categorical.from_codes(np.repeat(part, n_cells), categories=level)
    cell = np.tile(np.arange(n_cells), len(present))
    out["element"] = pd.Categorical.from_codes(cell // len(f.spaces),
                                               categories=pd.Index(f.elements))
    out["space"] = pd.Categorical.from_codes(cell % len(f.spaces),
                                             categories=pd.Index(f.spaces))
    for g, name in enumerate(f.groups):
        out[f"n_{name}"] = f.n[g].ravel() if every else f.n[g][present].ravel()
        out[f"mean_{name}"] = f.mean[g].ravel() if every else f.mean[g][present].ravel()
    return pd.DataFrame(out, copy=False)


def flag(self_score: float, others: float, rules: Raters | None = None) -> str | None:
    """``blind_spot`` when self is more than the content's margin above others,
    ``hidden_strength`` when more than its margin below, else None (or a missing side).

    Examples
    --------
    >>> flag(4.6, 3.5), flag(2.4, 3.5), flag(4.5, 3.5), flag(4.0, float("nan"))
    ('blind_spot', 'hidden_strength', None, None)
    """
    r = _rules(rules)
    if pd.isna(self_score) or pd.isna(others):
        return None
    if self_score - others > r.blind_spot:
        return BLIND_SPOT
    if others - self_score > r.hidden_strength:
        return HIDDEN_STRENGTH
    return None


def gaps(view: pd.DataFrame, *, against: str = ALL_OTHERS, rules: Raters | None = None
         ) -> pd.DataFrame:
    """Self against one shown group per cell (default all others), with blind spots and
    hidden strengths flagged.

    Parameters
    ----------
    view
        The output of :func:`views`.
    against
        The group to compare with: ``all_others`` or a group id.

    Returns
    -------
    DataFrame
        :data:`GAP_COLUMNS`: one row per cell; ``mean_others`` is NaN where the group is
        withheld, and so are ``gap`` and ``flag`` (None).
    """
    mine = view.loc[view["group"] == SELF].reset_index(drop=True)
    theirs = view.loc[view["group"] == against].reset_index(drop=True)
    out = pd.DataFrame({
        "element": mine["element"], "space": mine["space"],
        "n_self": mine["n"], "mean_self": mine["mean"],
        "n_others": theirs["n"], "mean_others": theirs["mean"],
    })
    out["gap"] = out["mean_self"] - out["mean_others"]
    out["flag"] = pd.Series([flag(s, o, rules) for s, o in zip(
        out["mean_self"], out["mean_others"], strict=True)], dtype=object, index=out.index)
    return out[list(GAP_COLUMNS)]


def gap_grid(gap: pd.DataFrame, *, content: content_mod.Content | None = None
             ) -> pd.DataFrame:
    """The 5 x 4 grid of the gap, self minus all others, per condition and space: the
    table twin of the self-against-others charts, with blind spots and hidden strengths
    named in their cells.

    Parameters
    ----------
    gap
        The output of :func:`gaps` (against all others).

    Returns
    -------
    DataFrame
        Condition names as rows and space names as columns (content order, all four
        spaces); each cell the signed gap to one decimal, with its flag's name when it has
        one, or why there is none: withheld, or a space others do not rate.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"element": ["task"], "space": ["team"], "mean_self": [4.8],
    ...                   "mean_others": [3.2], "gap": [1.6], "flag": ["blind_spot"]})
    >>> grid = gap_grid(g)
    >>> grid.shape, grid.loc["Task", "Team"]
    ((5, 4), '+1.6 (Blind spot)')
    """
    c = content if content is not None else content_mod.get()
    rated = set(c.raters.spaces)
    found = {(str(e), str(s)): (g, f) for e, s, g, f in zip(
        gap["element"], gap["space"], gap["gap"], gap["flag"], strict=True)}

    def text(element: str, space: str) -> str:
        value, mark = found.get((element, space), (np.nan, None))
        if pd.isna(value):
            return c.text("raters.grid.withheld" if space in rated else "raters.grid.not_rated")
        shown = f"{float(value):+.1f}"
        return shown if mark is None else shown + " (" + c.text(f"raters.{mark}") + ")"

    return pd.DataFrame(
        [[text(e.id, s.id) for s in c.spaces] for e in c.elements],
        index=pd.Index([e.name for e in c.elements], name=c.text("chart.condition")),
        columns=pd.Index([s.name for s in c.spaces], name=c.text("chart.space")))


def summary(gap: pd.DataFrame, *, content: content_mod.Content | None = None) -> str:
    """The text twin of the self-against-others charts: how many cells can be shown, and
    which are blind spots and hidden strengths.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"element": ["task"], "space": ["team"], "mean_self": [4.8],
    ...                   "mean_others": [3.2], "gap": [1.6], "flag": ["blind_spot"]})
    >>> print(summary(g))  # doctest: +ELLIPSIS
    In 1 of 1 cells ... Blind spots (...): Task in Team. Hidden strengths (...): none.
    """
    c = content if content is not None else content_mod.get()
    both = gap.loc[gap["mean_self"].notna() & gap["mean_others"].notna()]
    if both.empty:
        return c.text("raters.summary.none")

    def where(kind: str) -> str:
        rows = both.loc[both["flag"] == kind]
        names = [c.text("raters.summary.cell", element=c.element(str(e)).name,
                        space=c.space(str(s)).name)
                 for e, s in zip(rows["element"], rows["space"], strict=True)]
        return ", ".join(names) or c.text("raters.summary.nothing")

    return c.text("raters.summary.cells", shown=len(both), total=len(gap),
                  blind=where(BLIND_SPOT), hidden=where(HIDDEN_STRENGTH))


def responses(raters: pd.DataFrame, *, rules: Raters | None = None) -> pd.DataFrame:
    """How many have responded per group (never who): the learner's view of a round.

    Parameters
    ----------
    raters
        One row per rater link: ``group`` and ``answered`` (bool: gave any rating).

    Returns
    -------
    DataFrame
        group (content order), invited, responded.

    Examples
    --------
    >>> import pandas as pd
    >>> links = pd.DataFrame({"group": ["peer", "peer", "manager"],
    ...                       "answered": [True, False, True]})
    >>> responses(links).head(2).to_dict("list")
    {'group': ['manager', 'peer'], 'invited': [1, 2], 'responded': [1, 1]}
    """
    ids = group_ids(rules)
    grouped = raters.groupby("group")["answered"].agg(["count", "sum"])
    return pd.DataFrame({
        "group": ids,
        "invited": [int(grouped["count"].get(g, 0)) for g in ids],
        "responded": [int(grouped["sum"].get(g, 0)) for g in ids],
    })


def rater_cells(mine: pd.DataFrame, about: pd.DataFrame, *,
                content: content_mod.Content | None = None) -> pd.DataFrame:
    """Cell scores of the learner (the main instrument) and of their raters, each space by
    the statements its raters answer (``raters.instruments``: in the self space, those about
    the learner as a leader). Each score comes from one instrument; self and others then
    meet cell by cell in :func:`views`.

    Examples
    --------
    >>> from trace_widgets import answers
    >>> cell = content_mod.cell("task", "self")
    >>> mine = [answers.make("m" * 22, s.id, 4) for s in cell.statements]
    >>> theirs = [answers.make("r" * 22, "leader.task.self", 2, rater="peer")]
    >>> cells = rater_cells(answers.to_frame(mine), answers.to_frame(theirs))
    >>> shown = cells.loc[cells["score"].notna(), ["rater", "space", "score"]]
    >>> shown.to_dict("records")  # "4" to a reverse-worded statement of mine scores 2
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'rater': 'self', 'space': 'self', 'score': 3.5},
     {'rater': 'peer', 'space': 'self', 'score': 2.0}]
    """
    from . import scoring  # noqa: PLC0415 - scoring is imported by modules this one serves

    c = content if content is not None else content_mod.get()
    parts = [scoring.cell_scores(pd.concat([mine, about], ignore_index=True), c)]
    for space, bank in c.raters.instruments.items():
        theirs = about.loc[(about["space"] == space).to_numpy(dtype=bool)] if len(about) else about
        if len(theirs):
            scored = scoring.cell_scores(theirs, c, instrument=bank)
            parts.append(scored.loc[(scored["space"] == space).to_numpy(dtype=bool)])
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


COMMENT_COLUMNS = ("space", "group", "n", "withheld", "named", "comments")
"""Columns of :func:`comments`: one row per space and rater group; ``comments`` is a tuple
of texts (empty when withheld)."""


def comments(about: pd.DataFrame, *, spaces: Sequence[str] | None = None,
             rules: Raters | None = None) -> pd.DataFrame:
    """What the learner may read of their raters' comments, space by space and group by
    group, by the rule their scores follow: a group's comments in a space are shown only
    when at least its floor of raters wrote one there. A group under its floor is withheld,
    never added to another group; there is no "all others" list, which, beside the groups
    shown, would give a withheld group's comments away. Shown comments are sorted, so
    their order says nothing of who wrote first.

    Parameters
    ----------
    about
        Raters' current answers about the learner (:meth:`trace_widgets.store.Store.about`):
        ``participant``, ``exercise``, ``space``, ``rater`` (the group) and ``value``.
    spaces
        The spaces to list (default: every space raters can rate).

    Examples
    --------
    >>> import pandas as pd
    >>> about = pd.DataFrame({
    ...     "participant": ["a", "b", "c", "d", "e"], "exercise": ["rater_comment"] * 5,
    ...     "space": ["team"] * 5, "rater": ["peer", "peer", "peer", "report", "manager"],
    ...     "value": ["Clear.", "Calm.", "Busy.", "Kind.", "Sure."]})
    >>> shown = comments(about, spaces=["team"])
    >>> shown[["group", "n", "withheld", "comments"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'group': 'manager', 'n': 1, 'withheld': False, 'comments': ('Sure.',)},
     {'group': 'peer', 'n': 3, 'withheld': False, 'comments': ('Busy.', 'Calm.', 'Clear.')},
     {'group': 'report', 'n': 1, 'withheld': True, 'comments': ()},
     {'group': 'other', 'n': 0, 'withheld': True, 'comments': ()}]
    """
    from .exercises.rater_comment import KIND_ID  # noqa: PLC0415 - exercises import widgets

    r = _rules(rules)
    wanted = list(r.spaces if spaces is None else spaces)
    named = {g.id: g.named for g in r.groups}
    rows = about.loc[(about["exercise"] == KIND_ID).to_numpy(dtype=bool)] if len(about) else about
    # One current comment per rater and space (the store's current answers); blank ones
    # do not count.
    written: dict[tuple[str, str], dict[str, str]] = {}
    for who, space, grp, value in zip(rows.get("participant", ()), rows.get("space", ()),
                                      rows.get("rater", ()), rows.get("value", ()),
                                      strict=True):
        if isinstance(value, str) and value.strip():
            written.setdefault((str(space), str(grp)), {})[str(who)] = value.strip()
    out = []
    for space in wanted:
        for g in r.groups:
            texts = sorted(written.get((space, g.id), {}).values())
            shown = bool(texts) and group_shown(g.id, len(texts), r)
            out.append({"space": space, "group": g.id, "n": len(texts), "withheld": not shown,
                        "named": named[g.id], "comments": tuple(texts) if shown else ()})
    return pd.DataFrame(out, columns=list(COMMENT_COLUMNS))


# --- what the learner may see: the one publication rule ---------------------------------------


def release_groups(rules: Raters | None = None) -> dict[str, int]:
    """The rater groups :func:`release` reports on their own, with their floors.

    Examples
    --------
    >>> release_groups()
    {'manager': 1, 'peer': 3, 'report': 3, 'other': 3}
    """
    return {g.id: g.floor for g in _rules(rules).groups}


def release(cells: pd.DataFrame, previous: group.Release | None, *,
            spaces: Sequence[str] | None = None, rules: Raters | None = None,
            content: content_mod.Content | None = None) -> group.Release:
    """What the learner may be shown of their raters now: :func:`trace_widgets.group.release`
    (the rule against differencing) over the raters' cell scores.

    A cell's figures of others move only when, against every earlier release of the cell,
    at least the smallest anonymous floor of raters differ (arrived, changed or erased),
    and each anonymous group differs in none or at least its floor: so no sequence of
    views, however often the learner looks, gives one rater's answers. Persist the result
    (the Plan step and the learner's report share one release per learner and round) and
    show it with :func:`released_views`.

    Parameters
    ----------
    cells
        As for :func:`views` (pseudonymous ``participant``; the learner's own rows are left
        out here).
    previous
        The release shown last (None when nothing was).
    spaces
        The spaces raters may rate (default the content's rater spaces).
    """
    c = content if content is not None else content_mod.get()
    r = _rules(rules)
    chosen = list(spaces) if spaces is not None else list(r.spaces)
    theirs = cells.loc[cells["rater"].astype(str).isin(group_ids(r)).to_numpy()]
    return group.release(theirs, previous, k=_anonymous_floor(r), groups=release_groups(r),
                         spaces=chosen, content=c, shown_groups=True)


def released_views(cells: pd.DataFrame, published: group.Release, *,
                   spaces: Sequence[str] | None = None, rules: Raters | None = None,
                   content: content_mod.Content | None = None) -> pd.DataFrame:
    """:func:`views` as the learner may see them: their own scores and a named group's (a
    line manager's, who is told it is not anonymous) as they are now, every anonymous
    group and all others as last released (:func:`release`), every figure of a cell from
    one release, with the same floors.

    Examples
    --------
    >>> import pandas as pd
    >>> def cells(*scores):
    ...     return pd.DataFrame({"participant": ["me", *(f"r{i}" for i in range(len(scores)))],
    ...                          "rater": ["self"] + ["peer"] * len(scores),
    ...                          "element": "task", "space": "team", "score": [4.0, *scores]})
    >>> shown = release(cells(2.0, 3.0, 4.0), None)
    >>> later = release(cells(2.0, 3.0, 4.0, 1.0), shown)  # one more peer: held
    >>> view = released_views(cells(2.0, 3.0, 4.0, 1.0), later)
    >>> view.loc[(view["element"] == "task") & (view["space"] == "team")
    ...          & (view["group"] == "peer"), ["n", "mean"]].to_dict("records")
    [{'n': 3, 'mean': 3.0}]
    """
    c = content if content is not None else content_mod.get()
    r = _rules(rules)
    live = views(cells, spaces=spaces, rules=r, content=c)
    named = {g.id for g in r.groups if g.named}
    floors = release_groups(r)
    anonymous = _anonymous_floor(r)
    n = live["n"].to_numpy().copy()
    mean = live["mean"].to_numpy().copy()
    withheld = live["withheld"].to_numpy().copy()
    # Cells in order, then groups: self, each group, all others (as views gives them).
    width = len(group_ids(r)) + 2
    for start in range(0, len(live), width):
        e, s = str(live["element"].iat[start]), str(live["space"].iat[start])
        hidden = 0
        for offset, g in enumerate(group_ids(r), start=1):
            f = published.figures(e, s, g)
            count = 0 if f is None else f.n
            shown = f is not None and not f.withheld and count >= floors[g]
            hidden += 0 if shown else count
            if g in named:
                continue  # named: as it is now (its floor is applied by views)
            n[start + offset] = count
            mean[start + offset] = f.mean if shown and f is not None else np.nan
            withheld[start + offset] = not shown
        f = published.figures(e, s, group.ALL)
        count = 0 if f is None else f.n
        shown = (f is not None and not f.withheld and count >= r.all_others_floor
                 and (hidden == 0 or hidden >= anonymous))
        n[start + width - 1] = count
        mean[start + width - 1] = f.mean if shown and f is not None else np.nan
        withheld[start + width - 1] = not shown
    return live.assign(n=n, mean=mean, withheld=withheld)
