"""How the command line speaks: one plain line on stderr, output to a private file or stdout."""

from __future__ import annotations

import os
import sys


def say(message: str) -> None:
    print(f"trace-workbook: {message}", file=sys.stderr)  # noqa: T201


def fail(exc: BaseException) -> int:
    """Report an expected failure in one line (never a traceback); return the exit code."""
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        say(f"cannot write{where}: {exc.strerror or exc}")
    else:
        say(str(exc))
    return 1


def emit(text: str, output: str | None, *, what: str) -> None:
    """Write ``text`` to the file ``output`` (readable by this user only: exports hold
    personal answers), or to stdout when there is none."""
    if output:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        say(f"wrote {what} to {output}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
