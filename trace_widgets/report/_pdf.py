"""A report as a tagged PDF (PDF/UA-1, A4), made by Typst in this process: no browser, no
system library, no network, only the fonts that ship inside Typst.

The layout is ``report.typ`` beside this module; the report reaches it as JSON data, never
as Typst source, so no text in a report can become markup or code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

import typst

from ._model import Block, Document, Fields, Figure, Heading, Items, Para, Said, Table

STANDARD: Final[Literal["ua-1"]] = "ua-1"
"""The PDF standard asked of Typst: it refuses to write a PDF that is not tagged with a
title, a language and alternative text for every image."""


@cache
def _template() -> bytes:
    return resources.files(__package__).joinpath("report.typ").read_bytes()


def _block(block: Block) -> dict[str, Any]:
    kinds = {Para: "para", Heading: "heading", Items: "items", Said: "said", Fields: "fields",
             Table: "table", Figure: "figure"}
    return {"type": kinds[type(block)], **dataclasses.asdict(block)}


def report_json(doc: Document) -> str:
    """The document as the JSON data the Typst layout reads."""
    return json.dumps({
        "title": doc.title, "lang": doc.lang, "cover": list(doc.cover),
        "sections": [{"id": s.id, "heading": s.heading,
                      "blocks": [_block(b) for b in s.blocks]} for s in doc.sections],
    }, ensure_ascii=False)


def to_pdf(doc: Document, *, timestamp: dt.datetime | None = None) -> bytes:
    """The report as PDF/UA-1 bytes.

    Parameters
    ----------
    doc
        The report.
    timestamp
        The PDF's creation time (default now); fix it for byte-identical output.

    Examples
    --------
    >>> from trace_widgets.report._model import Document, Section, Para
    >>> pdf = to_pdf(Document("R", "en", (), (Section("s", "S", (Para("Hi"),)),)))
    >>> pdf[:5]
    b'%PDF-'
    """
    data = report_json(doc)
    out = typst.compile(_template(), sys_inputs={"report": data}, pdf_standards=[STANDARD],
                        ignore_system_fonts=True, timestamp=timestamp)
    assert isinstance(out, bytes)  # one PDF, not pages
    return out
