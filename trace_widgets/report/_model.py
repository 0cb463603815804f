"""A report as plain data: sections of paragraphs, lists, learner text, figures and tables.

The learner and group reports build one of these; the HTML and PDF writers draw it. Every
string here is text, never markup: each writer escapes it in its own way, so a learner's
``<img src=x onerror=...>`` is printed, not run, in both formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

import altair as alt
import pandas as pd

from .. import chart_draw
from .. import content as content_mod


@dataclass(frozen=True)
class Para:
    """A paragraph of project text; ``muted`` is a side note, ``strong`` a lead-in."""

    text: str
    muted: bool = False
    strong: bool = False


@dataclass(frozen=True)
class Items:
    """A bulleted list of short texts."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Said:
    """Someone's own words (a reflection, a shared comment, a plan field), with what they
    answer (a prompt or a field label). Shown literally: line breaks kept, nothing parsed."""

    label: str
    text: str


@dataclass(frozen=True)
class Fields:
    """Labelled answers (an action's fields): each pair is a label and someone's words,
    shown literally."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells: column headers, then rows whose first cell names the row."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    """A chart as SVG with its accessible name, description and the same numbers as a table.

    ``width`` is the chart's own width in CSS pixels (the writers scale it down to fit).
    """

    title: str
    description: str
    svg: str
    width: float
    table: Table


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (one level below the section's own)."""

    text: str


Block = Union[Para, Items, Said, Fields, Table, Figure, Heading]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class Section:
    """A titled part of the report (``id`` is a stable name for tests and links)."""

    id: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """A whole report: a cover (title and lines under it) and its sections in order."""

    title: str
    lang: str
    cover: tuple[str, ...]
    sections: tuple[Section, ...]
    kind: Literal["learner", "group"] = "learner"
    footer: tuple[str, ...] = field(default_factory=tuple)

    def section(self, section_id: str) -> Section:
        """The section with this id (KeyError when the report has none)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


def table_of(frame: pd.DataFrame, caption: str, *,
             content: content_mod.Content | None = None) -> Table:
    """A chart's ``*_table`` frame as text cells: one decimal, "no score" where missing.

    A two-level row index (condition, space) becomes two leading columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from trace_widgets import charts
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [4.0]})
    >>> t = table_of(charts.heatmap_table(cells), "Scores")
    >>> t.columns[:3], t.rows[0][:3]
    (('Condition', 'Self', 'Team'), ('Task', '4.0', 'no score'))
    """
    c = content if content is not None else content_mod.get()
    missing = c.text("report.no_score")
    names = [str(n) if n is not None else "" for n in frame.index.names]
    columns = (*names, *(str(col) for col in frame.columns))
    rows = []
    for key, values in zip(frame.index, frame.itertuples(index=False), strict=True):
        keys = key if isinstance(key, tuple) else (key,)
        rows.append((*(str(k) for k in keys), *(_cell(v, missing) for v in values)))
    return Table(caption, columns, tuple(rows))


def _cell(value: object, missing: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return missing
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def figure(chart: alt.TopLevelMixin, frame: pd.DataFrame, *,
           content: content_mod.Content | None = None) -> Figure:
    """A chart drawn to SVG (offline) with its table twin, as one report block."""
    c = content if content is not None else content_mod.get()
    # Name and description from the chart itself: building its spec twice would cost as
    # much again as drawing it.
    title = getattr(chart, "title", None)
    text = getattr(title, "text", title)
    name = " ".join(map(str, text)) if isinstance(text, list) else str(text or "")
    described = getattr(chart, "description", None)
    description = described if isinstance(described, str) and described else name
    svg = chart_draw.to_svg(chart)
    return Figure(title=name, description=description, svg=svg, width=svg_width(svg),
                  table=table_of(frame, c.text("report.table_caption", title=name), content=c))


def svg_width(svg: str) -> float:
    """The width an SVG document declares, in CSS pixels (600 when it says none).

    Examples
    --------
    >>> svg_width('<svg xmlns="http://www.w3.org/2000/svg" width="412" height="80"></svg>')
    412.0
    """
    head = svg[:svg.find(">") + 1]
    marker = ' width="'
    at = head.find(marker)
    if at < 0:
        return 600.0
    value = head[at + len(marker):head.find('"', at + len(marker))]
    try:
        return float(value.removesuffix("px"))
    except ValueError:
        return 600.0
