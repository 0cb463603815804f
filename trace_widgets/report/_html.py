"""A report as one self-contained HTML page: inline SVG and styles, print styles for A4.

Nothing is loaded from anywhere (no script, no stylesheet, no image, no font file); every
text is escaped, learner text included, so it can only ever be text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from ._model import Block, Document, Fields, Figure, Heading, Items, Para, Said, Section, Table

_STYLE = """
:root { color: #1a1a1a; background: #ffffff; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 16px;
  line-height: 1.5; margin: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 2rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.5rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid #2b6ca3; }
h3 { font-size: 1.15rem; margin: 1.25rem 0 0.25rem; }
.cover p { margin: 0.2rem 0; }
.cover { border-bottom: 4px solid #2b6ca3; padding-bottom: 1rem; }
.muted { color: #4d4d4d; }
.lead { margin: 1rem 0 0.25rem; }
figure { margin: 1rem 0; }
figure .chart-title { font-weight: 700; margin: 0 0 0.25rem; }
.chart-image svg { max-width: 100%; height: auto; }
figcaption { color: #4d4d4d; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
caption { text-align: left; color: #4d4d4d; font-size: 0.9rem; padding-bottom: 0.25rem; }
th, td { border: 1px solid #8a8a8a; padding: 0.2rem 0.5rem; text-align: left; }
thead th { background: #e8eef5; }
.said { margin: 0.5rem 0 0.75rem; }
.said-label { font-weight: 700; margin: 0; }
.said-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.25rem 0 0;
  padding: 0.25rem 0 0.25rem 0.75rem; border-left: 3px solid #8a8a8a; }
.fields { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem;
  margin: 0.25rem 0 1rem; }
.fields dt { font-weight: 700; }
.fields dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: #1d4e89; }
@page { size: A4; margin: 16mm; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2, h3, .chart-title { break-after: avoid; }
  figure, .said, .fields, tr { break-inside: avoid; }
  .chart-image svg { max-height: 240mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_ID = re.compile(r'\bid="([^"]+)"')


def to_html(doc: Document) -> bytes:
    """The report as a UTF-8 HTML document.

    Examples
    --------
    >>> from trace_widgets.report._model import Document, Section, Said
    >>> doc = Document("R", "en", (), (Section("s", "S", (Said("Q", "<b>x</b>"),)),))
    >>> b"&lt;b&gt;x&lt;/b&gt;" in to_html(doc)
    True
    """
    cover = "".join(f"<p>{escape(line)}</p>" for line in doc.cover)
    sections = "".join(_section(s, n) for n, s in enumerate(doc.sections))
    page = (
        f'<!DOCTYPE html>\n<html lang="{escape(doc.lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(doc.title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><header class="cover"><h1>{escape(doc.title)}</h1>{cover}</header>'
        f"{sections}</main></body></html>\n"
    )
    return page.encode("utf-8")


def _section(section: Section, n: int) -> str:
    anchor = f"section-{escape(section.id)}"
    blocks = "".join(_block(b, f"{n}-{i}") for i, b in enumerate(section.blocks))
    return (f'<section id="{anchor}" aria-labelledby="{anchor}-h">'
            f'<h2 id="{anchor}-h">{escape(section.heading)}</h2>{blocks}</section>')


def _para(block: Para) -> str:
    if block.strong:
        return f'<p class="lead"><strong>{escape(block.text)}</strong></p>'
    return f'<p class="muted">{escape(block.text)}</p>' if block.muted \
        else f"<p>{escape(block.text)}</p>"


def _items(block: Items) -> str:
    return "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in block.items) + "</ul>"


def _said(block: Said) -> str:
    label = f'<p class="said-label">{escape(block.label)}</p>' if block.label else ""
    # Someone's own words: escaped, so they can only ever be text.
    return f'<div class="said">{label}<p class="said-text">{escape(block.text)}</p></div>'


def _fields(block: Fields) -> str:
    pairs = "".join(f"<dt>{escape(label)}</dt><dd>{escape(text)}</dd>"
                    for label, text in block.pairs)
    return f'<dl class="fields">{pairs}</dl>'


def _block(block: Block, key: str) -> str:
    if isinstance(block, Figure):
        return _figure(block, key)
    if isinstance(block, Heading):
        return f"<h3>{escape(block.text)}</h3>"
    writers: dict[type, Callable[[Any], str]] = {Para: _para, Items: _items, Said: _said,
                                                 Fields: _fields, Table: _table}
    try:
        return writers[type(block)](block)
    except KeyError:
        raise TypeError(f"not a report block: {type(block).__name__}") from None


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(col)}</th>' for col in table.columns)
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:]) + "</tr>"
        for row in table.rows)
    return (f"<table><caption>{escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _figure(fig: Figure, key: str) -> str:
    # The SVG shows its own title and carries its name and description for screen readers.
    return (f'<figure><div class="chart-image">{_own_ids(fig.svg, f"fig{key}-")}</div>'
            f"<figcaption>{escape(fig.description)}</figcaption>{_table(fig.table)}</figure>")


def _own_ids(svg: str, prefix: str) -> str:
    """Give the SVG's ids (clip paths, gradients) a prefix of their own: several charts on
    one page would otherwise share ids, and one chart would clip to another's path.

    Examples
    --------
    >>> _own_ids('<svg><clipPath id="c1"/><g clip-path="url(#c1)"/></svg>', "f0-")
    '<svg><clipPath id="f0-c1"/><g clip-path="url(#f0-c1)"/></svg>'
    """
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    for old in sorted(ids, key=len, reverse=True):
        new = prefix + old
        svg = (svg.replace(f'id="{old}"', f'id="{new}"')
               .replace(f"url(#{old})", f"url(#{new})")
               .replace(f'href="#{old}"', f'href="#{new}"'))
    return svg
