"""Charts of TRACE scores: pure Altair functions of tidy frames, each with a table twin.

Every chart function has a ``*_table`` companion that returns the same numbers as a small
DataFrame (the text alternative shown beside the chart), and :func:`table_text` turns such a
table into plain text. Names, orders and wording (the ``chart.*`` UI texts) come from the
content; looks come from the one theme in :mod:`trace_widgets._theme`, which importing this
module registers and enables. Drawing them is apart, in :mod:`trace_widgets.chart_draw`, as
Altair keeps specs and renderers apart: nothing here draws, reads a file or talks to a
process.

Examples
--------
>>> import pandas as pd
>>> from trace_widgets import charts
>>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [3.5]})
>>> charts.heatmap_table(cells).loc["Task", "Self"]
np.float64(3.5)
>>> charts.to_spec(charts.heatmap(cells))["usermeta"]["trace"]["chart"]
'heatmap'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from . import _theme
from . import content as content_mod

__all__ = [
    "ProfileParts",
    "distribution",
    "distribution_table",
    "gap",
    "gap_table",
    "heatmap",
    "heatmap_table",
    "profile",
    "profile_parts",
    "profile_table",
    "table_text",
    "to_spec",
    "trend",
    "trend_summary",
    "trend_table",
]

_theme.use()

# --- content, wording and frames ---------------------------------------------------------------


def _c(content: content_mod.Content | None) -> content_mod.Content:
    return content if content is not None else content_mod.get()


def _say(c: content_mod.Content, key: str, **values: object) -> str:
    return c.text(key, **values)


def _element_names(c: content_mod.Content) -> list[str]:
    return [e.name for e in c.elements]


def _space_names(c: content_mod.Content, spaces: Sequence[str] | None = None) -> list[str]:
    """Space names in content order: all, or those of the ``spaces`` ids given."""
    return [s.name for s in c.spaces if spaces is None or s.id in spaces]


def _label(score: float, c: content_mod.Content) -> str:
    return _say(c, "chart.no_score") if pd.isna(score) else f"{score:.1f}"


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise KeyError(f"{what} needs the columns {', '.join(missing)}")


def _means(frame: pd.DataFrame, c: content_mod.Content, value: str,
           keys: Sequence[str]) -> pd.DataFrame:
    """Mean ``value`` per key (element and/or space ids), on the full content grid, by name.

    Rows for ids the content does not know are dropped; cells with no rows get NaN, so a
    missing cell is drawn as missing instead of vanishing.
    """
    _need(frame, [*keys, value], "this chart")
    names = _id_names(c)
    ids = pd.DataFrame({k: frame[k].astype(str).map(names[k]) for k in keys})
    ids["score"] = pd.to_numeric(frame[value], errors="coerce").to_numpy()
    means = ids.dropna(subset=list(keys)).groupby(list(keys), sort=False)["score"].mean()
    levels: list[list[str]] = [list(names[k].values()) for k in keys]
    full = pd.MultiIndex.from_product(levels, names=list(keys))
    return means.reindex(full if len(keys) > 1 else full.get_level_values(0)).reset_index()


def _id_names(c: content_mod.Content) -> dict[str, dict[str, str]]:
    """Display names by id, for the element and the space columns."""
    return {"element": {e.id: e.name for e in c.elements},
            "space": {s.id: s.name for s in c.spaces}}


def _with_labels(data: pd.DataFrame, c: content_mod.Content) -> pd.DataFrame:
    """Add the printed label and its tone (the label colour depends on the cell colour)."""
    data = data.copy()
    data["label"] = [_label(s, c) for s in data["score"]]
    data["tone"] = np.where(data["score"].isna(), "missing",
                            np.where(data["score"] >= _theme.DARK_FROM, "dark", "light"))
    data["label_x"] = data["score"].fillna(c.scale.low)
    data["aria"] = _spoken(data, data["label"])
    return data


def _spoken(data: pd.DataFrame, what: pd.Series | list[str]) -> list[str]:
    """What a screen reader says for each mark: "Task, Team: 3.5".

    Vega-Lite would otherwise read the raw encodings, rounded by the axis format.
    """
    where = data["element"] if "space" not in data.columns else (
        data["element"] + ", " + data["space"])
    return [f"{w}: {x}" for w, x in zip(where, what, strict=True)]


def _score_scale(c: content_mod.Content, **kwargs: Any) -> alt.Scale:
    return alt.Scale(domain=[c.scale.low, c.scale.high], **kwargs)


def _score_axis(c: content_mod.Content) -> alt.Axis:
    """An axis with a tick at each scale point, not at 1.5."""
    return alt.Axis(values=list(range(c.scale.low, c.scale.high + 1)), format="d")


def _condition_colour(*, legend: alt.Legend | None = None) -> alt.Color:
    """Each condition in its accent (:func:`_theme.accent_scale`): the same on every chart,
    and as on the condition's cards and headings."""
    return alt.Color("element:N", scale=_theme.accent_scale(), legend=legend)


def _scale_note(c: content_mod.Content) -> str:
    s = c.scale
    return _say(c, "chart.scale_note", low=s.low, high=s.high, low_label=s.label(s.low),
                high_label=s.label(s.high))


def _meta(kind: str, c: content_mod.Content, **extra: object) -> dict[str, Any]:
    return {"trace": {"chart": kind, "scale": [c.scale.low, c.scale.high], **extra}}


def _finish(chart: Any, kind: str, c: content_mod.Content, title: str, description: str,
            *, subtitle: str | None = None, **extra: object) -> Any:
    return chart.properties(title=alt.Title(title, subtitle=subtitle or _scale_note(c)),
                            description=description, usermeta=_meta(kind, c, **extra))


# --- profile ----------------------------------------------------------------------------------


def _profile_data(scores: pd.DataFrame, space: str | None, value: str,
                  c: content_mod.Content) -> pd.DataFrame:
    if "space" not in scores.columns:
        data = _means(scores, c, value, ["element"])
        return _with_labels(data, c)
    if space is not None:
        name = c.space(space).name  # an unknown id is a KeyError, not an empty chart
        scores = scores.loc[scores["space"].astype(str) == space]
        quick = _one_space_data(scores, name, value, c)
        if quick is not None:
            return quick
        # One space: its elements only (a third of the time of the whole grid, filtered;
        # this runs on every rating).
        data = _means(scores, c, value, ["element"])
        data.insert(1, "space", name)
        return _with_labels(data, c)
    data = _means(scores, c, value, ["element", "space"])
    return _with_labels(data.reset_index(drop=True), c)


def _one_space_data(scores: pd.DataFrame, name: str, value: str,
                    c: content_mod.Content) -> pd.DataFrame | None:
    """:func:`_profile_data` of one space's rows when each element has at most one (a
    learner's own profile), in plain Python: the same frame, tested equal, in a tenth of the
    time of the grouped path. This runs on every rating. None: take the grouped path."""
    _need(scores, ["element", value], "this chart")
    column = scores[value]
    if not pd.api.types.is_float_dtype(column.dtype) \
            and not pd.api.types.is_integer_dtype(column.dtype):
        return None
    given = dict(zip(scores["element"].astype(str), column.astype(float), strict=True))
    if len(given) != len(scores):
        return None  # several rows for one bar: a mean, grouped
    elements = c.elements
    score = [given.get(e.id, np.nan) for e in elements]
    label = [_label(x, c) for x in score]
    names = [e.name for e in elements]
    return pd.DataFrame({
        "element": names,
        "space": [name] * len(names),
        "score": np.array(score, dtype=np.float64),
        "label": label,
        "tone": ["missing" if np.isnan(x) else "dark" if x >= _theme.DARK_FROM else "light"
                 for x in score],
        "label_x": np.array([c.scale.low if np.isnan(x) else x for x in score],
                            dtype=np.float64),
        "aria": [f"{n}, {name}: {x}" for n, x in zip(names, label, strict=True)],
    })


def profile(scores: pd.DataFrame, *, space: str | None = None, title: str | None = None,
            value: str = "score", content: content_mod.Content | None = None
            ) -> alt.LayerChart | alt.FacetChart:
    """Bars of the five element scores: for one space, for each space, or across spaces.

    Parameters
    ----------
    scores
        Cell scores (:func:`trace_widgets.scoring.cell_scores`: element, space, score) or
        element scores (:func:`trace_widgets.scoring.element_scores`: element, score).
        Several rows for one bar (a group) are averaged.
    space
        A space id: draw only that space. Default: one panel per space for cell scores.
    title
        The chart title (default from the content's wording).
    value
        The column with the scores, e.g. ``"mean"`` for :func:`scoring.group_cells` output.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    alt.LayerChart or alt.FacetChart
        Horizontal bars from the bottom of the scale, the score printed at the end of each
        bar, and "no score" where there is none.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task", "route"], "space": ["team"] * 2,
    ...                       "score": [4.0, 2.5]})
    >>> profile(cells, space="team").to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    c = _c(content)
    data, title, description = _profile_words(scores, space, title, value, c)
    elements = _element_names(c)
    base = alt.Chart().encode(
        y=alt.Y("element:N", sort=elements, scale=alt.Scale(domain=elements), title=None),
        tooltip=[alt.Tooltip("element:N", title=_say(c, "chart.condition")),
                 alt.Tooltip("label:N", title=_say(c, "chart.score"))],
    )
    bars = base.mark_bar(style="trace-bar").encode(
        x=alt.X("score:Q", scale=_score_scale(c), axis=_score_axis(c),
                title=_say(c, "chart.score")),
        x2=alt.datum(c.scale.low),
        color=_condition_colour(),
        description=alt.Description("aria:N"),
    )
    # The bar already speaks its score; its printed label would say it twice.
    scored = base.mark_text(style=["trace-value", "trace-beside-bar"], aria=False).encode(
        x=alt.X("label_x:Q"), text=alt.Text("label:N")).transform_filter("datum.tone != 'missing'")
    missing = base.mark_text(style=["trace-label-missing", "trace-beside-bar"]).encode(
        x=alt.X("label_x:Q"), text=alt.Text("label:N"), description=alt.Description("aria:N"),
    ).transform_filter("datum.tone == 'missing'")
    layered = alt.layer(bars, scored, missing, data=data).properties(
        width=_theme.PANEL_WIDTH, height=alt.Step(_theme.BAR_STEP))
    chart: alt.LayerChart | alt.FacetChart = layered
    if space is None and "space" in data.columns:
        chart = layered.facet(column=alt.Column("space:N", sort=_space_names(c), title=None))
    return _finish(chart, "profile", c, title, description, space=space)


@dataclass(frozen=True)
class ProfileParts:
    """What :func:`profile` draws, without the chart: its rows, title and description."""

    data: pd.DataFrame
    """One row per bar: element (and space) name, score, label, tone, label_x, aria."""
    title: str
    description: str
    table: pd.DataFrame
    """Its table twin (:func:`profile_table`)."""


def profile_parts(scores: pd.DataFrame, *, space: str | None = None, title: str | None = None,
                  value: str = "score", content: content_mod.Content | None = None
                  ) -> ProfileParts:
    """The rows and words of :func:`profile` (same parameters), for a drawer that writes the
    marks itself (:func:`trace_widgets.chart_draw.profile_svg`) and need not build a spec.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["team"], "score": [4.0]})
    >>> parts = profile_parts(cells, space="team")
    >>> parts.title, parts.data["label"].tolist()
    ('Scores by condition: Team', ['4.0', 'no score', 'no score', 'no score', 'no score'])
    """
    c = _c(content)
    data, title, description = _profile_words(scores, space, title, value, c)
    return ProfileParts(data=data, title=title, description=description,
                        table=_profile_table(data, space, c))


def _profile_words(scores: pd.DataFrame, space: str | None, title: str | None, value: str,
                   c: content_mod.Content) -> tuple[pd.DataFrame, str, str]:
    data = _profile_data(scores, space, value, c)
    elements = _element_names(c)
    where = (c.space(space).name if space is not None else
             ", ".join(_space_names(c)) if "space" in data.columns
             else _say(c, "chart.all_spaces"))
    default = (_say(c, "chart.profile.title_space", space=c.space(space).name)
               if space is not None else _say(c, "chart.profile.title"))
    description = _say(c, "chart.profile.description", low=c.scale.low, high=c.scale.high,
                       elements=", ".join(elements), where=where,
                       scored=int(data["score"].notna().sum()), total=len(data))
    return data, title or default, description


def profile_table(scores: pd.DataFrame, *, space: str | None = None, value: str = "score",
                  content: content_mod.Content | None = None) -> pd.DataFrame:
    """The numbers of :func:`profile`: elements as rows, spaces (or one score) as columns.

    Parameters
    ----------
    scores, space, value, content
        As for :func:`profile`.

    Returns
    -------
    DataFrame
        Element names as the index (content order); one column per space name, or a single
        score column for element scores. Scores rounded to one decimal, as printed on the
        chart; NaN where there is no score.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["team"], "score": [4.25]})
    >>> profile_table(cells, space="team").loc["Task", "Team"]
    np.float64(4.2)
    """
    c = _c(content)
    return _profile_table(_profile_data(scores, space, value, c), space, c)


def _profile_table(data: pd.DataFrame, space: str | None, c: content_mod.Content
                   ) -> pd.DataFrame:
    if "space" not in data.columns:
        table = data.set_index("element")[["score"]].set_axis([_say(c, "chart.score")], axis=1)
    elif space is not None and (quick := _one_space_table(data, space, c)) is not None:
        table = quick
    else:
        table = data.pivot(index="element", columns="space", values="score")
        spaces = [c.space(space).name] if space is not None else _space_names(c)
        table = table.reindex(index=_element_names(c), columns=spaces)
    return _tidy_table(table, c)


def _one_space_table(data: pd.DataFrame, space: str, c: content_mod.Content
                     ) -> pd.DataFrame | None:
    """The pivot of one space's rows in content order (a learner's profile) without the
    pivot: the same table, tested equal. None: pivot."""
    if list(data["element"]) != _element_names(c):
        return None
    table = pd.DataFrame({c.space(space).name: data["score"].to_numpy(dtype=np.float64)},
                         index=pd.Index(_element_names(c), name="element"))
    table.columns.name = "space"
    return table


def _tidy_table(table: pd.DataFrame, c: content_mod.Content) -> pd.DataFrame:
    table = table.astype(float).round(1)
    table.index.name = _say(c, "chart.condition")
    table.columns.name = _say(c, "chart.space") if table.shape[1] > 1 else None
    return table


# --- heatmap ----------------------------------------------------------------------------------


def heatmap(scores: pd.DataFrame, *, title: str | None = None, value: str = "score",
            content: content_mod.Content | None = None) -> alt.LayerChart:
    """The 5 x 4 TRACE grid: one cell per element and space, coloured by its score.

    Parameters
    ----------
    scores
        Cell scores (:func:`trace_widgets.scoring.cell_scores`): element, space, score. Several
        rows for one cell (a group) are averaged.
    title
        The chart title (default from the content's wording).
    value
        The column with the scores, e.g. ``"mean"`` for :func:`scoring.group_cells` output.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    alt.LayerChart
        Elements in rows, spaces in columns, the score printed in each cell; a cell with no
        score is drawn blank with a dashed outline and says "no score".

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [4.0]})
    >>> len(heatmap(cells).to_dict()["datasets"].popitem()[1])
    20
    """
    c = _c(content)
    data = _with_labels(_means(scores, c, value, ["element", "space"]), c)
    elements, spaces = _element_names(c), _space_names(c)
    base = alt.Chart().encode(
        x=alt.X("space:N", sort=spaces, scale=alt.Scale(domain=spaces),
                axis=alt.Axis(orient="top", title=None)),
        y=alt.Y("element:N", sort=elements, scale=alt.Scale(domain=elements), title=None),
        tooltip=[alt.Tooltip("element:N", title=_say(c, "chart.condition")),
                 alt.Tooltip("space:N", title=_say(c, "chart.space")),
                 alt.Tooltip("label:N", title=_say(c, "chart.score"))],
    )
    filled = base.mark_rect(style="trace-cell").encode(
        color=alt.Color("score:Q", scale=_score_scale(c, range="heatmap"),
                        legend=alt.Legend(title=_say(c, "chart.score"), values=list(
                            range(c.scale.low, c.scale.high + 1)))),
        description=alt.Description("aria:N"),
    ).transform_filter("datum.tone != 'missing'")
    # Each cell speaks once (the rect); the printed labels are for eyes only. A layer with
    # no cells would be an empty, unnamed graphic to a screen reader, so it is left out.
    tones = set(data["tone"])
    cells = [filled] if tones - {"missing"} else []
    if "missing" in tones:
        cells.append(base.mark_rect(style="trace-missing").encode(description=alt.Description("aria:N"))
                     .transform_filter("datum.tone == 'missing'"))
    labels = [
        base.mark_text(style=f"trace-label-{tone}", aria=False).encode(text=alt.Text("label:N"))
        .transform_filter(f"datum.tone == '{tone}'")
        for tone in ("light", "dark", "missing") if tone in tones
    ]
    chart = alt.layer(*cells, *labels, data=data).properties(
        width=alt.Step(_theme.CELL_WIDTH), height=alt.Step(_theme.CELL_HEIGHT))
    description = _say(c, "chart.heatmap.description", low=c.scale.low, high=c.scale.high,
                       elements=", ".join(elements), spaces=", ".join(spaces),
                       scored=int(data["score"].notna().sum()), total=len(data))
    return _finish(chart, "heatmap", c, title or _say(c, "chart.heatmap.title"),
                   description)


def heatmap_table(scores: pd.DataFrame, *, value: str = "score",
                  content: content_mod.Content | None = None) -> pd.DataFrame:
    """The numbers of :func:`heatmap`: element names as rows, space names as columns.

    Parameters
    ----------
    scores, value, content
        As for :func:`heatmap`.

    Returns
    -------
    DataFrame
        5 x 4 (content order), scores rounded to one decimal, NaN where there is no score.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [4.0]})
    >>> heatmap_table(cells).shape
    (5, 4)
    """
    return profile_table(scores, value=value, content=content)


# --- gap --------------------------------------------------------------------------------------


def _gap_data(gaps: pd.DataFrame, c: content_mod.Content,
              spaces: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per cell of the grid (of ``spaces``, default all): both means, both counts,
    the gap and its label."""
    _need(gaps, ["element", "space", "mean_self", "mean_others"], "gap")
    cols = {"mean_self": "self", "mean_others": "others", "n_self": "n_self",
            "n_others": "n_others"}
    parts = [_means(gaps, c, src, ["element", "space"]).rename(columns={"score": dst})
             .set_index(["element", "space"])
             for src, dst in cols.items() if src in gaps.columns]
    data = pd.concat(parts, axis=1).reset_index()
    data["gap"] = data["self"] - data["others"]
    data["label"] = [_say(c, "chart.no_score") if pd.isna(g) else f"{g:+.1f}"
                     for g in data["gap"]]
    data["label_x"] = data[["self", "others"]].max(axis=1).fillna(c.scale.low)
    data["tone"] = np.where(data["gap"].isna(), "missing", "scored")
    return data.loc[data["space"].isin(_space_names(c, spaces))].reset_index(drop=True)


def gap(gaps: pd.DataFrame, *, self_label: str | None = None, others_label: str | None = None,
        title: str | None = None, spaces: Sequence[str] | None = None,
        content: content_mod.Content | None = None) -> alt.FacetChart:
    """Self against others per cell: two marks on the 1-5 scale joined by a line.

    Parameters
    ----------
    gaps
        Output of :func:`trace_widgets.scoring.gap`: element, space, mean_self,
        mean_others (n_self and n_others are shown in tooltips when present). Withhold small
        groups before calling (set their means to NaN): this function draws what it gets.
    self_label, others_label
        Names of the two groups, e.g. "Leader" and "Team" (default "Self" and "Others").
    title
        The chart title (default "<self> compared with <others>").
    spaces
        The space ids to draw (default all four), e.g. a workshop's.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    alt.FacetChart
        One panel per space, elements in rows: a circle for self, a square for others, the
        line between them coloured by the gap (diverging, colour-blind safe) and the signed
        gap printed beside it; "no score" where either side is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"element": ["task"], "space": ["team"], "mean_self": [4.0],
    ...                   "mean_others": [3.0], "n_self": [1], "n_others": [5]})
    >>> gap(g).to_dict()["spec"]["layer"][0]["mark"]["type"]
    'rule'
    """
    c = _c(content)
    self_label = self_label or _say(c, "chart.self")
    others_label = others_label or _say(c, "chart.others")
    wide = _gap_data(gaps, c, spaces)
    data = wide.melt(id_vars=[col for col in wide.columns if col not in ("self", "others")],
                     value_vars=["self", "others"], var_name="group", value_name="score")
    data = data.merge(wide[["element", "space", "self", "others"]], on=["element", "space"])
    # Cell-level marks (the line, the gap label) are drawn from the self row only.
    data["once"] = data["group"] == "self"
    data["group"] = data["group"].map({"self": self_label, "others": others_label})
    data["aria"] = _spoken(data, [f"{g} {_label(x, c)}"
                                  for g, x in zip(data["group"], data["score"], strict=True)])
    data["aria_gap"] = _spoken(data, [f"{_say(c, 'chart.gap')} {x}" for x in data["label"]])
    elements = _element_names(c)
    span = (c.scale.high - c.scale.low) / 2
    tips = [alt.Tooltip("element:N", title=_say(c, "chart.condition")),
            alt.Tooltip("group:N", title=_say(c, "chart.group")),
            alt.Tooltip("score:Q", title=_say(c, "chart.score"), format=".1f"),
            alt.Tooltip("label:N", title=_say(c, "chart.gap"))]
    if "n_self" in data.columns:
        tips += [alt.Tooltip("n_self:Q", title=_say(c, "chart.n_of", group=self_label)),
                 alt.Tooltip("n_others:Q", title=_say(c, "chart.n_of", group=others_label))]
    base = alt.Chart().encode(
        y=alt.Y("element:N", sort=elements, scale=alt.Scale(domain=elements), title=None))
    line = base.mark_rule(style="trace-gap", aria=False).encode(
        x=alt.X("others:Q", scale=_score_scale(c), axis=_score_axis(c),
                title=_say(c, "chart.score")),
        x2=alt.X2("self:Q"),
        color=alt.Color("gap:Q", scale=alt.Scale(domain=[-span, span], domainMid=0,
                                                 range="diverging", clamp=True),
                        legend=alt.Legend(title=_say(c, "chart.gap_legend", self=self_label,
                                                     others=others_label))),
    ).transform_filter("datum.once && isValid(datum.gap)")
    points = base.mark_point(style="trace-point").encode(
        x=alt.X("score:Q", scale=_score_scale(c)),
        shape=alt.Shape("group:N", scale=alt.Scale(domain=[self_label, others_label]),
                        legend=alt.Legend(title=None)),
        tooltip=tips,
        description=alt.Description("aria:N"),
    ).transform_filter("isValid(datum.score)")
    text = [
        base.mark_text(style=[style, "trace-beside-point"]).encode(
            x=alt.X("label_x:Q"), text=alt.Text("label:N"),
            description=alt.Description("aria_gap:N"),
        ).transform_filter(f"datum.once && datum.tone == '{tone}'")
        for tone, style in (("scored", "trace-value"), ("missing", "trace-label-missing"))
    ]
    chart = alt.layer(line, points, *text, data=data).properties(
        width=_theme.PANEL_WIDTH, height=alt.Step(_theme.BAR_STEP),
    ).facet(column=alt.Column("space:N", sort=_space_names(c, spaces), title=None))
    description = _say(c, "chart.gap.description", self=self_label, others=others_label,
                       low=c.scale.low, high=c.scale.high,
                       scored=int(wide["gap"].notna().sum()), total=len(wide))
    default = _say(c, "chart.gap.title", self=self_label, others=others_label)
    return _finish(chart, "gap", c, title or default, description)


def gap_table(gaps: pd.DataFrame, *, self_label: str | None = None,
              others_label: str | None = None, spaces: Sequence[str] | None = None,
              content: content_mod.Content | None = None) -> pd.DataFrame:
    """The numbers of :func:`gap`: per cell, both means, both counts and the gap.

    Parameters
    ----------
    gaps, self_label, others_label, spaces, content
        As for :func:`gap`.

    Returns
    -------
    DataFrame
        Index (condition, space) names in content order; columns "<self>", "<self> (n)",
        "<others>", "<others> (n)" (counts only when the input has them) and "Gap". Means
        and gaps rounded to one decimal.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"element": ["task"], "space": ["team"], "mean_self": [4.0],
    ...                   "mean_others": [3.25]})
    >>> float(gap_table(g).loc[("Task", "Team"), "Gap"])
    0.8
    """
    c = _c(content)
    self_label = self_label or _say(c, "chart.self")
    others_label = others_label or _say(c, "chart.others")
    data = _gap_data(gaps, c, spaces).set_index(["element", "space"])
    columns = {"self": self_label, "n_self": _say(c, "chart.n_of", group=self_label),
               "others": others_label, "n_others": _say(c, "chart.n_of", group=others_label),
               "gap": _say(c, "chart.gap")}
    table = data[[k for k in columns if k in data.columns]].rename(columns=columns)
    for k in ("self", "others", "gap"):
        table[columns[k]] = table[columns[k]].round(1)
    for k in ("n_self", "n_others"):
        if columns[k] in table.columns:
            table[columns[k]] = table[columns[k]].fillna(0).astype(int)
    table.index.names = [_say(c, "chart.condition"), _say(c, "chart.space")]
    return _cell_order(table, c, spaces)


def _cell_order(table: pd.DataFrame, c: content_mod.Content,
                spaces: Sequence[str] | None = None) -> pd.DataFrame:
    order = pd.MultiIndex.from_product([_element_names(c), _space_names(c, spaces)],
                                       names=table.index.names)
    return table.reindex(order)


# --- distribution -----------------------------------------------------------------------------


def _counts(scores: pd.DataFrame, c: content_mod.Content) -> pd.DataFrame:
    """Ratings per cell and scale point; cell means are rounded to the nearest point."""
    _need(scores, ["element", "space", "score"], "distribution")
    points = list(range(c.scale.low, c.scale.high + 1))
    names = _id_names(c)
    frame = pd.DataFrame({
        "element": scores["element"].astype(str).map(names["element"]),
        "space": scores["space"].astype(str).map(names["space"]),
        # Half up, not numpy's half to even: 3.5 is "agree" side on a 1-5 scale.
        "rating": np.floor(pd.to_numeric(scores["score"], errors="coerce") + 0.5),
    }).dropna()
    frame["rating"] = frame["rating"].astype(int)
    counts = frame.groupby(["element", "space", "rating"]).size()
    full = pd.MultiIndex.from_product([_element_names(c), _space_names(c), points],
                                      names=["element", "space", "rating"])
    return counts.reindex(full, fill_value=0).rename("count").reset_index()


def distribution(scores: pd.DataFrame, *, title: str | None = None,
                 content: content_mod.Content | None = None) -> alt.FacetChart:
    """How a group's ratings spread over the scale, per cell: counts per point 1-5.

    Parameters
    ----------
    scores
        Item scores (:func:`trace_widgets.scoring.item_scores`) or cell scores
        (:func:`trace_widgets.scoring.cell_scores`): element, space, score. Cell means are
        counted at the nearest scale point (halves round up); missing scores are left out.
        Apply the anonymity threshold before calling.
    title
        The chart title (default from the content's wording).
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    alt.FacetChart
        A small bar chart per cell (elements in rows, spaces in columns), every scale point
        on the x axis, the number of ratings on the y axis.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"element": ["task"] * 3, "space": ["team"] * 3,
    ...                       "score": [4.0, 4.0, 2.0]})
    >>> distribution(items).to_dict()["spec"]["mark"]["type"]
    'bar'
    """
    c = _c(content)
    data = _counts(scores, c)
    data["aria"] = _spoken(data, [_say(c, "chart.count_spoken", rating=r, count=n)
                                  for r, n in zip(data["rating"], data["count"], strict=True)])
    points = list(range(c.scale.low, c.scale.high + 1))
    chart = alt.Chart(data).mark_bar(style="trace-bar").encode(
        x=alt.X("rating:O", scale=alt.Scale(domain=points), title=_say(c, "chart.rating")),
        color=_condition_colour(),
        y=alt.Y("count:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("element:N", title=_say(c, "chart.condition")),
                 alt.Tooltip("space:N", title=_say(c, "chart.space")),
                 alt.Tooltip("rating:O", title=_say(c, "chart.rating")),
                 alt.Tooltip("count:Q", title=_say(c, "chart.count"))],
        description=alt.Description("aria:N"),
    ).properties(width=_theme.SMALL_WIDTH, height=_theme.SMALL_HEIGHT).facet(
        row=alt.Row("element:N", sort=_element_names(c), title=None),
        column=alt.Column("space:N", sort=_space_names(c), title=None),
    )
    description = _say(c, "chart.distribution.description", low=c.scale.low,
                       high=c.scale.high, count=int(data["count"].sum()))
    subtitle = _say(c, "chart.distribution.subtitle", scale=_scale_note(c))
    return _finish(chart, "distribution", c, title or _say(c, "chart.distribution.title"),
                   description, subtitle=subtitle)


def distribution_table(scores: pd.DataFrame, *,
                       content: content_mod.Content | None = None) -> pd.DataFrame:
    """The numbers of :func:`distribution`: per cell, the count at each scale point.

    Parameters
    ----------
    scores, content
        As for :func:`distribution`.

    Returns
    -------
    DataFrame
        Index (condition, space) names in content order; one integer column per scale point
        (``1`` ... ``5``) and ``n``, the number of ratings in the cell.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"element": ["task"] * 3, "space": ["team"] * 3,
    ...                       "score": [4.0, 4.0, 2.0]})
    >>> distribution_table(items).loc[("Task", "Team")].tolist()
    [0, 1, 0, 2, 0, 3]
    """
    c = _c(content)
    table = _counts(scores, c).pivot(index=["element", "space"], columns="rating",
                                     values="count")
    table.columns = pd.Index([str(p) for p in table.columns])
    table[_say(c, "chart.total")] = table.sum(axis=1)
    table.index.names = [_say(c, "chart.condition"), _say(c, "chart.space")]
    return _cell_order(table.astype(int), c)


# --- trend ------------------------------------------------------------------------------------


def _trend_data(scores: pd.DataFrame, participant: str | None,
                c: content_mod.Content) -> pd.DataFrame:
    _need(scores, ["element", "space", "score", "round"], "trend")
    if participant is not None:
        _need(scores, ["participant"], "trend for one participant")
        scores = scores.loc[scores["participant"] == participant]
    names = _id_names(c)
    frame = pd.DataFrame({
        "element": scores["element"].astype(str).map(names["element"]),
        "space": scores["space"].astype(str).map(names["space"]),
        "round": pd.to_numeric(scores["round"], errors="coerce"),
        "score": pd.to_numeric(scores["score"], errors="coerce"),
    }).dropna(subset=["element", "space", "round"])
    frame["round"] = frame["round"].astype(np.int64)
    return frame.groupby(["round", "element", "space"], sort=True)["score"].mean().reset_index()


def trend(scores: pd.DataFrame, *, participant: str | None = None, title: str | None = None,
          content: content_mod.Content | None = None) -> alt.FacetChart:
    """Cell scores across rounds of rating: one line per element, one panel per space.

    Parameters
    ----------
    scores
        Round scores (:func:`trace_widgets.scoring.round_scores`): element, space, score,
        round, and participant if ``participant`` is given. Several rows for one round and
        cell (a group) are averaged.
    participant
        Keep only this participant's rows.
    title
        The chart title (default from the content's wording).
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    alt.FacetChart
        One panel per space; x is the round (1, 2, ...), y the score on the fixed scale;
        each element has its own colour and marker shape, so lines read in greyscale too.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"element": ["task"] * 2, "space": ["self"] * 2, "score": [2.5, 4.0],
    ...                   "round": [1, 2]})
    >>> trend(s).to_dict()["spec"]["layer"][0]["mark"]["type"]
    'line'
    """
    c = _c(content)
    data = _trend_data(scores, participant, c)
    data["aria"] = _spoken(data, [_say(c, "chart.trend.point", round=r, score=_label(x, c))
                                  for r, x in zip(data["round"], data["score"], strict=True)])
    elements = _element_names(c)
    legend = alt.Legend(title=_say(c, "chart.condition"))
    colour = _condition_colour(legend=legend)
    shape = alt.Shape("element:N", scale=alt.Scale(domain=elements), legend=legend)
    rounds = sorted(int(r) for r in data["round"].unique())
    base = alt.Chart().encode(
        x=alt.X("round:O", scale=alt.Scale(domain=rounds), title=_say(c, "chart.round")),
        y=alt.Y("score:Q", scale=_score_scale(c), axis=_score_axis(c),
                title=_say(c, "chart.score")),
        color=colour,
    )
    lines = base.mark_line(style="trace-line", aria=False).transform_filter(
        "isValid(datum.score)")
    points = base.mark_point(style="trace-point").encode(
        shape=shape,
        tooltip=[alt.Tooltip("element:N", title=_say(c, "chart.condition")),
                 alt.Tooltip("round:O", title=_say(c, "chart.round")),
                 alt.Tooltip("score:Q", title=_say(c, "chart.score"), format=".1f")],
        description=alt.Description("aria:N"),
    ).transform_filter("isValid(datum.score)")
    chart = alt.layer(lines, points, data=data).properties(
        width=_theme.PANEL_WIDTH, height=220,
    ).facet(column=alt.Column("space:N", sort=_space_names(c), title=None))
    description = _say(c, "chart.trend.description", low=c.scale.low, high=c.scale.high,
                       rounds=len(rounds))
    # The participant id is a resume key: it never goes into a spec a page could show.
    return _finish(chart, "trend", c, title or _say(c, "chart.trend.title"), description)


def trend_table(scores: pd.DataFrame, *, participant: str | None = None,
                content: content_mod.Content | None = None) -> pd.DataFrame:
    """The numbers of :func:`trend`: per cell, the score in each round.

    Parameters
    ----------
    scores, participant, content
        As for :func:`trend`.

    Returns
    -------
    DataFrame
        Index (condition, space) names in content order; one column per round, named
        ``Round 1``, ``Round 2``, ... (from the content). Scores rounded to one decimal.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"element": ["task"] * 2, "space": ["self"] * 2, "score": [2.5, 4.0],
    ...                   "round": [1, 2]})
    >>> trend_table(s).loc[("Task", "Self")].tolist()
    [2.5, 4.0]
    """
    c = _c(content)
    data = _trend_data(scores, participant, c)
    table = data.pivot(index=["element", "space"], columns="round", values="score")
    table.columns = pd.Index([_say(c, "chart.round.name", round=r) for r in table.columns],
                             name=_say(c, "chart.round"))
    table.index.names = [_say(c, "chart.condition"), _say(c, "chart.space")]
    return _cell_order(table.astype(float).round(1), c)


def trend_summary(scores: pd.DataFrame, *, participant: str | None = None,
                  content: content_mod.Content | None = None) -> str:
    """A text summary of :func:`trend`: how each condition moved from the first round to the
    last (its mean over the spaces scored in both), for a screen reader and for the page.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"element": ["task"] * 2, "space": ["self"] * 2, "score": [2.5, 4.0],
    ...                   "round": [1, 2]})
    >>> trend_summary(s)
    'From round 1 to round 2: Task up 1.5.'
    """
    c = _c(content)
    data = _trend_data(scores, participant, c).dropna(subset=["score"])
    rounds = sorted(data["round"].unique())
    if len(rounds) < 2:
        return _say(c, "chart.trend.one_round")
    first, last = rounds[0], rounds[-1]
    wide = data.pivot_table(index=["element", "space"], columns="round", values="score")
    both = wide[[first, last]].dropna()
    parts = []
    for name in _element_names(c):
        here = both.loc[both.index.get_level_values(0) == name]
        if here.empty:
            continue
        change = float((here[last] - here[first]).mean())
        key = ("chart.trend.up" if change >= 0.05 else "chart.trend.down" if change <= -0.05
               else "chart.trend.same")
        parts.append(_say(c, key, name=name, change=f"{abs(change):.1f}"))
    if not parts:
        return _say(c, "chart.trend.one_round")
    return _say(c, "chart.trend.summary", first=first, last=last, changes=", ".join(parts))


# --- text and rendering -----------------------------------------------------------------------


def table_text(table: pd.DataFrame, *, content: content_mod.Content | None = None) -> str:
    """A ``*_table`` as plain text: one decimal, "no score" for missing values.

    Parameters
    ----------
    table
        Any table from this module.
    content
        The content, for the "no score" wording (default :func:`trace_widgets.content.get`).

    Returns
    -------
    str
        Aligned plain text, for a caption, a screen reader or a text report.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [4.0]})
    >>> "no score" in table_text(heatmap_table(cells))
    True
    """
    c = _c(content)
    return table.to_string(na_rep=_say(c, "chart.no_score"), float_format="{:.1f}".format)


def to_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the workbook theme, as it is drawn.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [4.0]})
    >>> to_spec(heatmap(cells))["config"]["font"] == _theme.FONT
    True
    """
    # Skipping Altair's schema check halves the time of a redraw; the chart functions' specs
    # are checked by the tests (which call to_dict() with validation).
    with alt.theme.enable(_theme.THEME):
        return chart.to_dict(validate=False)
