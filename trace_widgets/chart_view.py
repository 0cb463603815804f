"""A chart on screen: rendered offline to SVG, with its numbers as a table beside it."""

from __future__ import annotations

from html import escape

import altair as alt
import ipywidgets as widgets
import pandas as pd

from . import charts, settings
from . import content as content_mod


def chart_html(chart: alt.TopLevelMixin, table: pd.DataFrame) -> str:
    """The chart as SVG, its description as a caption, and the same numbers as a table (the
    text alternative). Everything here is generated from content and numbers; the table
    is escaped by pandas."""
    c = content_mod.get()
    described = getattr(chart, "description", "")
    description = described if isinstance(described, str) else ""
    svg = charts.to_svg(chart)
    no_score = c.text("chart.no_score")
    table_html = table.to_html(na_rep=no_score, float_format="{:.1f}".format, escape=True,
                               border=0, classes="trace-table",
                               index_names=False)
    return (
        # Focusable: on a phone the table may scroll sideways, and a keyboard must reach it.
        f'<figure class="trace-chart" tabindex="0">'
        # The SVG carries its own title, description and a label per mark for screen readers.
        f'<div class="trace-chart-image">{svg}</div>'
        f"<figcaption>{escape(description)}</figcaption>"
        f"{table_html}</figure>"
    )


class ChartPanel:
    """A widget that shows a chart and its table, redrawn in place by :meth:`show`."""

    def __init__(self) -> None:
        self.view = widgets.HTML()
        self.view.add_class("trace-chart-panel")

    def show(self, chart: alt.TopLevelMixin, table: pd.DataFrame) -> None:
        html = chart_html(chart, table)
        if html != self.view.value:  # skip a redraw (and its message) when nothing changed
            self.view.value = html


def warm_up() -> None:
    """Make the first chart a learner sees as quick as the next. Without a shared renderer,
    draw one small chart here (starting the JavaScript engine takes about half a second);
    with one (it warms itself as it starts), only build one, which a kernel copied from the
    fork server has done already. The app calls it before anyone asks for the page."""
    chart = first_chart()
    if settings.get().chart_server:
        charts.to_spec(chart)
    else:
        charts.to_svg(chart)


def first_chart() -> alt.TopLevelMixin:
    """A small chart whose building warms Altair's code paths (the first costs ~60 ms)."""
    return charts.heatmap(pd.DataFrame({"element": [], "space": [], "score": []}))
