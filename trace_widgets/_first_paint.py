"""The app's first paint: the start step's heading and introduction written into the page.

A Voila page paints nothing of a notebook until its JavaScript has loaded, the kernel has
sent every widget and the widgets have drawn themselves (5-9 s under load, measured with
Lighthouse's desktop preset; the largest text, the start step's introduction, came last).
The workbook's template writes the same words into the page instead of Voila's spinner, so
a visitor reads them at first paint; they give way when the widgets are drawn (the
template's stylesheet and script say when).

``serve`` registers :func:`first_paint` as the template's ``trace_first_paint`` filter.
"""

from __future__ import annotations

from html import escape

from . import content as content_mod

__all__ = ["FILTER", "first_paint"]

FILTER = "trace_first_paint"
"""The filter's name in the template."""


def first_paint(notebook: object) -> str:
    """The start step's first words as HTML (escaped, wording from content) for the app's
    page, or "" for any other notebook (which keeps Voila's spinner).

    Examples
    --------
    >>> first_paint("app").startswith('<div id="trace-first-paint"')
    True
    >>> first_paint("coach")
    ''
    """
    from .cli import APP_NOTEBOOK  # noqa: PLC0415 - cli imports the server, which imports this

    if f"{notebook}.ipynb" != APP_NOTEBOOK:
        return ""
    c = content_mod.get()
    return (
        # Hidden from screen readers: the widgets say the same a moment later, and a live
        # page should not be read twice.
        '<div id="trace-first-paint" aria-hidden="true">'
        f'<p class="trace-title">{escape(c.text("app.title"))}</p>'
        '<div class="trace-first-step">'
        f'<h1>{escape(c.text("journey.start.heading"))}</h1>'
        f'<p>{escape(c.text("journey.start.intro"))}</p>'
        "</div></div>"
    )
