"""Charts are data: assert on ``to_dict()``; render each one to SVG once."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

from trace_widgets import _theme, chart_draw, charts, content, scoring

C = content.get()
ELEMENTS = [e.name for e in C.elements]
SPACES = [s.name for s in C.spaces]
LOW, HIGH = C.scale.low, C.scale.high


# --- inputs built by hand ---------------------------------------------------------------------


@pytest.fixture
def cells() -> pd.DataFrame:
    """One participant's cell scores: every cell but route/organisation, which has NaN."""
    rows = []
    for n, (e, s) in enumerate(C.cells):
        score = np.nan if (e, s) == ("route", "organisation") else 1 + (n % 9) / 2
        rows.append({"participant": "p1", "rater": "self", "element": e, "space": s,
                     "score": score, "answered": 4, "items": 4})
    out = pd.DataFrame(rows)
    # energy/system is absent altogether: it must still be drawn, as missing.
    return out.loc[~((out["element"] == "energy") & (out["space"] == "system"))]


@pytest.fixture
def gaps() -> pd.DataFrame:
    return pd.DataFrame({
        "element": ["task", "route", "energy"], "space": ["team", "team", "self"],
        "n_self": [1, 1, 1], "mean_self": [4.5, 2.0, np.nan],
        "n_others": [6, 6, 0], "mean_others": [3.25, 3.0, np.nan],
    })


@pytest.fixture
def items() -> pd.DataFrame:
    return pd.DataFrame({"element": ["task"] * 4 + ["route"], "space": ["team"] * 5,
                         "score": [4.0, 4.0, 2.0, np.nan, 5.0]})


@pytest.fixture
def sittings() -> pd.DataFrame:
    return pd.DataFrame({
        "participant": ["p1", "p1", "p1", "p2"], "element": ["task", "task", "route", "task"],
        "space": ["self"] * 4, "score": [2.5, 4.0, 3.0, 1.0], "round": [1, 2, 2, 1],
    })


# --- helpers ----------------------------------------------------------------------------------


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The one inline dataset of a spec."""
    (data,) = spec["datasets"].values()
    return list(data)


def inner(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec inside a facet, or the spec itself."""
    return spec.get("spec", spec)


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    body = inner(spec)
    return list(body.get("layer", [body]))


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for n, v in enumerate(node):
            yield from walk(v, f"{path}[{n}]")
    else:
        yield path, node


def all_charts(cells: pd.DataFrame, gaps: pd.DataFrame, items: pd.DataFrame,
               sittings: pd.DataFrame) -> dict[str, alt.TopLevelMixin]:
    return {
        "profile": charts.profile(cells, space="team"),
        "profile_all": charts.profile(cells),
        "profile_elements": charts.profile(scoring.element_scores(cells)),
        "heatmap": charts.heatmap(cells),
        "gap": charts.gap(gaps, self_label="Leader", others_label="Team"),
        "distribution": charts.distribution(items),
        "trend": charts.trend(sittings, participant="p1"),
    }


CHART_NAMES = ["profile", "profile_all", "profile_elements", "heatmap", "gap", "distribution",
               "trend"]


@pytest.fixture(params=CHART_NAMES)
def any_chart(request: pytest.FixtureRequest, cells: pd.DataFrame, gaps: pd.DataFrame,
              items: pd.DataFrame, sittings: pd.DataFrame) -> tuple[str, alt.TopLevelMixin]:
    name = request.param
    return name, all_charts(cells, gaps, items, sittings)[name]


# --- every chart ------------------------------------------------------------------------------


def test_every_chart_has_title_description_and_usermeta(
        any_chart: tuple[str, alt.TopLevelMixin]) -> None:
    name, chart = any_chart
    spec = chart.to_dict()
    assert spec["title"]["text"]
    assert len(spec["description"]) > 40
    assert spec["usermeta"]["trace"]["chart"] == name.split("_")[0]


def test_charts_carry_no_styling_of_their_own(any_chart: tuple[str, alt.TopLevelMixin]) -> None:
    spec = any_chart[1].to_dict()
    spec.pop("config", None)
    spec.pop("datasets", None)
    for path, value in walk(spec):
        assert not (isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{3,8}", value)), path
        assert not re.search(r"\.(font\w*|fill|stroke\w*|color|opacity|align|dx|dy|size|"
                             r"labelAngle)$", path), path


def test_every_param_has_an_explicit_name(any_chart: tuple[str, alt.TopLevelMixin]) -> None:
    for path, value in walk(any_chart[1].to_dict()):
        if re.search(r"params\[\d+\]\.name$", path):
            assert not str(value).startswith("param_"), path


def test_score_scales_are_fixed_to_the_content_scale(
        any_chart: tuple[str, alt.TopLevelMixin]) -> None:
    name, chart = any_chart
    if name == "distribution":
        return
    domains = [v for p, v in walk(chart.to_dict()) if p.endswith("scale.domain[0]")]
    assert LOW in domains


def test_every_chart_renders_to_svg_with_names_and_description(
        any_chart: tuple[str, alt.TopLevelMixin]) -> None:
    chart = any_chart[1]
    svg = chart_draw.to_svg(chart)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "Task" in svg
    assert f"<desc>{chart.to_dict()['description']}</desc>" in svg
    assert _theme.FONT in svg


def test_marks_speak_their_cell_and_value(cells: pd.DataFrame) -> None:
    svg = chart_draw.to_svg(charts.heatmap(cells))
    assert 'aria-label="Route, Organisation: no score"' in svg
    assert 'aria-label="Task, Self: 1.0"' in svg


# --- theme ------------------------------------------------------------------------------------


def test_theme_is_registered_once_and_active() -> None:
    _theme.use()
    _theme.use()
    assert alt.theme.names().count(_theme.THEME) == 1
    assert alt.theme.active == _theme.THEME
    config = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().to_dict()["config"]
    assert config["axis"]["labelFontSize"] >= 16
    assert config["range"]["heatmap"]["scheme"] == "blues"
    assert config["range"]["diverging"]["scheme"] == "blueorange"


def test_to_svg_uses_the_theme_even_when_another_is_active(cells: pd.DataFrame) -> None:
    with alt.theme.enable("dark"):
        svg = chart_draw.to_svg(charts.heatmap(cells))
    assert _theme.FONT in svg
    assert alt.theme.active == _theme.THEME


def test_to_svg_never_fetches_data_from_a_url() -> None:
    chart = alt.Chart(alt.UrlData("https://example.com/answers.csv")).mark_point().encode(
        x="a:Q")
    with pytest.raises(ValueError, match="not allowed"):
        chart_draw.to_svg(chart)


def test_names_and_order_come_from_the_content(cells: pd.DataFrame) -> None:
    renamed = dataclasses.replace(
        C, elements=tuple(e.model_copy(update={"name": e.name.upper()}) for e in C.elements))
    spec = charts.heatmap(cells, content=renamed).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == [n.upper() for n in ELEMENTS]
    assert {row["element"] for row in values(spec)} == {n.upper() for n in ELEMENTS}


# --- heatmap ----------------------------------------------------------------------------------


def test_heatmap_is_the_full_grid_with_missing_cells_marked(cells: pd.DataFrame) -> None:
    spec = charts.heatmap(cells).to_dict()
    rows = values(spec)
    assert len(rows) == len(ELEMENTS) * len(SPACES)
    by_cell = {(r["element"], r["space"]): r for r in rows}
    assert by_cell[("Task", "Self")]["label"] == "1.0"
    for cell in [("Route", "Organisation"), ("Energy", "System")]:
        assert by_cell[cell]["score"] is None
        assert by_cell[cell]["label"] == "no score"
        assert by_cell[cell]["tone"] == "missing"
    filled, blank = spec["layer"][0], spec["layer"][1]
    assert filled["mark"]["type"] == "rect"
    assert filled["encoding"]["color"]["field"] == "score"
    assert filled["encoding"]["color"]["scale"] == {"domain": [LOW, HIGH], "range": "heatmap"}
    assert filled["encoding"]["x"]["sort"] == SPACES
    assert filled["encoding"]["y"]["sort"] == ELEMENTS
    assert blank["mark"]["style"] == "trace-missing"
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert {t["encoding"]["text"]["field"] for t in texts} == {"label"}


def test_heatmap_averages_a_group_and_takes_other_value_columns() -> None:
    group = pd.DataFrame({"element": ["task"] * 2, "space": ["team"] * 2, "score": [2.0, 5.0]})
    rows = {(r["element"], r["space"]): r for r in values(charts.heatmap(group).to_dict())}
    assert rows[("Task", "Team")]["score"] == 3.5
    means = scoring.group_cells(group)
    rows = {(r["element"], r["space"]): r
            for r in values(charts.heatmap(means, value="mean").to_dict())}
    assert rows[("Task", "Team")]["label"] == "3.5"


def test_heatmap_table(cells: pd.DataFrame) -> None:
    table = charts.heatmap_table(cells)
    assert table.shape == (5, 4)
    assert list(table.index) == ELEMENTS
    assert list(table.columns) == SPACES
    assert table.loc["Task", "Self"] == 1.0
    assert np.isnan(table.loc["Route", "Organisation"])
    assert np.isnan(table.loc["Energy", "System"])
    text = charts.table_text(table)
    assert "no score" in text
    assert "Organisation" in text


def test_heatmap_svg_shows_scores_and_no_score(cells: pd.DataFrame) -> None:
    svg = chart_draw.to_svg(charts.heatmap(cells))
    assert ">no score</text>" in svg
    assert ">1.0</text>" in svg
    for name in (*ELEMENTS, *SPACES):
        assert f">{name}</text>" in svg


# --- profile ----------------------------------------------------------------------------------


def test_profile_for_one_space(cells: pd.DataFrame) -> None:
    spec = charts.profile(cells, space="organisation").to_dict()
    rows = values(spec)
    assert [r["element"] for r in rows] == ELEMENTS
    assert {r["space"] for r in rows} == {"Organisation"}
    assert [r["label"] for r in rows if r["element"] == "Route"] == ["no score"]
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["field"] == "score"
    assert bars["encoding"]["x"]["scale"]["domain"] == [LOW, HIGH]
    assert bars["encoding"]["x2"] == {"datum": LOW}  # bars start at the bottom of the scale
    assert "Organisation" in spec["title"]["text"]


def test_profile_of_all_spaces_is_faceted(cells: pd.DataFrame) -> None:
    spec = charts.profile(cells).to_dict()
    assert spec["facet"]["column"]["field"] == "space"
    assert spec["facet"]["column"]["sort"] == SPACES
    assert len(values(spec)) == 20


def test_profile_of_element_scores_is_one_panel(cells: pd.DataFrame) -> None:
    elements = scoring.element_scores(cells)
    spec = charts.profile(elements).to_dict()
    assert "facet" not in spec
    rows = values(spec)
    task = next(r for r in rows if r["element"] == "Task")
    assert task["score"] == pytest.approx(
        cells.loc[cells["element"] == "task", "score"].mean())
    table = charts.profile_table(elements)
    assert list(table.index) == ELEMENTS
    assert list(table.columns) == ["Score"]


def test_profile_table_for_one_space(cells: pd.DataFrame) -> None:
    table = charts.profile_table(cells, space="team")
    assert list(table.columns) == ["Team"]
    expected = cells.set_index(["element", "space"]).loc[("task", "team"), "score"]
    assert table.loc["Task", "Team"] == round(expected, 1)


def test_profile_rejects_an_unknown_space(cells: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="space"):
        charts.profile(cells, space="galaxy")


# --- gap --------------------------------------------------------------------------------------


def test_gap_chart_encodings_and_values(gaps: pd.DataFrame) -> None:
    spec = charts.gap(gaps, self_label="Leader", others_label="Team").to_dict()
    rows = values(spec)
    assert len(rows) == 2 * 20  # self and others for every cell
    task = [r for r in rows if (r["element"], r["space"]) == ("Task", "Team")]
    assert {r["group"]: r["score"] for r in task} == {"Leader": 4.5, "Team": 3.25}
    assert {r["label"] for r in task} == {"+1.2"}
    line, points = layers(spec)[:2]
    assert line["mark"]["type"] == "rule"
    assert line["encoding"]["color"]["scale"]["range"] == "diverging"
    assert line["encoding"]["color"]["scale"]["domainMid"] == 0
    assert points["encoding"]["shape"]["scale"]["domain"] == ["Leader", "Team"]
    assert spec["facet"]["column"]["sort"] == SPACES
    assert spec["title"]["text"] == "Leader compared with Team"


def test_gap_table(gaps: pd.DataFrame) -> None:
    table = charts.gap_table(gaps, self_label="Leader", others_label="Team")
    assert list(table.columns) == ["Leader", "Leader (n)", "Team", "Team (n)", "Gap"]
    assert table.index.names == ["Condition", "Space"]
    assert len(table) == 20
    assert table.loc[("Task", "Team")].tolist() == [4.5, 1, 3.2, 6, 1.2]
    assert table.loc[("Route", "Team"), "Gap"] == -1.0
    assert np.isnan(table.loc[("Energy", "Self"), "Gap"])


def test_gap_can_draw_only_some_spaces(gaps: pd.DataFrame) -> None:
    spec = charts.gap(gaps, spaces=["organisation", "team"]).to_dict()
    assert {r["space"] for r in values(spec)} == {"Team", "Organisation"}
    assert spec["facet"]["column"]["sort"] == ["Team", "Organisation"]  # content order
    table = charts.gap_table(gaps, spaces=["team"])
    assert list(table.index.get_level_values(1).unique()) == ["Team"]
    assert len(table) == 5


def test_gap_from_scoring_gap_renders() -> None:
    cells = pd.DataFrame({"rater": ["leader", "member", "member"], "element": ["task"] * 3,
                          "space": ["team"] * 3, "score": [4.0, 3.0, 2.0]})
    svg = chart_draw.to_svg(charts.gap(scoring.gap(cells, "leader")))
    assert ">+1.5</text>" in svg


# --- distribution -----------------------------------------------------------------------------


def test_distribution_counts_every_point_of_every_cell(items: pd.DataFrame) -> None:
    spec = charts.distribution(items).to_dict()
    rows = values(spec)
    assert len(rows) == 20 * (HIGH - LOW + 1)
    task_team = {r["rating"]: r["count"] for r in rows
                 if (r["element"], r["space"]) == ("Task", "Team")}
    assert task_team == {1: 0, 2: 1, 3: 0, 4: 2, 5: 0}
    body = inner(spec)
    assert body["mark"]["type"] == "bar"
    assert body["encoding"]["x"]["scale"]["domain"] == list(range(LOW, HIGH + 1))
    assert spec["facet"]["row"]["sort"] == ELEMENTS
    assert spec["facet"]["column"]["sort"] == SPACES


def test_distribution_rounds_cell_means_half_up() -> None:
    cells = pd.DataFrame({"element": ["task"] * 3, "space": ["self"] * 3,
                          "score": [2.5, 3.25, 4.75]})
    table = charts.distribution_table(cells)
    assert table.loc[("Task", "Self")].tolist() == [0, 0, 2, 0, 1, 3]


def test_distribution_table(items: pd.DataFrame) -> None:
    table = charts.distribution_table(items)
    assert list(table.columns) == ["1", "2", "3", "4", "5", "n"]
    assert table.loc[("Route", "Team")].tolist() == [0, 0, 0, 0, 1, 1]
    assert table["n"].sum() == 4  # the "not sure" rating is not counted


# --- trend ------------------------------------------------------------------------------------


def test_trend_plots_one_participant_over_time(sittings: pd.DataFrame) -> None:
    spec = charts.trend(sittings, participant="p1").to_dict()
    rows = values(spec)
    assert len(rows) == 3
    assert {r["score"] for r in rows if r["element"] == "Task"} == {2.5, 4.0}
    line = layers(spec)[0]
    assert line["mark"]["type"] == "line"
    assert line["encoding"]["x"]["field"] == "round"
    assert line["encoding"]["x"]["type"] == "ordinal"
    assert line["encoding"]["y"]["scale"]["domain"] == [LOW, HIGH]
    assert line["encoding"]["color"]["scale"]["domain"] == ELEMENTS


def test_trend_spec_never_holds_the_participant_key(sittings: pd.DataFrame) -> None:
    token = "Zq8ZpX3m9k2LrT5vW7yB1c"
    spec = charts.trend(sittings.replace({"participant": {"p1": token}}),
                        participant=token).to_json()
    assert token not in spec


def test_trend_table(sittings: pd.DataFrame) -> None:
    table = charts.trend_table(sittings, participant="p1")
    assert list(table.columns) == ["Round 1", "Round 2"]
    assert table.loc[("Task", "Self")].tolist() == [2.5, 4.0]
    assert np.isnan(table.loc[("Route", "Self"), "Round 1"])


def test_trend_summary_says_how_each_condition_moved(sittings: pd.DataFrame) -> None:
    assert charts.trend_summary(sittings, participant="p1") == \
        "From round 1 to round 2: Task up 1.5."
    assert "one round" in charts.trend_summary(sittings, participant="p2")


def test_trend_from_round_scores() -> None:
    from trace_widgets import demo, scoring  # noqa: PLC0415

    frame = demo.demo_answers(2, seed=3, rounds=2)
    leader = demo.participants(frame)[0]
    svg = chart_draw.to_svg(charts.trend(scoring.round_scores(frame), participant=leader))
    assert "Round" in svg


# --- tables as text ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [charts.profile_table, charts.heatmap_table])
def test_table_text_is_plain_and_complete(cells: pd.DataFrame,
                                          make: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    text = charts.table_text(make(cells))
    assert "<" not in text
    assert all(name in text for name in ELEMENTS)
    assert "nan" not in text.lower()


# --- drawing: apart from the specs ------------------------------------------------------------


def test_charts_only_build_specs_and_never_draw() -> None:
    """Specs and renderers apart, as Altair keeps them: charts imports no JavaScript engine,
    no renderer socket and no settings; drawing is chart_draw's."""
    source = Path(charts.__file__).read_text()
    for name in ("vl_convert", "_chart_server", "settings"):
        assert not re.search(rf"^\s*(import|from)\s.*\b{name}\b", source, re.M), name
    assert not hasattr(charts, "to_svg")
    assert "to_spec" in charts.__all__
    assert "profile_parts" in charts.__all__


def test_a_chart_shown_as_a_notebook_output_is_drawn_offline(cells: pd.DataFrame) -> None:
    bundle = alt.renderers.get()(charts.to_spec(charts.heatmap(cells)))
    assert isinstance(bundle, dict)
    assert bundle["image/svg+xml"].startswith("<svg")


def _one_width(svg: str) -> str:
    """The SVG with its overall width (the root's and the background's) taken out."""
    svg = re.sub(r'^(<svg[^>]*?) width="[\d.]+"([^>]*?viewBox="0 0 )[\d.]+ ', r"\1\2W ", svg)
    return re.sub(r'(<rect width=")[\d.]+"', r'\1W"', svg, count=1)


SCORES = sorted({LOW + k / d for d in (1, 2, 3, 4) for k in range((HIGH - LOW) * d + 1)})
"""Every mean of one to four statements on the scale (thirds included)."""


def profile_cases() -> Iterator[tuple[str, list[float]]]:
    rng = np.random.default_rng(12)
    n = len(C.elements)
    yield "team", [np.nan] * n
    yield "self", [float(HIGH)] * n
    yield "system", [float(LOW)] * n
    for i in range(24):
        space = C.spaces[i % len(C.spaces)].id
        picks = rng.choice([*SCORES, np.nan], size=n)
        yield space, [float(x) for x in picks]


@pytest.mark.parametrize(("space", "scores"), list(profile_cases()))
def test_profile_drawn_without_the_renderer_is_vegas_svg(space: str, scores: list[float]) -> None:
    """Byte for byte what Vega draws (all but the overall width, which is always the widest
    so the chart does not jump while a learner rates)."""
    frame = pd.DataFrame({"element": [e.id for e in C.elements], "space": space,
                          "score": scores})
    fast = chart_draw.profile_svg(frame, space=space)
    vega = chart_draw.to_svg(charts.profile(frame, space=space))
    assert _one_width(fast) == _one_width(vega)
    width = re.compile(r'^<svg[^>]*? width="([\d.]+)"')
    assert float(width.findall(fast)[0]) >= float(width.findall(vega)[0])


def test_profile_parts_are_the_profiles_rows_words_and_table(cells: pd.DataFrame) -> None:
    parts = charts.profile_parts(cells, space="team")
    spec = charts.profile(cells, space="team").to_dict()
    assert parts.title == spec["title"]["text"]
    assert parts.description == spec["description"]
    for column in ("element", "label", "tone", "label_x", "aria"):
        assert parts.data[column].tolist() == [v[column] for v in values(spec)], column
    pd.testing.assert_frame_equal(parts.table, charts.profile_table(cells, space="team"))


@pytest.mark.parametrize("seed", range(40))
def test_one_space_profile_without_groupby_is_the_grouped_one(
        monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """The plain-Python rows and table of a learner's profile (one row per element) equal
    the grouped and pivoted ones, on any set of scores, missing and NaN ones included."""
    rng = np.random.default_rng(seed)
    space = C.spaces[seed % len(C.spaces)].id
    ids = [e.id for e in C.elements]
    chosen = list(rng.choice(ids, size=int(rng.integers(0, len(ids) + 1)), replace=False))
    choices = [np.nan, 1.0, 1.25, 2.5, 3.75, 4.0, 5.0, 10 / 3]
    given = pd.DataFrame({"element": chosen, "space": space,
                          "score": [choices[int(i)] for i in
                                    rng.integers(0, len(choices), len(chosen))]})
    quick = charts.profile_parts(given, space=space)
    monkeypatch.setattr(charts, "_one_space_data", lambda *_: None)
    monkeypatch.setattr(charts, "_one_space_table", lambda *_: None)
    grouped = charts.profile_parts(given, space=space)
    pd.testing.assert_frame_equal(quick.data, grouped.data)
    pd.testing.assert_frame_equal(quick.table, grouped.table)
    assert (quick.title, quick.description) == (grouped.title, grouped.description)


def test_several_rows_for_one_bar_are_averaged_grouped(cells: pd.DataFrame) -> None:
    two = pd.concat([cells, cells.assign(score=cells["score"] + 1)])
    parts = charts.profile_parts(two, space="team")
    first = cells.loc[(cells["space"] == "team")].set_index("element")["score"]
    task = C.element("task").name
    assert parts.data.set_index("element").loc[task, "score"] == first["task"] + 0.5


def test_a_profile_redraw_never_asks_the_renderer(monkeypatch: pytest.MonkeyPatch,
                                                  cells: pd.DataFrame) -> None:
    chart_draw.profile_svg(cells, space="organisation")  # its frame, drawn once

    def refuse(_spec: object) -> str:
        raise AssertionError("drawn by the renderer")

    monkeypatch.setattr(chart_draw, "_draw", refuse)
    changed = cells.assign(score=cells["score"].fillna(2.0) % 5 + 1)
    svg = chart_draw.profile_svg(changed, space="organisation")
    assert 'aria-label="Route, Organisation: ' in svg
    assert "no score" not in svg.split("<desc>")[1].split("</desc>")[0].split(".")[-1]


def test_a_profile_the_module_cannot_read_is_drawn_by_the_renderer(
        monkeypatch: pytest.MonkeyPatch, cells: pd.DataFrame) -> None:
    monkeypatch.setattr(chart_draw, "_frames", {})

    def unknown(_svg: str) -> object:
        raise ValueError("not a profile as this module knows it")

    monkeypatch.setattr(chart_draw, "_split", unknown)
    svg = chart_draw.profile_svg(cells, space="team")
    assert svg == chart_draw.to_svg(charts.profile(cells, space="team"))


def test_profile_html_draws_each_set_of_figures_once(monkeypatch: pytest.MonkeyPatch,
                                                     cells: pd.DataFrame) -> None:
    from trace_widgets import chart_view  # noqa: PLC0415

    monkeypatch.setattr(chart_view, "_profiles", chart_view.OrderedDict())
    drawn: list[str] = []
    real = chart_draw.profile_svg

    def counted(*args: Any, **kwargs: Any) -> str:
        drawn.append(kwargs["space"])
        return real(*args, **kwargs)

    monkeypatch.setattr(chart_draw, "profile_svg", counted)
    first = chart_view.profile_html(cells, space="team")
    again = chart_view.profile_html(cells.copy(), space="team")  # same figures, NaN included
    other = chart_view.profile_html(cells.assign(score=cells["score"] * 0 + 3), space="team")
    assert first == again != other
    assert drawn == ["team", "team"]
    assert "<table" in first
    assert "trace-table" in first
    assert f"<figcaption>{charts.profile_parts(cells, space='team').description}" in first


# --- one accent per condition -----------------------------------------------------------------


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        def linear(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _condition_colours(svg: str, marks: str = "bar|point") -> dict[str, set[str]]:
    """Per condition name: every colour it is drawn in, as a label (text that is its name)
    or as a mark that stands for it (a bar or trend point whose label starts with it)."""
    found: dict[str, set[str]] = {name: set() for name in ELEMENTS}
    for fill, text in re.findall(r'<text [^>]*fill="(#[0-9a-fA-F]{6})"[^>]*>([^<]*)</text>', svg):
        if text in found:
            found[text].add(fill.lower())
    for tag in re.findall(rf'<path [^>]*aria-roledescription="(?:{marks})"[^>]*>', svg):
        label = re.search(r'aria-label="([^",:]*)', tag)
        fill = re.search(r' fill="(#[0-9a-fA-F]{6})"', tag)
        if label and fill and label.group(1) in found:
            found[label.group(1)].add(fill.group(1).lower())
    return found


def test_each_condition_has_one_accent_on_every_chart(
        cells: pd.DataFrame, gaps: pd.DataFrame, items: pd.DataFrame,
        sittings: pd.DataFrame) -> None:
    accents = {C.element(e).name: colour.lower() for e, colour in _theme.accents().items()}
    assert len(set(accents.values())) == len(ELEMENTS)  # one each, none shared
    background = _theme.config()["config"]["background"]
    for name, colour in accents.items():
        assert _contrast(colour, background) >= 4.5, name  # AA, as text on the background
    drawn = all_charts(cells, gaps, items, sittings)
    drawn["profile_fast"] = None  # the profile drawn without the renderer, too
    for chart_name, chart in drawn.items():
        svg = (chart_draw.profile_svg(cells, space="team") if chart is None
               else chart_draw.to_svg(chart))
        # The gap's points stand for a group (self, others), told apart by their shape.
        colours = _condition_colours(svg, "bar" if chart_name == "gap" else "bar|point")
        for name, used in colours.items():
            assert used, f"{name} is not drawn in its accent on {chart_name}"
            assert used == {accents[name]}, f"{name} on {chart_name}: {used}"


def test_conditions_take_their_colour_through_one_scale(
        any_chart: tuple[str, alt.TopLevelMixin]) -> None:
    """Every colour by condition is the theme's accent scale: all the conditions, in content
    order, onto the theme's category range (accents() in the same order). A chart with a
    domain of its own could give a condition another's colour."""
    by_condition = [c for c in _colour_encodings(any_chart[1].to_dict())
                    if c.get("field") == "element"]
    if not by_condition:
        pytest.skip("this chart colours nothing by condition")
    assert all(c.get("scale") == _theme.accent_scale().to_dict() for c in by_condition)
    assert _theme.config()["config"]["range"]["category"] == list(_theme.accents().values())
    assert list(_theme.accents()) == [e.id for e in C.elements]


def _colour_encodings(node: Any) -> Iterator[dict[str, Any]]:
    """Every ``color`` encoding in a spec."""
    if isinstance(node, dict):
        if isinstance(node.get("color"), dict):
            yield node["color"]
        for v in node.values():
            yield from _colour_encodings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _colour_encodings(v)
