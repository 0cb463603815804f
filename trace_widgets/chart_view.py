"""A chart on screen: drawn offline to SVG, with its numbers as a table beside it."""

from __future__ import annotations

import re
from collections import OrderedDict
from html import escape

import altair as alt
import ipywidgets as widgets
import pandas as pd

from . import chart_draw, charts, settings
from . import content as content_mod

PROFILES_KEPT = 64
"""Drawn profiles a kernel keeps (about 10 KB each): a learner going back to an earlier
answer gets the chart it saw then without drawing it again."""
__all__ = [
    "PROFILES_KEPT",
    "ChartPanel",
    "chart_html",
    "figure_html",
    "first_chart",
    "profile_html",
    "warm_up",
]



_SVG_WIDTH = re.compile(r'<svg\b[^>]*?\swidth="([0-9.]+)"')
_PHONE_WIDTH = 400
"""Charts wider than this (in px, as drawn) scroll on a phone instead of shrinking."""


def figure_html(svg: str, description: str, table: pd.DataFrame) -> str:
    """A drawn chart, its description as a caption, and the same numbers as a table (the
    text alternative). Everything here is generated from content and numbers; the table
    is escaped by pandas."""
    no_score = content_mod.get().text("chart.no_score")
    table_html = table.to_html(na_rep=no_score, float_format="{:.1f}".format, escape=True,
                               border=0, classes="trace-table",
                               index_names=False)
    # A chart wider than a phone (the grid, the trend) scrolls there rather than shrinking.
    found = _SVG_WIDTH.search(svg)
    wide = " trace-chart-wide" if found and float(found.group(1)) > _PHONE_WIDTH else ""
    return (
        # Focusable: on a phone the table may scroll sideways, and a keyboard must reach it.
        f'<figure class="trace-chart{wide}" tabindex="0">'
        # The SVG carries its own title, description and a label per mark for screen readers.
        f'<div class="trace-chart-image">{svg}</div>'
        f"<figcaption>{escape(description)}</figcaption>"
        f"{table_html}</figure>"
    )


def chart_html(chart: alt.TopLevelMixin, table: pd.DataFrame) -> str:
    """``chart`` drawn by the renderer, as :func:`figure_html`."""
    described = getattr(chart, "description", "")
    description = described if isinstance(described, str) else ""
    return figure_html(chart_draw.to_svg(chart), description, table)


_profiles: OrderedDict[tuple[object, ...], str] = OrderedDict()
"""Drawn profiles by (content, space, figures), the least recently shown first."""


def profile_html(scores: pd.DataFrame, *, space: str) -> str:
    """One space's profile (:func:`trace_widgets.charts.profile`) and its table, drawn
    without the renderer (:func:`trace_widgets.chart_draw.profile_svg`), as
    :func:`figure_html`. The same figures give the same HTML from a small cache, without
    drawing anything."""
    c = content_mod.get()
    here = scores.loc[scores["space"].astype(str) == space]
    # NaN is never equal to itself: "no score" is None in the key.
    key = (id(c), space, *((e, None if pd.isna(x) else float(x)) for e, x in zip(
        here["element"].astype(str), here["score"], strict=True)))
    html = _profiles.get(key)
    if html is None:
        parts = charts.profile_parts(here, space=space, content=c)
        html = figure_html(chart_draw.profile_svg(here, space=space, content=c, parts=parts),
                           parts.description, parts.table)
        _profiles[key] = html
        while len(_profiles) > PROFILES_KEPT:
            _profiles.popitem(last=False)
    else:
        _profiles.move_to_end(key)
    return html


class ChartPanel:
    """A widget that shows a chart and its table, redrawn in place by :meth:`show`."""

    def __init__(self) -> None:
        self.view = widgets.HTML()
        self.view.add_class("trace-chart-panel")

    def show(self, chart: alt.TopLevelMixin, table: pd.DataFrame) -> None:
        self.show_html(chart_html(chart, table))

    def show_html(self, html: str) -> None:
        """Show ``html`` (from :func:`figure_html`); nothing is sent when it is unchanged."""
        if html != self.view.value:
            self.view.value = html


def warm_up() -> None:
    """Make the first chart a learner sees as quick as the next. Without a shared renderer,
    draw one small chart here (starting the JavaScript engine takes about half a second);
    with one (it warms itself as it starts), only build one, which a kernel copied from the
    fork server has done already, and have it draw the profiles' frames. The app calls it
    before anyone asks for the page."""
    chart = first_chart()
    if settings.get().chart_server:
        charts.to_spec(chart)
        chart_draw.prepare_profiles()  # a kernel forked from the fork server has them
    else:
        chart_draw.to_svg(chart)


def first_chart() -> alt.TopLevelMixin:
    """A small chart whose building warms Altair's code paths (the first costs ~60 ms)."""
    return charts.heatmap(pd.DataFrame({"element": [], "space": [], "score": []}))
