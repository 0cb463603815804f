"""Reports to keep and share: a learner's report and a coach's group report, HTML or PDF.

Pure functions: answers (or a group summary) and content in, bytes out. No widget, no
store, no network: a researcher can call them from a notebook, the journey and the
dashboard offer them as downloads, and ``trace-workbook report`` writes them to a file.

Examples
--------
>>> import datetime as dt
>>> from trace_widgets import demo, report
>>> frame = demo.demo_answers(1, seed=3)
>>> pdf = report.learner_report(frame, fmt="pdf", today=dt.date(2026, 1, 5))
>>> pdf[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import pandas as pd

from .. import content as content_mod
from .. import group
from ._group import group_document
from ._html import to_html
from ._learner import learner_document
from ._model import Document, Fields, Figure, Heading, Items, Para, Said, Section, Table, figure
from ._pdf import to_pdf

__all__ = [
    "FORMATS",
    "Document",
    "Fields",
    "Figure",
    "Format",
    "Heading",
    "Items",
    "Para",
    "Said",
    "Section",
    "Table",
    "check_format",
    "figure",
    "group_document",
    "group_report",
    "learner_document",
    "learner_report",
    "media_type",
    "render",
    "to_html",
    "to_pdf",
]

Format = Literal["pdf", "html"]
FORMATS: tuple[Format, ...] = ("pdf", "html")
_MEDIA = {"pdf": "application/pdf", "html": "text/html"}


def check_format(fmt: object) -> Format:
    """``fmt`` as a report format, or ValueError.

    Examples
    --------
    >>> check_format("html")
    'html'
    """
    if fmt == "pdf":
        return "pdf"
    if fmt == "html":
        return "html"
    raise ValueError(content_mod.ui("report.error.format", fmt=fmt))


def render(doc: Document, fmt: Format) -> bytes:
    """A report document as PDF/UA-1 or as a self-contained HTML page.

    Raises
    ------
    ValueError
        For a format other than ``pdf`` or ``html``.
    """
    return to_pdf(doc) if check_format(fmt) == "pdf" else to_html(doc)


def media_type(fmt: str) -> str:
    """The media type of a report format.

    Examples
    --------
    >>> media_type("pdf")
    'application/pdf'
    """
    return _MEDIA[check_format(fmt)]


def learner_report(answers: pd.DataFrame, *, fmt: Format = "pdf", name: str | None = None,
                   workshop: str | None = None, today: dt.date | None = None,
                   history: pd.DataFrame | None = None, about: pd.DataFrame | None = None,
                   raters: pd.DataFrame | None = None, extra: Sequence[Section] = (),
                   content: content_mod.Content | None = None) -> bytes:
    """One participant's report: :func:`learner_document` drawn by :func:`render`."""
    return render(learner_document(answers, name=name, workshop=workshop, today=today,
                                   history=history, about=about, raters=raters, extra=extra,
                                   content=content), fmt)


def group_report(summary: group.Summary, *, title: str, code: str = "",
                 fmt: Format = "pdf", today: dt.date | None = None,
                 content: content_mod.Content | None = None) -> bytes:
    """A workshop's group report: :func:`group_document` drawn by :func:`render`."""
    return render(group_document(summary, title=title, code=code, today=today,
                                 content=content), fmt)
