"""The workbook's one Altair theme: projector-sized type, scales that survive greyscale and CVD."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from . import content

if TYPE_CHECKING:
    import altair as alt

THEME = "trace"

# Liberation Sans has Arial's metrics, so text measured here fits where Arial renders it.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#1a1a1a"
MUTED = "#4d4d4d"
BAR = "#2b6ca3"  # a mid blue: dark enough for white text, light enough to print

# Scores 1-5: one hue whose lightness rises with the score, so order survives greyscale and
# every colour-vision type. The extent drops the near-white end: a low score must still look
# filled next to a missing cell.
SCORE_RANGE = {"scheme": "blues", "extent": [0.12, 0.95]}
# Gaps: blue-orange is safe for red-green colour blindness; the sign is also printed.
GAP_RANGE = {"scheme": "blueorange"}
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]


def accent(element: str) -> str:
    """The accent colour of condition ``element`` (an id), from content (``model.yaml``).

    The one way to a condition's colour, for the whole workbook: cards, headings, the
    rating control, reflections, priorities and (through :func:`accents` and the theme)
    every chart that tells conditions apart. Each is at least 4.5:1 on white (AA for text),
    so it serves as a heading's colour as well as a bar's; names or shapes always go with it.

    Examples
    --------
    >>> accent("task")
    '#0067b1'
    """
    return content.element(element).colour


def accents() -> dict[str, str]:
    """Each condition's :func:`accent` by element id, in content order.

    Examples
    --------
    >>> list(accents())[:2]
    ['task', 'route']
    """
    return {e.id: accent(e.id) for e in content.get().elements}


def accent_scale() -> alt.Scale:
    """The colour scale of every chart that tells conditions apart, by their *names* (as
    charts label them): all the conditions, in content order, onto the theme's category
    range, which is :func:`accents` in the same order. The domain is always the whole list,
    so a chart that shows only some conditions still draws each in its own accent; the spec
    names no colour (the theme holds them).

    Examples
    --------
    >>> accent_scale().to_dict()
    {'domain': ['Task', 'Route', 'Alignment', 'Capability', 'Energy'], 'range': 'category'}
    """
    import altair as alt  # noqa: PLC0415 - the views take accent() without loading Altair

    return alt.Scale(domain=[e.name for e in content.get().elements], range="category")


def accent_style(element: str) -> str:
    """An HTML ``style`` attribute giving a card or heading its condition's accent (the
    stylesheet's ``--trace-el``): only a checked ``#rrggbb`` from content, never user text.

    Examples
    --------
    >>> accent_style("energy")
    'style="--trace-el: #cc4400"'
    """
    return f'style="--trace-el: {accent(element)}"'


def _by_condition_name(name: str) -> str:
    """A Vega expression: the accent of the condition whose name is the expression ``name``
    (an axis label's value, a header's facet value), else the ink colour."""
    pairs = ", ".join(f"{json.dumps(content.element(e).name)}: {json.dumps(colour)}"
                      for e, colour in accents().items())
    return f"{{{pairs}}}[{name}] || {json.dumps(INK)}"


DARK_FROM = 4.0
"""Scores at or above this are dark enough on SCORE_RANGE that their label is white.

Both label colours keep at least 4:1 contrast around this point (bold 18 px text)."""

# Named mark styles: chart functions say what a mark is, the theme says how it looks.
# Colours are set with "color", not "fill": Vega-Lite writes the fill from the color default,
# so a style's "fill" never wins.
STYLE = {
    "trace-cell": {"stroke": "#ffffff", "strokeWidth": 2},
    "trace-missing": {"color": "#ffffff", "stroke": MUTED, "strokeDash": [6, 4],
                      "strokeWidth": 1.5},
    "trace-label-light": {"color": INK, "fontWeight": "bold", "fontSize": 18},
    "trace-label-dark": {"color": "#ffffff", "fontWeight": "bold", "fontSize": 18},
    "trace-label-missing": {"color": MUTED, "fontStyle": "italic", "fontSize": 16},
    "trace-bar": {"color": BAR},
    "trace-value": {"color": INK, "fontSize": 16},
    "trace-beside-bar": {"align": "left", "dx": 6},
    "trace-beside-point": {"align": "left", "dx": 14},
    "trace-gap": {"strokeWidth": 5},
    "trace-point": {"color": INK, "size": 170, "filled": True, "opacity": 1,
                    "stroke": "#ffffff", "strokeWidth": 1.5},
    "trace-line": {"strokeWidth": 2.5},
}

# Sizes in pixels, chosen for a projector at the back of a room.
CELL_WIDTH = 150
CELL_HEIGHT = 64
PANEL_WIDTH = 260
BAR_STEP = 40
SMALL_WIDTH = 140
SMALL_HEIGHT = 70


def config() -> dict[str, Any]:
    """The theme as a Vega-Lite top-level spec fragment."""
    text = {"font": FONT, "color": INK}
    return {
        "config": {
            "font": FONT,
            "background": "#ffffff",
            "padding": 12,
            "view": {"continuousWidth": PANEL_WIDTH, "continuousHeight": 220, "stroke": None},
            "title": {"fontSize": 24, "subtitleFontSize": 18, "color": INK, "anchor": "start",
                      "offset": 14, "subtitleColor": MUTED},
            "axis": {"labelFontSize": 16, "titleFontSize": 17, "labelColor": INK,
                     "titleColor": INK, "labelLimit": 240, "titleFontWeight": "normal",
                     "gridColor": "#d9d9d9", "domainColor": MUTED, "tickColor": MUTED},
            "axisX": {"labelAngle": 0},
            # A condition's name in its accent, on every chart: the colour it has on its
            # cards and headings, and on the marks that stand for it.
            "axisY": {"labelColor": {"expr": _by_condition_name("datum.value")}},
            "axisTemporal": {"format": "%d %b %Y"},
            "header": {"labelFontSize": 18, "titleFontSize": 18, "labelColor": INK,
                       "titleColor": INK, "labelFontWeight": "bold"},
            # Row labels read across, like the y axis of the heatmap.
            "headerRow": {"labelAngle": 0, "labelAlign": "left", "labelPadding": 12,
                          # Rows are conditions: the charts facet rows by "element".
                          "labelColor": {"expr": _by_condition_name("parent.element")}},
            "legend": {"labelFontSize": 16, "titleFontSize": 16,
                       "labelColor": {"expr": _by_condition_name("datum.value")},
                       "titleColor": INK, "orient": "bottom", "titleLimit": 600,
                       "gradientLength": 260, "symbolSize": 160},
            "facet": {"spacing": 24},
            "concat": {"spacing": 24},
            "text": {**text, "fontSize": 16},
            "mark": {"color": BAR},
            "range": {"heatmap": SCORE_RANGE, "ramp": SCORE_RANGE, "diverging": GAP_RANGE,
                      # Nominal colours are the conditions' (charts give the domain).
                      "category": list(accents().values()), "symbol": SHAPES},
            "style": STYLE,
        }
    }


def _plugin() -> alt.theme.ThemeConfig:
    return cast("alt.theme.ThemeConfig", config())


def use() -> None:
    """Register the theme (once per process) and make it the active one."""
    import altair as alt  # noqa: PLC0415 - see accent_scale

    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_plugin)
    alt.theme.enable(THEME)
