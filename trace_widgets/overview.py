"""The model at a glance: the five conditions and four spaces, with attribution."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from . import content as content_mod

__all__ = [
    "overview",
    "overview_html",
]


def overview_html(c: content_mod.Content | None = None) -> str:
    """The model as HTML built only from project content, every string escaped.

    Examples
    --------
    >>> "Task" in overview_html()
    True
    """
    c = c or content_mod.get()
    elements = "".join(
        f'<li data-element="{escape(e.id)}"><strong>{escape(e.name)}</strong>: '
        f"{escape(e.condition)}. {escape(e.description)}</li>"
        for e in c.elements
    )
    spaces = "".join(
        f'<li data-space="{escape(s.id)}"><strong>{escape(s.name)}</strong>: '
        f"{escape(s.description)}</li>"
        for s in c.spaces
    )
    source = (f'<a href="{escape(c.about.source_url)}" rel="noopener noreferrer" '
              'target="_blank">'
              f"{escape(c.about.source_name)}</a>")
    return (
        f'<section class="trace-overview" aria-labelledby="trace-overview-title">'
        f'<h1 id="trace-overview-title">{escape(c.about.title)}</h1>'
        f"<p>{escape(c.about.summary)}</p>"
        f"<h2>{escape(c.text('start.elements_heading'))}</h2><ul>{elements}</ul>"
        f"<h2>{escape(c.text('start.spaces_heading'))}</h2><ul>{spaces}</ul>"
        f"<h2>{escape(c.text('start.about_heading'))}</h2>"
        f"<p>{escape(c.about.attribution)} "
        f"{c.text('start.source_link', source=source)}</p>"
        "</section>"
    )


def overview() -> widgets.HTML:
    """A widget showing :func:`overview_html`."""
    return widgets.HTML(overview_html())
