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
from .content import Raters

__all__ = [
    "ALL_OTHERS",
    "BLIND_SPOT",
    "GAP_COLUMNS",
    "HIDDEN_STRENGTH",
    "SELF",
    "VIEW_COLUMNS",
    "flag",
    "gaps",
    "group_ids",
    "group_shown",
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
    """Counts and shown means per (unit, cell, group); the last group is all others."""

    n: np.ndarray  # (units, cells, groups + 1) raters with a score
    mean: np.ndarray  # the same shape; NaN where withheld
    withheld: np.ndarray  # the same shape
    groups: list[str]  # self, the rater groups, all others
    elements: list[str]
    spaces: list[str]


def _figures(cells: pd.DataFrame, unit: np.ndarray, units: int, *,
             spaces: Sequence[str] | None, r: Raters, c: content_mod.Content) -> _Figures:
    """The floors applied to every unit (a learner, or a learner's round) at once: one
    ``bincount`` over (unit, cell, group), no grouping by strings."""
    groups = [SELF, *group_ids(r)]
    chosen = [s.id for s in c.spaces if spaces is None or s.id in set(spaces)]
    elements = [e.id for e in c.elements]
    n_cells = len(elements) * len(chosen)
    rater = _codes(cells["rater"], groups)
    element = _codes(cells["element"], elements)
    space = _codes(cells["space"], chosen)
    score = pd.to_numeric(cells["score"], errors="coerce").to_numpy(dtype=np.float64)
    ok = (rater >= 0) & (element >= 0) & (space >= 0) & ~np.isnan(score) & (unit >= 0)
    size = units * n_cells * len(groups)
    # 32-bit keys while they fit (half the memory traffic); a row that does not count goes
    # to one spare bin at the end, which is cheaper than copying out the rows that do.
    kind = np.int32 if size < 2**31 - 1 else np.int64
    key = unit.astype(kind, copy=False) * kind(n_cells)
    key += element.astype(kind, copy=False) * kind(len(chosen)) + space.astype(kind, copy=False)
    key *= kind(len(groups))
    key += rater.astype(kind, copy=False)
    key[~ok] = size
    shape = (units, n_cells, len(groups))
    n = np.bincount(key, minlength=size + 1)[:size].reshape(shape)
    total = np.bincount(key, weights=np.where(ok, score, 0.0), minlength=size + 1
                        )[:size].reshape(shape)
    floors = np.array([1] + [g.floor for g in r.groups])
    shown = n >= floors
    others_n = n[..., 1:].sum(axis=-1)
    others_total = total[..., 1:].sum(axis=-1)
    hidden = (n[..., 1:] * ~shown[..., 1:]).sum(axis=-1)
    # All others minus the groups shown beside it must not single out a withheld rater.
    all_shown = (others_n >= r.all_others_floor) & (
        (hidden == 0) | (hidden >= _anonymous_floor(r)))
    n_all = np.concatenate([n, others_n[..., None]], axis=-1)
    total_all = np.concatenate([total, others_total[..., None]], axis=-1)
    shown_all = np.concatenate([shown, all_shown[..., None]], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(shown_all, total_all / np.maximum(n_all, 1), np.nan)
    return _Figures(n_all, mean, ~shown_all, [*groups, ALL_OTHERS], elements, chosen)


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
    f = _figures(cells, np.zeros(len(cells), dtype=np.int64), 1, spaces=spaces, r=r, c=c)
    k = len(f.groups)
    n_cells = len(f.elements) * len(f.spaces)
    named = [False] + [g.named for g in r.groups] + [False]
    return pd.DataFrame({
        "element": np.repeat(np.repeat(f.elements, len(f.spaces)), k),
        "space": np.repeat(np.tile(f.spaces, len(f.elements)), k),
        "group": np.tile(f.groups, n_cells),
        "n": f.n[0].ravel().astype(np.int64),
        "mean": f.mean[0].ravel(),
        "withheld": f.withheld[0].ravel(),
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
    codes = []
    levels = []
    for key in keys:
        col = cells[key]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes.append(col.cat.codes.to_numpy().astype(np.int64))
            levels.append(pd.Index(col.cat.categories))
        else:
            code, uniq = pd.factorize(col, sort=True)
            codes.append(code.astype(np.int64))
            levels.append(pd.Index(uniq))
    sizes = [len(lv) for lv in levels]
    unit = np.zeros(len(cells), dtype=np.int64)
    for code, size in zip(codes, sizes, strict=True):
        unit = unit * size + code
    unit = np.where(np.all(np.stack(codes) >= 0, axis=0), unit, -1) if codes else unit
    units = int(np.prod(sizes)) if sizes else 1
    f = _figures(cells, unit, units, spaces=spaces, r=r, c=c)
    n_cells = len(f.elements) * len(f.spaces)
    present = np.flatnonzero(f.n.sum(axis=(1, 2)) > 0)
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
        out[f"n_{name}"] = f.n[present, :, g].ravel()
        out[f"mean_{name}"] = f.mean[present, :, g].ravel()
    return pd.DataFrame(out)


def _codes(column: pd.Series, ids: list[str]) -> np.ndarray:
    """Position of each value in ``ids`` (-1 when unknown), fast for categoricals."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.array([ids.index(x) if x in ids else -1
                           for x in column.cat.categories] + [-1], dtype=np.int64)
        return lookup[column.cat.codes.to_numpy()]
    return np.asarray(pd.Categorical(column.astype(object), categories=ids).codes,
                      dtype=np.int64)


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
