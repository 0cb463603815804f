"""Where bundled folders are: inside the installed package, or beside it in a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def bundled(name: str, marker: str) -> Path:
    """The folder ``name`` that holds ``marker``: ``trace_widgets/name`` in a wheel, ``name/``
    at the top of a checkout (the wheel build copies it in)."""
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if (candidate / marker).exists():
            return candidate
    raise FileNotFoundError(
        f"no {name}/ folder with {marker} in {PACKAGE / name} or {PACKAGE.parent / name}"
    )


def voila_share() -> Path:
    """A Jupyter data folder holding the workbook's Voila template (``voila/templates/trace``)."""
    return PACKAGE / "share"
