"""Page pieces every page builds from: CSS classes, headings, paragraphs, download links.

Their text is the project's own (content, by id) and is escaped all the same; a learner's
text never goes into HTML here (it is shown with a Label or a Textarea).
"""

from __future__ import annotations

import urllib.parse
from html import escape
from typing import TypeVar

import ipywidgets as widgets

__all__ = ["css", "download_link", "heading", "heading_html", "para", "para_html"]

W = TypeVar("W", bound=widgets.DOMWidget)


def css(widget: W, *classes: str) -> W:
    """Give ``widget`` stable CSS classes (the page's stylesheet styles them) and return it.

    Examples
    --------
    >>> css(widgets.HTML("x"), "trace-note", "trace-muted")._dom_classes
    ('trace-note', 'trace-muted')
    """
    for name in classes:
        widget.add_class(name)
    return widget


def heading_html(text: str, level: int = 2) -> str:
    """A heading as HTML text, escaped.

    Examples
    --------
    >>> heading_html("Task & Route", 3)
    '<h3>Task &amp; Route</h3>'
    """
    return f"<h{level}>{escape(text)}</h{level}>"


def para_html(text: str) -> str:
    """A paragraph as HTML text, escaped.

    Examples
    --------
    >>> para_html("<b>not bold</b>")
    '<p>&lt;b&gt;not bold&lt;/b&gt;</p>'
    """
    return f"<p>{escape(text)}</p>"


def heading(text: str, level: int = 2) -> widgets.HTML:
    """A heading widget.

    Examples
    --------
    >>> heading("Your plan").value
    '<h2>Your plan</h2>'
    """
    return widgets.HTML(heading_html(text, level))


def para(text: str, *classes: str) -> widgets.HTML:
    """A paragraph widget with ``classes``.

    Examples
    --------
    >>> p = para("Saved.", "trace-note")
    >>> p.value, p._dom_classes
    ('<p>Saved.</p>', ('trace-note',))
    """
    return css(widgets.HTML(para_html(text)), *classes)


def download_link(data: str, *, mime: str, filename: str, label: str) -> str:
    """An ``<a download>`` whose address carries ``data``, percent-encoded.

    ``quote(..., safe="")`` leaves only letters, digits and ``_.-~`` unencoded, so the data
    cannot become markup, and a ``text/plain`` or ``text/csv`` address is never rendered as
    a page.

    Examples
    --------
    >>> link = download_link("a,b\\n<1>,2\\n", mime="text/csv", filename="x.csv", label="Get")
    >>> link[:48]
    '<a class="trace-download" download="x.csv" href='
    >>> link[48:]
    '"data:text/csv;charset=utf-8,a%2Cb%0A%3C1%3E%2C2%0A">Get</a>'
    """
    href = f"data:{mime};charset=utf-8," + urllib.parse.quote(data, safe="")
    return (f'<a class="trace-download" download="{escape(filename)}" '
            f'href="{escape(href)}">{escape(label)}</a>')
