"""How the command line speaks: one plain line on stderr, output to a private file or stdout.

Its words are UI texts by id (``cli.*`` in ``data/ui_cli.yaml``), read with ``_schema.say``.
"""

from __future__ import annotations

import os
import sys

from ._schema import say as text

__all__ = ["emit", "fail", "say", "tell", "text"]


def tell(message: str) -> None:
    """Say ``message`` (words already made: an error's, or a text by id) in one line."""
    print(f"trace-workbook: {message}", file=sys.stderr)  # noqa: T201


def say(text_id: str, /, **values: object) -> None:
    """Say the UI text ``text_id``, filled in with ``values``, in one line on stderr."""
    tell(text(text_id, **values))


def fail(exc: BaseException) -> int:
    """Report an expected failure in one line (never a traceback); return the exit code."""
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        say("cli.cannot_write", where=where, problem=exc.strerror or exc)
    else:
        tell(str(exc))
    return 1


def emit(text_out: str, output: str | None, *, what: str) -> None:
    """Write ``text_out`` to the file ``output`` (readable by this user only: exports hold
    personal answers), or to stdout when there is none. ``what`` is the UI text id of what
    it is (``cli.what.*``), for the line that says where it went."""
    if output:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text_out)
        say("cli.wrote", what=text(what), path=output)
    else:
        sys.stdout.write(text_out)
        sys.stdout.flush()
