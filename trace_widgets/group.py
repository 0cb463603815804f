"""The anonymity rule for group views: figures per TRACE cell, withheld below a floor.

Pure pandas and numpy: no widgets, no store. The input is a workshop's answers (as
:meth:`trace_widgets.store.Store.workshop_answers` returns them) or the per-participant cell
scores of :func:`trace_widgets.scoring.cell_scores`; the output carries no participant
pseudonym, token or unshared text, so anything drawn from it is safe to put on a projector.

The rule (DESIGN.md, "Anonymity has a floor"):

- a cell's figures (mean, spread, counts per score) are shown only when at least ``k``
  participants have a score there; otherwise the cell is *withheld*: its figures are NaN and
  it is never merged into another cell or a total;
- in a team workshop the leader is compared with the members only where the leader and at
  least ``k`` members have a score; otherwise the whole comparison is withheld;
- no differencing: a view shows a cell's last *release* (:func:`release`), and a cell is
  released again only when its contributors differ from every earlier release of it in at
  least ``k`` people, so no two figures a coach sees for a cell give away one person's
  answer (the mean, the spread, the per-score counts and the leader comparison together);
- a shared reflection is shown only among the shared reflections of at least ``comment_k``
  people on the same question, in an order that says nothing about who wrote what.

Examples
--------
>>> import pandas as pd
>>> cells = pd.DataFrame({"participant": list("abcd"), "rater": ["member"] * 4,
...                       "element": ["task", "task", "task", "route"],
...                       "space": ["team"] * 4, "score": [2.0, 3.0, 4.0, 5.0]})
>>> grid = group_grid(cells, k=3, spaces=["team"])
>>> grid.set_index("element").loc[["task", "route"], ["n", "mean", "withheld"]]
... # doctest: +NORMALIZE_WHITESPACE
         n  mean  withheld
element
task     3   3.0     False
route    1   NaN      True
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import content as content_mod
from . import scoring, settings

__all__ = [
    "ALL",
    "CHANGE_COLUMNS",
    "GAP_COLUMNS",
    "GRID_COLUMNS",
    "LEADER",
    "MEMBER",
    "MIN_SPREAD",
    "RELEASE_FORMAT",
    "SHARE_PREFIX",
    "SHARE_YES",
    "Cell",
    "CellRelease",
    "Figures",
    "Highlights",
    "Progress",
    "Release",
    "SharedPrompt",
    "Snapshot",
    "Summary",
    "aggregates_csv",
    "count_columns",
    "group_grid",
    "highlights",
    "leader_gap",
    "progress",
    "release",
    "release_groups",
    "released_gap",
    "released_grid",
    "released_scores",
    "round_change",
    "round_means",
    "shared_comments",
    "shared_texts",
    "shown_scores",
    "summarise",
]

GRID_COLUMNS = ("element", "space", "n", "mean", "sd", "withheld")
"""Columns of :func:`group_grid` (followed by one ``count_<point>`` column per scale point)."""
GAP_COLUMNS = (*scoring.GAP_COLUMNS, "withheld")
"""Columns of :func:`leader_gap`: scoring's gap columns (self = the leader, others = the
members) and whether the comparison is withheld."""
LEADER = "leader"
"""The rater role of the leader in a team workshop."""
MEMBER = "member"
"""The rater role of everyone else in a team workshop."""
MIN_SPREAD = 0.5
"""A shown cell counts as contested only when its spread (SD of the participants' cell
scores) is at least this: on a 1-5 scale, smaller spreads are near agreement."""
SHARE_PREFIX = "share."
"""Item ``share.<prompt id>`` says whether a participant shares their reflection on a prompt."""
SHARE_YES = "yes"
"""The current value of a ``share.*`` item that means "shared" (anything else means not)."""

_REFLECTION = "reflection"


# --- the grid ---------------------------------------------------------------------------------


def _content(content: content_mod.Content | None) -> content_mod.Content:
    return content if content is not None else content_mod.get()


def _spaces(spaces: Sequence[str] | None, c: content_mod.Content) -> list[str]:
    """The given spaces in content order (all of them by default); unknown ids are errors."""
    if spaces is None:
        return [s.id for s in c.spaces]
    wanted = set(spaces)
    for s in wanted:
        c.space(s)
    return [s.id for s in c.spaces if s.id in wanted]


def _full_index(c: content_mod.Content, spaces: list[str]) -> pd.MultiIndex:
    """Every (element, space) cell of ``spaces``, elements first, in content order."""
    return pd.MultiIndex.from_product([[e.id for e in c.elements], spaces],
                                      names=["element", "space"])


def _cells_of(k: int, spaces: Sequence[str] | None, content: content_mod.Content | None
              ) -> tuple[content_mod.Content, list[str], pd.MultiIndex]:
    """Check the anonymity floor; the content, the chosen spaces and every cell of them."""
    if k < 1:
        raise ValueError("the anonymity floor k must be at least 1")
    c = _content(content)
    chosen = _spaces(spaces, c)
    return c, chosen, _full_index(c, chosen)


def _points(c: content_mod.Content) -> list[int]:
    return list(range(c.scale.low, c.scale.high + 1))


def count_columns(content: content_mod.Content | None = None) -> list[str]:
    """The names of the per-score count columns of :func:`group_grid`.

    Examples
    --------
    >>> count_columns()
    ['count_1', 'count_2', 'count_3', 'count_4', 'count_5']
    """
    return [f"count_{p}" for p in _points(_content(content))]


def _codes(column: pd.Series, ids: list[str]) -> np.ndarray:
    """Position of each value in ``ids`` (-1 when unknown), without hashing every row again
    when the column is already a categorical in that order (as scoring returns it)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and list(column.cat.categories) == ids:
        return np.asarray(column.cat.codes.to_numpy(), dtype=np.int64)
    return np.asarray(pd.Categorical(column.astype(object), categories=ids).codes,
                      dtype=np.int64)


def _cell_rows(cells: pd.DataFrame, c: content_mod.Content, spaces: list[str]) -> np.ndarray:
    """For each row of ``cells``, its row in the grid of ``spaces`` (-1 when not there)."""
    element = _codes(cells["element"], [e.id for e in c.elements])
    space_of = np.full(len(c.spaces) + 1, -1, dtype=np.int64)  # the last slot: unknown (-1)
    for n, s in enumerate(c.spaces):
        if s.id in spaces:
            space_of[n] = spaces.index(s.id)
    space = space_of[_codes(cells["space"], [s.id for s in c.spaces])]
    return np.where((element >= 0) & (space >= 0), element * len(spaces) + space, -1)


def _by_cell(figures: pd.DataFrame, index: pd.MultiIndex) -> pd.DataFrame:
    """Per-cell figures (a few rows, ids as categoricals or strings) on the full grid."""
    keyed = figures.assign(element=figures["element"].astype(str),
                           space=figures["space"].astype(str))
    return keyed.set_index(["element", "space"]).reindex(index)


def group_grid(cells: pd.DataFrame, *, k: int, spaces: Sequence[str] | None = None,
               content: content_mod.Content | None = None) -> pd.DataFrame:
    """Group figures per cell, with every cell below the floor withheld.

    Parameters
    ----------
    cells
        Per-participant cell scores (:func:`trace_widgets.scoring.cell_scores`): element,
        space, score (NaN when the participant answered too few statements there). Any
        rater counts: in a team workshop the leader is one of the group here.
    k
        The anonymity floor: a cell is shown only when at least ``k`` participants have a
        score there (``settings.get().anonymity_k``, default 3).
    spaces
        The spaces to report (a workshop's spaces); default all, in content order.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    DataFrame
        One row per cell of ``spaces``, elements first in content order: :data:`GRID_COLUMNS`
        (n is the number of participants with a score; mean and sd are NaN when withheld, sd
        is also NaN when n < 2) and :func:`count_columns` (how many participants' cell
        scores round, half up, to each scale point; NaN when withheld).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"] * 2, "space": ["self"] * 2,
    ...                       "score": [3.0, 4.0]})
    >>> row = group_grid(cells, k=2, spaces=["self"]).iloc[0]
    >>> (int(row["n"]), float(row["mean"]), bool(row["withheld"]), float(row["count_4"]))
    (2, 3.5, False, 1.0)
    >>> bool(group_grid(cells, k=3, spaces=["self"]).iloc[0]["withheld"])
    True
    """
    c, chosen, index = _cells_of(k, spaces, content)
    # Group all rows first (a handful of cells), then keep the chosen spaces: filtering
    # two million rows by space would cost more than the grouping itself.
    grid = _by_cell(scoring.group_cells(cells[["element", "space", "score"]]), index)
    n = grid["n"].fillna(0).astype(np.int64)
    withheld = (n < k).to_numpy()
    out = pd.DataFrame({
        "n": n.to_numpy(),
        "mean": np.where(withheld, np.nan, grid["mean"].to_numpy(dtype=float)),
        "sd": np.where(withheld, np.nan, grid["sd"].to_numpy(dtype=float)),
        "withheld": withheld,
    }, index=index)
    counts = _counts(cells, c, chosen)
    counts[withheld] = np.nan
    for i, name in enumerate(count_columns(c)):
        out[name] = counts[:, i]
    return out.reset_index()


def _counts(cells: pd.DataFrame, c: content_mod.Content, spaces: list[str]) -> np.ndarray:
    """Participants per cell (grid rows) and scale point, as floats: one bincount."""
    points = _points(c)
    n_cells = len(c.elements) * len(spaces)
    score = pd.to_numeric(cells["score"], errors="coerce").to_numpy(dtype=float)
    row = _cell_rows(cells, c, spaces)
    with np.errstate(invalid="ignore"):
        # Half up, as the distribution chart rounds: 3.5 is on the "agree" side.
        rating = np.floor(score + 0.5) - points[0]
    ok = (row >= 0) & ~np.isnan(rating) & (rating >= 0) & (rating < len(points))
    flat = np.bincount(row[ok] * len(points) + rating[ok].astype(np.int64),
                       minlength=n_cells * len(points))
    return flat.reshape(n_cells, len(points)).astype(float)


def shown_scores(cells: pd.DataFrame, grid: pd.DataFrame, *,
                 content: content_mod.Content | None = None) -> pd.DataFrame:
    """The participants' scores in shown cells only, with nothing that says whose they are.

    For a chart of the spread (:func:`trace_widgets.charts.distribution`): withheld cells
    have no rows, and rows are sorted by cell and score, so their order says nothing either.

    Parameters
    ----------
    cells
        Per-participant cell scores (:func:`trace_widgets.scoring.cell_scores`).
    grid
        :func:`group_grid` of the same cells.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    DataFrame
        element, space (string ids), score: one row per participant score in a shown cell.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"participant": ["a", "b", "c"], "element": ["task"] * 3,
    ...                       "space": ["self"] * 3, "score": [4.0, 2.0, 3.0]})
    >>> shown_scores(cells, group_grid(cells, k=3, spaces=["self"]))["score"].tolist()
    [2.0, 3.0, 4.0]
    """
    c = _content(content)
    spaces = [s.id for s in c.spaces if s.id in set(grid["space"].astype(str))]
    shown = np.r_[~grid["withheld"].to_numpy(dtype=bool), False]  # the last slot: not in grid
    row = _cell_rows(cells, c, spaces)
    score = pd.to_numeric(cells["score"], errors="coerce").to_numpy(dtype=float)
    keep = shown[row] & ~np.isnan(score)
    row, score = row[keep], score[keep]
    order = np.lexsort((score, row))
    row, score = row[order], score[order]
    elements = np.array([e.id for e in c.elements], dtype=object)
    space_ids = np.array(spaces, dtype=object)
    return pd.DataFrame({"element": elements[row // max(len(spaces), 1)],
                         "space": space_ids[row % max(len(spaces), 1)], "score": score})


def leader_gap(cells: pd.DataFrame, *, k: int, spaces: Sequence[str] | None = None,
               content: content_mod.Content | None = None) -> pd.DataFrame:
    """The leader against the members per cell, in a team workshop, withheld below the floor.

    A cell is shown only when the leader has a score there and at least ``k`` members do;
    otherwise both means, the gap and the counts of that row are withheld, so the leader
    is never shown apart from a large enough group (and never alone).

    Parameters
    ----------
    cells
        Per-participant cell scores (:func:`trace_widgets.scoring.cell_scores`): rater
        (``leader`` or ``member``), element, space, score.
    k
        The anonymity floor for the members.
    spaces, content
        As for :func:`group_grid`.

    Returns
    -------
    DataFrame
        One row per cell of ``spaces``: :data:`GAP_COLUMNS`. ``*_self`` is the leader,
        ``*_others`` the members, ``gap`` = leader minus members; n_self and n_others are 0
        and the means NaN where withheld. Ready for :func:`trace_widgets.charts.gap`.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"rater": ["leader"] + ["member"] * 3, "element": ["task"] * 4,
    ...                       "space": ["team"] * 4, "score": [4.5, 3.0, 3.5, 4.0]})
    >>> row = leader_gap(cells, k=3, spaces=["team"]).iloc[0]
    >>> (int(row["n_others"]), float(row["gap"]), bool(row["withheld"]))
    (3, 1.0, False)
    >>> bool(leader_gap(cells, k=4, spaces=["team"]).iloc[0]["withheld"])
    True
    """
    _, _, index = _cells_of(k, spaces, content)
    gap = _by_cell(scoring.gap(cells[["rater", "element", "space", "score"]], LEADER,
                               others=MEMBER), index)
    n_self = gap["n_self"].fillna(0).astype(np.int64).to_numpy()
    n_others = gap["n_others"].fillna(0).astype(np.int64).to_numpy()
    shown = (n_self >= 1) & (n_others >= k)
    out = pd.DataFrame({
        "n_self": np.where(shown, n_self, 0),
        "mean_self": np.where(shown, gap["mean_self"].to_numpy(dtype=float), np.nan),
        "n_others": np.where(shown, n_others, 0),
        "mean_others": np.where(shown, gap["mean_others"].to_numpy(dtype=float), np.nan),
        "gap": np.where(shown, gap["gap"].to_numpy(dtype=float), np.nan),
        "withheld": ~shown,
    }, index=index)
    return out.reset_index()[list(GAP_COLUMNS)]


# --- where to start the conversation ---------------------------------------------------------


@dataclass(frozen=True)
class Highlights:
    """The shown cells to talk about first, as (element, space) ids, most striking first."""

    lowest: tuple[tuple[str, str], ...]
    contested: tuple[tuple[str, str], ...]


def highlights(grid: pd.DataFrame, *, count: int = 2,
               min_spread: float = MIN_SPREAD) -> Highlights:
    """The lowest and the most contested cells, among shown cells only.

    Parameters
    ----------
    grid
        :func:`group_grid` output.
    count
        How many cells of each kind.
    min_spread
        A cell is contested only when its spread (sd) is at least this.

    Returns
    -------
    Highlights
        ``lowest`` by mean, ``contested`` by spread (largest first); ties go to the cell that
        comes first in the grid (content order). Withheld cells never appear.

    Examples
    --------
    >>> import pandas as pd
    >>> grid = pd.DataFrame({"element": ["task", "route", "energy"], "space": ["team"] * 3,
    ...                      "mean": [3.5, 2.0, float("nan")], "sd": [1.2, 0.3, float("nan")],
    ...                      "withheld": [False, False, True]})
    >>> highlights(grid, count=1)
    Highlights(lowest=(('route', 'team'),), contested=(('task', 'team'),))
    """
    shown = grid.loc[~grid["withheld"].to_numpy(dtype=bool)].reset_index(drop=True)
    shown = shown.assign(order=np.arange(len(shown)))
    low = shown.dropna(subset=["mean"]).sort_values(["mean", "order"], kind="stable")
    wide = shown.loc[shown["sd"].to_numpy(dtype=float) >= min_spread]
    wide = wide.assign(neg=-wide["sd"]).sort_values(["neg", "order"], kind="stable")

    def cells_of(frame: pd.DataFrame) -> tuple[tuple[str, str], ...]:
        return tuple((str(e), str(s)) for e, s in
                     zip(frame["element"].head(count), frame["space"].head(count), strict=True))

    return Highlights(lowest=cells_of(low), contested=cells_of(wide))


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far the room has got: who started, and who rated every statement of the workshop."""

    started: int
    """Participants with at least one answer in the workshop."""
    finished: int
    """Participants who rated (or said "not sure" to) every statement in its spaces."""
    joined: int = 0
    """Participants who joined, answered or not (at least ``started``)."""


def progress(answers: pd.DataFrame, *, spaces: Sequence[str] | None = None, joined: int = 0,
             content: content_mod.Content | None = None,
             instrument: str | None = None) -> Progress:
    """Count who joined, who started and who finished rating the workshop's spaces.

    Parameters
    ----------
    answers
        A workshop's answers (:data:`trace_widgets.answers.COLUMNS`): participant, item.
    spaces
        The workshop's spaces (default all).
    joined
        How many joined (:meth:`trace_widgets.store.Store.workshop_size`); anyone who
        answered has joined, so it is never below ``started``.
    content
        The content (default :func:`trace_widgets.content.get`).
    instrument
        The instrument whose statements the workshop rates (default the main one: the
        pulse journey rates the pulse's).

    Returns
    -------
    Progress

    Examples
    --------
    >>> from trace_widgets import answers, content
    >>> done = [answers.make("a" * 22, s.id, 3) for s in content.cell("task", "self").statements]
    >>> frame = answers.to_frame(done + [answers.make("b" * 22, "task.self.s1", 4)])
    >>> progress(frame, spaces=["self"])
    Progress(started=2, finished=0, joined=2)
    >>> progress(frame, spaces=[]).finished  # no statements to rate: nobody "finished"
    0
    """
    c = _content(content)
    chosen = _spaces(spaces, c)
    needed = pd.Index([st.id for sp in chosen
                       for st in c.instrument(instrument).statements(space=sp)])
    person, people = pd.factorize(answers["participant"])
    # Factorize first: a handful of item ids to look up instead of one per row.
    item_codes, item_ids = pd.factorize(answers["item"])
    item = needed.get_indexer(item_ids)[item_codes] if len(item_ids) else item_codes
    keep = item >= 0
    # A participant x statement table of "answered": each pair counts once, however many
    # times it was answered (a sort-based unique of millions of pairs is far slower).
    seen = np.zeros((len(people), len(needed)), dtype=bool)
    seen[person[keep], item[keep]] = True
    finished = int(seen.all(axis=1).sum()) if len(needed) else 0
    return Progress(started=len(people), finished=finished, joined=max(joined, len(people)))


# --- shared reflections -----------------------------------------------------------------------


@dataclass(frozen=True)
class SharedPrompt:
    """The shared reflections on one prompt: shown only when enough people shared."""

    prompt: str
    """The prompt's id in content."""
    texts: tuple[str, ...]
    """The shared texts, sorted (so their order says nothing about who wrote them)."""


def _current(answers: pd.DataFrame) -> pd.DataFrame:
    """The latest row per (participant, item): on equal times the later row in the frame."""
    if answers.empty:
        return answers
    order = np.lexsort((np.arange(len(answers)), pd.to_datetime(answers["at"], utc=True)
                        .to_numpy(dtype="datetime64[ns]").astype(np.int64)))
    ordered = answers.iloc[order]
    return ordered.drop_duplicates(["participant", "item"], keep="last")


def shared_texts(answers: pd.DataFrame, *,
                 content: content_mod.Content | None = None) -> pd.DataFrame:
    """The reflections participants currently share: a ``share.<prompt>`` item set to "yes".

    A participant shares the current text of a reflection prompt by setting the item
    ``share.<prompt id>`` to :data:`SHARE_YES`; setting it to anything else (or None)
    withdraws it, and an edited reflection is shared as edited. Empty texts are not shared.

    Parameters
    ----------
    answers
        A workshop's answers (:data:`trace_widgets.answers.COLUMNS`).
    content
        The content (default :func:`trace_widgets.content.get`): only its prompts count.

    Returns
    -------
    DataFrame
        participant, prompt, text: one row per participant and shared prompt. It still names
        the participant (to count sharers); pass it to :func:`shared_comments`, never show it.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"participant": ["a", "a"], "exercise": ["reflection"] * 2,
    ...                      "item": ["task.team.p1", "share.task.team.p1"],
    ...                      "value": ["We rush.", "yes"], "at": pd.Timestamp("2025-01-06")})
    >>> shared_texts(rows)[["prompt", "text"]].to_dict("records")
    [{'prompt': 'task.team.p1', 'text': 'We rush.'}]
    """
    c = _content(content)
    prompts = {p.id for cell in c.cells.values() for p in cell.prompts}
    # Only reflection rows matter: filter before sorting, a big workshop has mostly ratings.
    current = _current(answers.loc[(answers["exercise"] == _REFLECTION).to_numpy(dtype=bool)])
    item = current["item"].astype(str)
    flags = current.loc[item.str.startswith(SHARE_PREFIX)]
    yes = flags.loc[flags["value"].map(lambda v: v == SHARE_YES).to_numpy(dtype=bool)]
    wanted = pd.DataFrame({"participant": yes["participant"].to_numpy(),
                           "prompt": yes["item"].astype(str).str[len(SHARE_PREFIX):].to_numpy()})
    wanted = wanted.loc[wanted["prompt"].isin(prompts)]
    texts = current.loc[item.isin(prompts).to_numpy()]
    texts = pd.DataFrame({"participant": texts["participant"].to_numpy(),
                          "prompt": texts["item"].astype(str).to_numpy(),
                          "text": texts["value"].to_numpy()})
    merged = wanted.merge(texts, on=["participant", "prompt"], how="inner")
    merged = merged.loc[merged["text"].map(lambda t: isinstance(t, str) and bool(t.strip()))]
    merged["text"] = merged["text"].map(str.strip)
    return merged.reset_index(drop=True)[["participant", "prompt", "text"]]


def shared_comments(shared: pd.DataFrame, *, k: int,
                    content: content_mod.Content | None = None) -> tuple[SharedPrompt, ...]:
    """The shared reflections per prompt, for prompts that at least ``k`` people shared on.

    Parameters
    ----------
    shared
        :func:`shared_texts` output: participant, prompt, text.
    k
        The comment floor (``settings.get().comment_k``, default 5): a prompt's reflections
        are shown only when at least ``k`` different participants shared one.
    content
        The content (default :func:`trace_widgets.content.get`), for the prompt order.

    Returns
    -------
    tuple of SharedPrompt
        In content order; texts sorted case-insensitively, never in the order written.

    Examples
    --------
    >>> import pandas as pd
    >>> shared = pd.DataFrame({"participant": list("abc"), "prompt": ["task.team.p1"] * 3,
    ...                        "text": ["b idea", "A idea", "c idea"]})
    >>> shared_comments(shared, k=3)[0].texts
    ('A idea', 'b idea', 'c idea')
    >>> shared_comments(shared, k=4)
    ()
    """
    if k < 1:
        raise ValueError("the comment floor k must be at least 1")
    c = _content(content)
    order = [p.id for cell in c.cells.values() for p in cell.prompts]
    people = shared.groupby("prompt")["participant"].nunique()
    out = []
    for prompt in order:
        if int(people.get(prompt, 0)) < k:
            continue
        texts = shared.loc[shared["prompt"] == prompt, "text"].astype(str).tolist()
        out.append(SharedPrompt(prompt, tuple(sorted(texts, key=lambda t: (t.casefold(), t)))))
    return tuple(out)


# --- releases: no differencing ----------------------------------------------------------------
#
# A coach who notes a cell at n and n + 1 people would learn the newest person's score from
# the change (n * mean_n - (n - 1) * mean_n-1, or the one count that went up). So a group view
# never shows figures computed from the answers of the moment: it shows the cell's last
# *release*, and a cell is released again only when its contributors differ from those of
# every earlier release of that cell in at least k people (arrived, changed or gone). Each
# release is a snapshot of every figure of the cell at once (all raters, and each rater group
# the view reports), so no two views of one cell can be subtracted either.

ALL = "all"
"""The name of the figures of every contributor of a cell in a :class:`Release`."""
RELEASE_FORMAT = 2
"""The version of :meth:`Release.to_json`'s text (a store keeps it between sessions).
Format 1 (before rounds) is read as round 1."""

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Figures:
    """One group's published figures in one cell: what a coach may see, nothing more."""

    n: int
    """Contributors with a score in the cell (shown even when the figures are withheld)."""
    mean: float
    """NaN when withheld."""
    sd: float
    """Sample standard deviation; NaN when withheld or n < 2."""
    counts: tuple[float, ...]
    """Contributors per scale point (scores rounded half up); NaN each when withheld."""
    withheld: bool
    """True when n was below this group's floor at the release."""


@dataclass(frozen=True)
class Snapshot:
    """Who contributed to one release of a cell, per rater group, as keyed hashes only.

    ``who`` holds one 64-bit hash per contributor (of their pseudonym) and ``what`` one per
    contributor and score; they are kept apart and sorted, so neither says who gave which
    score, and a hash is not a pseudonym (which itself cannot open a workbook).
    """

    who: Mapping[str, tuple[int, ...]]
    what: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class CellRelease:
    """A cell's last published figures in one round and every release's contributors in
    that round (oldest first)."""

    figures: Mapping[str, Figures]
    """:data:`ALL` and each rater group the view reports."""
    history: tuple[Snapshot, ...]


Cell = tuple[str, str, int]
"""A cell of one round of rating: (element id, space id, round)."""


@dataclass(frozen=True)
class Release:
    """What a group view has published, per cell: the state :func:`release` reads and returns.

    Persist it between readings (:meth:`to_json`, :meth:`from_json`; the store keeps the text
    by scope: :func:`trace_widgets.workshop.group_summary` does it for a workshop). An empty
    release (``Release()``) means nothing has been published yet. Cells are kept per round
    of rating (a workshop's coach starts the next round), each with its own figures.
    """

    cells: Mapping[Cell, CellRelease] = field(default_factory=dict)

    def figures(self, element: str, space: str, group: str = ALL, *,
                round: int = 1) -> Figures | None:  # noqa: A002
        """The published figures of ``group`` in a cell and round, or None if never
        published."""
        cell = self.cells.get((element, space, round))
        return None if cell is None else cell.figures.get(group)

    def releases(self, element: str, space: str, *, round: int = 1) -> int:  # noqa: A002
        """How many times the cell has been released in ``round``."""
        cell = self.cells.get((element, space, round))
        return 0 if cell is None else len(cell.history)

    def rounds(self) -> tuple[int, ...]:
        """The rounds with a published cell, in order."""
        return tuple(sorted({r for _, _, r in self.cells}))

    def history(self, element: str, space: str) -> tuple[Snapshot, ...]:
        """Every release of a cell, in every round: what a new release is checked against
        (so no two figures of a cell, in one round or across rounds, single anyone out)."""
        return tuple(snap for (e, s, _), cell in sorted(self.cells.items())
                     if (e, s) == (element, space) for snap in cell.history)

    def to_json(self) -> str:
        """The release as compact JSON text (NaN as null), for the store."""
        def figures(f: Figures) -> dict[str, object]:
            return {"n": f.n, "mean": _json_number(f.mean), "sd": _json_number(f.sd),
                    "counts": [_json_number(x) for x in f.counts], "withheld": f.withheld}

        cells = {f"{e}|{s}|{r}": {"figures": {g: figures(f) for g, f in cell.figures.items()},
                              "history": [{"who": {g: list(v) for g, v in snap.who.items()},
                                           "what": {g: list(v) for g, v in snap.what.items()}}
                                          for snap in cell.history]}
                 for (e, s, r), cell in sorted(self.cells.items())}
        return json.dumps({"format": RELEASE_FORMAT, "cells": cells}, separators=(",", ":"),
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Release:
        """Read :meth:`to_json` text back; raises ValueError on anything else."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") not in (1, RELEASE_FORMAT):
            raise ValueError("not a release of a known format")

        def figures(d: Mapping[str, Any]) -> Figures:
            return Figures(n=int(d["n"]), mean=_from_json_number(d["mean"]),
                           sd=_from_json_number(d["sd"]),
                           counts=tuple(_from_json_number(x) for x in d["counts"]),
                           withheld=bool(d["withheld"]))

        cells: dict[Cell, CellRelease] = {}
        for key, cell in data["cells"].items():
            element, space, *rest = str(key).split("|")
            # Format 1 came before rounds: its cells are round 1's.
            cells[(element, space, int(rest[0]) if rest else 1)] = CellRelease(
                figures={str(g): figures(f) for g, f in cell["figures"].items()},
                history=tuple(Snapshot(
                    who={str(g): tuple(int(x) for x in v) for g, v in snap["who"].items()},
                    what={str(g): tuple(int(x) for x in v) for g, v in snap["what"].items()})
                    for snap in cell["history"]))
        return cls(cells=cells)


def _json_number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _from_json_number(value: object) -> float:
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a fixed, well-spread 64-bit hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) & _MASK


def _contributor_hashes(scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: a hash of the participant (who) and of the participant and score (what).

    Participants are hashed once each with BLAKE2b (stable across versions and machines,
    unlike pandas' hashing); scores are mixed in with integer arithmetic, so a room of
    thousands costs milliseconds.
    """
    codes, people = pd.factorize(scores["participant"].astype(str))
    person = np.array([int.from_bytes(hashlib.blake2b(p.encode("utf-8"), digest_size=8,
                                                      person=b"trace-release").digest(), "big")
                       for p in people], dtype=np.uint64)
    who = person[codes] if len(people) else np.zeros(0, dtype=np.uint64)
    bits = np.ascontiguousarray(scores["score"].to_numpy(dtype=np.float64)).view(np.uint64)
    what = _mix(who ^ _mix(bits + np.uint64(0x9E3779B97F4A7C15)))
    # JSON numbers above 2**53 lose precision in some readers: keep 53 bits, plenty here.
    top = np.uint64(2**53 - 1)
    return who & top, what & top


def _changed(now: Snapshot, then: Snapshot, group: str | None) -> int:
    """How many contributors (of one rater group, or of all) differ between two snapshots:
    arrived, gone, or with another score."""
    groups = [group] if group is not None else sorted(set(now.who) | set(then.who))
    total = 0
    for g in groups:
        who_now, who_then = set(now.who.get(g, ())), set(then.who.get(g, ()))
        both = len(who_now & who_then)
        same = len(set(now.what.get(g, ())) & set(then.what.get(g, ())))
        total += len(who_now ^ who_then) + both - same
    return total


def _same(a: Snapshot, b: Snapshot) -> bool:
    """True when two snapshots have the same contributors with the same scores (so their
    figures are equal)."""
    def held(snap: Snapshot) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
        return {g: (snap.who.get(g, ()), snap.what.get(g, ()))
                for g in set(snap.who) | set(snap.what) if snap.who.get(g)}
    return held(a) == held(b)


def _may_release(now: Snapshot, history: Sequence[Snapshot], k: int,
                 floors: Mapping[str, int], shown_groups: bool = False) -> bool:
    """The rule: against every earlier release, at least k contributors differ, and each
    rater group with a floor above 1 differs in none or in at least its floor.

    With ``shown_groups``, the group test is made only of a group shown (at its floor) in
    both releases, whose figures could be subtracted; the contributors of every other
    group together (what all of them minus the groups shown in both would give) must then
    differ in none or at least k. A group that stays under its floor then holds nothing.

    A snapshot equal to an earlier one (a round in which everyone gave their earlier
    answers again) may be published too: its figures are ones already shown, so no new
    difference can be taken."""
    if any(_same(now, then) for then in history):
        return True
    earlier = history or (Snapshot(who={}, what={}),)
    for then in earlier:
        total = _changed(now, then, None)
        if total < k:
            return False
        rest = total
        for g, floor in floors.items():
            if shown_groups and not (len(now.who.get(g, ())) >= floor
                                     and len(then.who.get(g, ())) >= floor):
                continue
            changed = _changed(now, then, g)
            rest -= changed
            if floor > 1 and 0 < changed < floor:
                return False
        if shown_groups and 0 < rest < k:
            return False
    return True


def _figures_of(grid: pd.DataFrame, counts: list[str]) -> dict[tuple[str, str], Figures]:
    out = {}
    for row in grid.to_dict("records"):
        out[(str(row["element"]), str(row["space"]))] = Figures(
            n=int(row["n"]), mean=float(row["mean"]), sd=float(row["sd"]),
            counts=tuple(float(row[c]) for c in counts), withheld=bool(row["withheld"]))
    return out


def release(scores: pd.DataFrame, previous: Release | None, *, k: int,
            groups: Mapping[str, int] | None = None, spaces: Sequence[str] | None = None,
            content: content_mod.Content | None = None, round: int = 1,  # noqa: A002
            shown_groups: bool = False
            ) -> Release:
    """The one rule against differencing: what a group view may publish now, per cell.

    Every group view (the coach's dashboard, the aggregate CSV, the group report, rater
    summaries) calls this with the state it published last and shows only the returned
    release's figures, then persists it (:func:`trace_widgets.workshop.group_summary`
    does both for a workshop). Pure: no store, no clock.

    **The rule.** A cell's published figures are a snapshot of the cell taken at a release.
    The cell is released again (a new snapshot of every figure of that cell at once: all
    contributors, and each rater group in ``groups``) only when, compared with *every*
    earlier release of the cell, at least ``k`` contributors differ (arrived, changed their
    score, or left), and each rater group whose floor is above 1 differs in no one or in at
    least its floor. Otherwise the cell keeps its last published figures. So any two
    figures a coach ever sees for a cell, however often they look, differ by the answers of
    at least ``k`` people, and no one person's score (or count, or spread) can be worked
    out by subtracting them. The first release of a cell needs ``k`` contributors, as the
    floor does; the floors still apply to each snapshot (figures of a group with fewer than
    its floor are withheld, as in :func:`group_grid`).

    Parameters
    ----------
    scores
        Per-participant cell scores (:func:`trace_widgets.scoring.cell_scores` of a
        pseudonymous frame): participant, rater, element, space, score. Rows whose score is
        NaN do not contribute.
    previous
        What was published last (None or ``Release()`` when nothing was).
    k
        The anonymity floor (``settings.get().anonymity_k``), for all contributors together;
        at least :data:`trace_widgets.settings.MIN_ANONYMITY_K` (ValueError otherwise).
    groups
        Rater groups reported on their own, each with its floor: for a team workshop
        ``{"leader": 1, "member": k}`` (the leader is named, so their floor is 1; their
        consent says who sees their scores). Raters not listed count in :data:`ALL` only.
    spaces, content
        As for :func:`group_grid` (cells of other spaces are left as they were).
    round
        The round of rating ``scores`` belong to (cells of other rounds are left as they
        were). A cell's releases in every round make one history: a release in round 2 must
        differ from each of round 1's in at least ``k`` people too, so comparing rounds
        singles out no one's change; and a round's cell is withheld until ``k`` people have
        a score in that round.
    shown_groups
        Test each group only where it is shown at its floor in both releases, and the
        rest of the contributors together against ``k`` (:func:`_may_release`): for a
        learner's raters, where a group of one or two (withheld) must not hold the others.

    Returns
    -------
    Release
        The new state: for each cell of ``spaces`` with contributors now or before, the
        figures to show (:meth:`Release.figures`) and the release history. Equal to
        ``previous`` when nothing may change. Persist it before showing its figures.

    Examples
    --------
    >>> import pandas as pd
    >>> def scores(values):
    ...     return pd.DataFrame({"participant": [f"p{i}" for i in range(len(values))],
    ...                          "rater": "self", "element": "task", "space": "team",
    ...                          "score": values})
    >>> r = release(scores([2.0, 3.0, 4.0]), None, k=3, spaces=["team"])
    >>> r.figures("task", "team").mean, r.releases("task", "team")
    (3.0, 1)
    >>> r = release(scores([2.0, 3.0, 4.0, 5.0]), r, k=3, spaces=["team"])  # one more: held
    >>> r.figures("task", "team").n
    3
    >>> r = release(scores([2.0, 3.0, 4.0, 5.0, 1.0, 1.0]), r, k=3, spaces=["team"])
    >>> r.figures("task", "team").n, r.releases("task", "team")
    (6, 2)
    """
    if k < settings.MIN_ANONYMITY_K:
        raise ValueError(f"the anonymity floor k must be at least {settings.MIN_ANONYMITY_K}")
    c, chosen, index = _cells_of(k, spaces, content)
    floors = dict(groups or {})
    for g, floor in floors.items():
        if g == ALL or floor < 1:
            raise ValueError(f"rater group {g!r} needs a floor of at least 1 and another name")
    before = previous.cells if previous is not None else {}
    frame = scores.loc[pd.to_numeric(scores["score"], errors="coerce").notna().to_numpy()]
    frame = frame.assign(element=frame["element"].astype(str), space=frame["space"].astype(str),
                         rater=frame["rater"].astype(str),
                         score=pd.to_numeric(frame["score"]).astype(float))
    frame = frame.loc[frame["space"].isin(chosen).to_numpy()]
    who, what = _contributor_hashes(frame)
    keys = list(zip(frame["element"], frame["space"], frame["rater"], strict=True))
    by_cell: dict[tuple[str, str], dict[str, tuple[list[int], list[int]]]] = {}
    for (e, s, r), h, f in zip(keys, who.tolist(), what.tolist(), strict=True):
        lists = by_cell.setdefault((e, s), {}).setdefault(r, ([], []))
        lists[0].append(h)
        lists[1].append(f)
    due: dict[tuple[str, str], Snapshot] = {}
    for e, s in index:
        now_lists = by_cell.get((e, s), {})
        old = before.get((e, s, round))
        if not now_lists and old is None:
            continue
        now = Snapshot(who={r: tuple(sorted(v[0])) for r, v in now_lists.items()},
                       what={r: tuple(sorted(v[1])) for r, v in now_lists.items()})
        if old is not None and old.history and _same(now, old.history[-1]):
            continue  # what this round shows already
        shown = old is not None and not old.figures[ALL].withheld
        if not shown and len({h for v in now.who.values() for h in v}) < k:
            # Withheld before and withheld still: publishing would show nothing, and
            # would only hold back the release that first shows the cell.
            continue
        history = previous.history(e, s) if previous is not None else ()
        if _may_release(now, history, k, floors, shown_groups):
            due[(e, s)] = now
    cells = dict(before)
    if not due:  # the usual case between releases: no figures to compute
        return Release(cells=cells)
    counts = count_columns(c)
    candidates = {ALL: _figures_of(group_grid(frame, k=k, spaces=chosen, content=c), counts)}
    for g, floor in floors.items():
        sub = frame.loc[(frame["rater"] == g).to_numpy()]
        candidates[g] = _figures_of(group_grid(sub, k=floor, spaces=chosen, content=c), counts)
    for (e, s), now in due.items():
        old = before.get((e, s, round))
        cells[(e, s, round)] = CellRelease(
            figures={g: figs[(e, s)] for g, figs in candidates.items()},
            history=(*(old.history if old is not None else ()), now))
    return Release(cells=cells)


def released_grid(published: Release, *, k: int, spaces: Sequence[str] | None = None,
                  content: content_mod.Content | None = None,
                  round: int = 1) -> pd.DataFrame:  # noqa: A002
    """The published figures of every contributor as a grid, like :func:`group_grid`.

    A cell never released has n = 0 and is withheld; the floor ``k`` is applied again (a
    cell published under a lower floor is withheld now).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"participant": list("abc"), "rater": "self", "element": "task",
    ...                   "space": "team", "score": [2.0, 3.0, 4.0]})
    >>> g = released_grid(release(s, None, k=3, spaces=["team"]), k=3, spaces=["team"])
    >>> row = g.set_index("element").loc["task"]
    >>> int(row["n"]), float(row["mean"]), bool(row["withheld"])
    (3, 3.0, False)
    """
    return _released_frame(published, ALL, k=k, spaces=spaces, content=content, round=round)


def _released_frame(published: Release, group: str, *, k: int, spaces: Sequence[str] | None,
                    content: content_mod.Content | None, round: int) -> pd.DataFrame:  # noqa: A002
    c, _, index = _cells_of(k, spaces, content)
    counts = count_columns(c)
    nan = float("nan")
    rows = []
    for e, s in index:
        f = published.figures(e, s, group, round=round)
        if f is None:
            f = Figures(0, nan, nan, tuple(nan for _ in counts), True)
        hidden = f.withheld or f.n < k
        rows.append({"element": e, "space": s, "n": f.n, "mean": nan if hidden else f.mean,
                     "sd": nan if hidden else f.sd, "withheld": hidden,
                     **{col: nan if hidden else x
                        for col, x in zip(counts, f.counts, strict=True)}})
    out = pd.DataFrame(rows, columns=[*GRID_COLUMNS, *counts])
    out["n"] = out["n"].astype(np.int64)
    out["withheld"] = out["withheld"].astype(bool)
    return out


def released_gap(published: Release, *, k: int, spaces: Sequence[str] | None = None,
                 leader: str = LEADER, members: str = MEMBER,
                 content: content_mod.Content | None = None,
                 round: int = 1) -> pd.DataFrame:  # noqa: A002
    """The published leader-versus-members figures, like :func:`leader_gap`.

    Both sides come from the same release of the cell (so the leader's figure cannot be
    subtracted from a members' figure of another moment). A row is shown only when the
    leader and at least ``k`` members had a score at that release.
    """
    _, _, index = _cells_of(k, spaces, content)
    nan = float("nan")
    rows = []
    for e, s in index:
        lead = published.figures(e, s, leader, round=round)
        rest = published.figures(e, s, members, round=round)
        shown = (lead is not None and rest is not None and lead.n >= 1 and rest.n >= k
                 and not lead.withheld and not rest.withheld)
        if shown:
            assert lead is not None  # for mypy: shown says so
            assert rest is not None
            rows.append({"element": e, "space": s, "n_self": lead.n, "mean_self": lead.mean,
                         "n_others": rest.n, "mean_others": rest.mean,
                         "gap": lead.mean - rest.mean, "withheld": False})
        else:
            rows.append({"element": e, "space": s, "n_self": 0, "mean_self": nan,
                         "n_others": 0, "mean_others": nan, "gap": nan, "withheld": True})
    out = pd.DataFrame(rows, columns=list(GAP_COLUMNS))
    for col in ("n_self", "n_others"):
        out[col] = out[col].astype(np.int64)
    out["withheld"] = out["withheld"].astype(bool)
    return out


def released_scores(grid: pd.DataFrame, *,
                    content: content_mod.Content | None = None) -> pd.DataFrame:
    """The published per-score counts of shown cells as one row per rating, for a chart of
    the spread (:func:`trace_widgets.charts.distribution`) that follows the release rule.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"participant": list("abc"), "rater": "self", "element": "task",
    ...                   "space": "team", "score": [2.0, 2.0, 4.0]})
    >>> g = released_grid(release(s, None, k=3, spaces=["team"]), k=3, spaces=["team"])
    >>> released_scores(g)["score"].tolist()
    [2.0, 2.0, 4.0]
    """
    c = _content(content)
    points = _points(c)
    rows: list[tuple[str, str, float]] = []
    for row in grid.loc[~grid["withheld"].to_numpy(dtype=bool)].to_dict("records"):
        for p, col in zip(points, count_columns(c), strict=True):
            rows += [(str(row["element"]), str(row["space"]), float(p))] * int(row[col])
    return pd.DataFrame(rows, columns=["element", "space", "score"])


def release_groups(kind: str, *, k: int) -> dict[str, int]:
    """The rater groups a workshop of ``kind`` reports on their own, with their floors.

    Examples
    --------
    >>> release_groups("team", k=3), release_groups("cohort", k=3)
    ({'leader': 1, 'member': 3}, {})
    """
    return {LEADER: 1, MEMBER: k} if kind == "team" else {}


# --- everything a coach sees ------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Everything the coach's views show, after the anonymity rule: no pseudonyms, no tokens.

    Build it with :func:`summarise`. ``gap`` is None for a cohort workshop. ``grid`` and
    ``gap`` are the figures of ``release`` (the state to persist before showing them).
    """

    kind: str
    spaces: tuple[str, ...]
    k: int
    comment_k: int
    grid: pd.DataFrame
    gap: pd.DataFrame | None
    progress: Progress
    highlights: Highlights
    comments: tuple[SharedPrompt, ...]
    release: Release = field(default_factory=Release)
    """What is published now (:func:`release`); persist it, then show the figures."""
    round: int = 1
    """The round the workshop rates in now: ``grid`` and ``gap`` are this round's."""
    grids: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    """Every round's grid (as ``grid``), by round; empty when there is one round only."""
    gaps: Mapping[int, pd.DataFrame | None] = field(default_factory=dict)
    """Every round's leader-versus-members figures, by round, as ``grids``."""

    @property
    def change(self) -> pd.DataFrame | None:
        """Per cell, the round now against the round before it (:func:`round_change`);
        None in the first round."""
        return round_change(self.grids) if len(self.grids) > 1 else None

    def same_as(self, other: Summary | None) -> bool:
        """True when ``other`` would show exactly the same (so nothing needs redrawing)."""
        if other is None:
            return False
        same_frames = self.grid.equals(other.grid)
        same_gap = (self.gap is None and other.gap is None) or (
            self.gap is not None and other.gap is not None and self.gap.equals(other.gap))
        same_rounds = (self.grids.keys() == other.grids.keys()
                       and all(g.equals(other.grids[r]) for r, g in self.grids.items()))
        return (same_frames and same_gap and same_rounds and self.progress == other.progress
                and self.highlights == other.highlights and self.comments == other.comments
                and (self.kind, self.spaces, self.k, self.comment_k)
                == (other.kind, other.spaces, other.k, other.comment_k)
                and self.round == other.round)


def summarise(answers: pd.DataFrame, *, kind: str, spaces: Sequence[str], k: int,
              comment_k: int, joined: int = 0, previous: Release | None = None,
              content: content_mod.Content | None = None, round: int = 1,  # noqa: A002
              earlier: Mapping[int, pd.DataFrame] | None = None,
              instrument: str | None = None) -> Summary:
    """A workshop's answers turned into what its coach may see, under the release rule.

    The grid, the per-score counts, the spread, the highlights and the leader-versus-members
    comparison are all the figures of one :func:`release` made from ``previous``: a cell
    changes only when at least ``k`` people's contributions differ from every earlier
    release of it. Persist ``summary.release`` (the store, by scope) and pass it back as
    ``previous`` next time; :func:`trace_widgets.workshop.group_summary` does both. Progress
    counts (joined, started, finished) are not anyone's answers and are always current.

    Parameters
    ----------
    answers
        The workshop's answers (:meth:`trace_widgets.store.Store.workshop_answers`,
        pseudonymous).
    kind
        ``"cohort"`` or ``"team"`` (team adds the leader-versus-members comparison).
    spaces
        The workshop's spaces.
    k, comment_k
        The anonymity floor and the floor for shared reflections (from settings).
    joined
        How many joined the workshop (a count is not anyone's answer: no floor applies).
    previous
        What this view published last (None: nothing yet, so every cell with ``k``
        contributors is released; only right for a view that is never shown twice).
    content
        The content (default :func:`trace_widgets.content.get`).
    round
        The round ``answers`` are of (the workshop's round now).
    earlier
        The answers of each earlier round, by round (as ``answers``): each round is
        released on its own figures, under one history per cell (:func:`release`), and
        the summary carries every round's grid and the change (``Summary.change``).
    instrument
        The instrument the workshop's journey rates (default the main one): only its
        statements are scored and counted.

    Returns
    -------
    Summary

    Examples
    --------
    >>> from trace_widgets import demo
    >>> s = summarise(demo.demo_answers(6, seed=1), kind="team", spaces=["team"], k=3,
    ...               comment_k=5)
    >>> (len(s.grid), bool(s.grid["withheld"].any()), s.progress.started)
    (5, False, 6)
    >>> import pandas as pd
    >>> room = demo.demo_answers(6, seed=1)
    >>> one = room.loc[room["rater"] == "member"]
    >>> newcomer = one.loc[one["participant"] == one["participant"].iloc[0]]
    >>> again = summarise(pd.concat([room, newcomer.assign(participant="newcomer")]),
    ...                   kind="team", spaces=["team"], k=3, comment_k=5, previous=s.release)
    >>> again.grid.equals(s.grid), again.progress.started  # one more person: nothing moves
    (True, 7)
    """
    c = _content(content)
    chosen = tuple(_spaces(spaces, c))
    groups = release_groups(kind, k=k)
    published = previous
    grids: dict[int, pd.DataFrame] = {}
    gaps: dict[int, pd.DataFrame | None] = {}
    for r, frame in sorted({**(earlier or {}), round: answers}.items()):
        published = release(scoring.cell_scores(frame, c, instrument=instrument), published,
                            k=k, groups=groups,
                            spaces=chosen, content=c, round=r)
        grids[r] = released_grid(published, k=k, spaces=chosen, content=c, round=r)
        gaps[r] = (released_gap(published, k=k, spaces=chosen, content=c, round=r)
                   if kind == "team" else None)
    assert published is not None  # one round at least: the one now
    grid = grids[round]
    return Summary(
        kind=kind, spaces=chosen, k=k, comment_k=comment_k, grid=grid, gap=gaps[round],
        progress=progress(answers, spaces=chosen, joined=joined, content=c,
                          instrument=instrument),
        highlights=highlights(grid),
        comments=shared_comments(shared_texts(answers, content=c), k=comment_k, content=c),
        release=published, round=round, grids=grids if len(grids) > 1 else {},
        gaps=gaps if len(gaps) > 1 else {},
    )


CHANGE_COLUMNS = ("element", "space", "round_from", "mean_from", "n_from", "round_to",
                  "mean_to", "n_to", "change", "withheld")
"""Columns of :func:`round_change`."""


def round_change(grids: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """Per cell, the group's mean in the latest round against the round before it.

    Parameters
    ----------
    grids
        Released grids by round (``Summary.grids``; :func:`released_grid`), two at least.

    Returns
    -------
    DataFrame
        :data:`CHANGE_COLUMNS`, one row per cell in the grids' order: each round's mean
        and n (NaN and 0 when that round's cell is withheld) and the change (later minus
        earlier), withheld unless both rounds' cells are shown.

    Examples
    --------
    >>> import pandas as pd
    >>> one = pd.DataFrame({"element": ["task"], "space": ["team"], "n": [4], "mean": [2.5],
    ...                     "withheld": [False]})
    >>> two = one.assign(mean=[3.25])
    >>> row = round_change({1: one, 2: two}).iloc[0]
    >>> float(row["change"]), bool(row["withheld"])
    (0.75, False)
    """
    if len(grids) < 2:
        raise ValueError("a change needs two rounds")
    first, last = sorted(grids)[-2:]
    a, b = grids[first], grids[last]
    hidden_a = a["withheld"].to_numpy(dtype=bool)
    hidden_b = b["withheld"].to_numpy(dtype=bool)
    mean_a = np.where(hidden_a, np.nan, a["mean"].to_numpy(dtype=float))
    mean_b = np.where(hidden_b, np.nan, b["mean"].to_numpy(dtype=float))
    withheld = hidden_a | hidden_b
    return pd.DataFrame({
        "element": a["element"].astype(str).to_numpy(),
        "space": a["space"].astype(str).to_numpy(),
        "round_from": first, "mean_from": mean_a,
        "n_from": np.where(hidden_a, 0, a["n"].to_numpy(dtype=np.int64)),
        "round_to": last, "mean_to": mean_b,
        "n_to": np.where(hidden_b, 0, b["n"].to_numpy(dtype=np.int64)),
        "change": np.where(withheld, np.nan, mean_b - mean_a), "withheld": withheld,
    }, columns=list(CHANGE_COLUMNS))


def round_means(grids: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """The shown cells' means of every round, long: element, space, round, score. For the
    trend chart (:func:`trace_widgets.charts.trend`): withheld cells have no row.

    Examples
    --------
    >>> import pandas as pd
    >>> one = pd.DataFrame({"element": ["task", "route"], "space": ["team"] * 2,
    ...                     "mean": [2.5, float("nan")], "withheld": [False, True]})
    >>> round_means({1: one, 2: one.assign(mean=[3.0, 4.0], withheld=False)})["round"].tolist()
    [1, 2, 2]
    """
    rows = []
    for r, grid in sorted(grids.items()):
        shown = grid.loc[~grid["withheld"].to_numpy(dtype=bool)]
        rows.append(pd.DataFrame({"element": shown["element"].astype(str).to_numpy(),
                                  "space": shown["space"].astype(str).to_numpy(),
                                  "round": r, "score": shown["mean"].to_numpy(dtype=float)}))
    if not rows:
        return pd.DataFrame(columns=["element", "space", "round", "score"])
    return pd.concat(rows, ignore_index=True)


# --- the anonymised aggregates as CSV ---------------------------------------------------------


def aggregates_csv(summary: Summary) -> str:
    """The group figures as CSV: one row per cell, withheld cells left empty.

    Only numbers and content ids: no pseudonyms, no texts, so nothing a spreadsheet could run.

    Parameters
    ----------
    summary
        :func:`summarise` output.

    Returns
    -------
    str
        Columns element, space, withheld (yes/no), n, mean, sd, count_1..count_5, for a
        team workshop leader_mean, members_n, members_mean, gap, gap_withheld, then round
        and change (the mean minus the previous round's, empty in round 1 or when either
        round's cell is withheld). One row per cell of each round, rounds in order. Means
        and spreads to two decimals; every figure of a withheld cell is empty.

    Examples
    --------
    >>> from trace_widgets import demo
    >>> s = summarise(demo.demo_answers(2, seed=1), kind="team", spaces=["team"], k=3,
    ...               comment_k=5)
    >>> aggregates_csv(s).splitlines()[1]
    'task,team,yes,,,,,,,,,,,,,yes,1,'
    """
    counts = [col for col in summary.grid.columns if col.startswith("count_")]
    header = ["element", "space", "withheld", "n", "mean", "sd", *counts]
    team = summary.gap is not None
    if team:
        header += ["leader_mean", "members_n", "members_mean", "gap", "gap_withheld"]
    header += ["round", "change"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    grids = summary.grids or {summary.round: summary.grid}
    gaps = summary.gaps or {summary.round: summary.gap}
    before: pd.DataFrame | None = None
    for r, grid in sorted(grids.items()):
        change = (round_change({r - 1: before, r: grid})["change"].tolist()
                  if before is not None else [float("nan")] * len(grid))
        _csv_round(writer, grid, gaps.get(r), counts=counts, r=r, change=change)
        before = grid
    return buf.getvalue()


def _csv_round(writer: Any, grid: pd.DataFrame, gap_frame: pd.DataFrame | None, *,
               counts: list[str], r: int, change: list[float]) -> None:
    gap = gap_frame.set_index(["element", "space"]) if gap_frame is not None else None
    for row, moved in zip(grid.to_dict("records"), change, strict=True):
        hidden = bool(row["withheld"])
        figures = ["", "", "", *([""] * len(counts))] if hidden else [
            str(int(row["n"])), _number(row["mean"]), _number(row["sd"]),
            *(str(int(row[col])) for col in counts)]
        line = [row["element"], row["space"], "yes" if hidden else "no", *figures]
        if gap is not None:
            g = gap.loc[(row["element"], row["space"])]
            gap_hidden = bool(g["withheld"])
            line += (["", "", "", "", "yes"] if gap_hidden else [
                _number(g["mean_self"]), str(int(g["n_others"])), _number(g["mean_others"]),
                _number(g["gap"]), "no"])
        writer.writerow([*line, str(r), _number(moved)])


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return "" if np.isnan(number) else f"{number:.2f}"
