"""The ``export`` and ``erase`` commands of ``trace-workbook``: a learner's data out, or gone."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import store

STDIN = "-"


def add_store_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export`` and ``erase`` on the main parser's subcommands.

    Each sets ``handler`` (a function of the parsed arguments that returns an exit code),
    like the other commands of :mod:`trace_widgets.cli`.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="trace-workbook")
    >>> add_store_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["erase", "--participant", "-"]).handler.__name__
    'run_erase'
    """
    code_help = ("the workbook code (its token); - reads it from standard input, which "
                 "keeps it out of shell history")
    store_help = "store URL (default: TRACE_STORE, else a SQLite file in your data folder)"

    export = subparsers.add_parser(
        "export", help="write the answers of one workbook or one workshop as CSV or JSON",
        description="Write every answer of one workbook, or of one workshop (with workbook "
                    "codes replaced by pseudonyms), as CSV or JSON.",
    )
    whose = export.add_mutually_exclusive_group(required=True)
    whose.add_argument("--participant", metavar="TOKEN", help=code_help)
    whose.add_argument("--workshop", metavar="CODE", help="a workshop code")
    export.add_argument("--format", choices=("csv", "json"), default="csv",
                        help="csv (default) or json")
    export.add_argument("--output", "-o", metavar="FILE",
                        help="write to FILE (readable by you only) instead of standard output")
    export.add_argument("--store", metavar="URL", help=store_help)
    export.set_defaults(handler=run_export)

    erase = subparsers.add_parser(
        "erase", help="erase one workbook and every answer in it",
        description="Erase one workbook and every answer in it. This cannot be undone.",
    )
    erase.add_argument("--participant", metavar="TOKEN", required=True, help=code_help)
    erase.add_argument("--store", metavar="URL", help=store_help)
    erase.set_defaults(handler=run_erase)


def run_export(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook export``; return the exit code."""
    try:
        token = _token(args.participant) if args.participant is not None else None
        with store.open_store(args.store) as s:
            data = s.export(participant=token, workshop=args.workshop, fmt=args.format)
        if args.output:
            _write_private(Path(args.output), data)
            _say(f"wrote the export to {args.output}")
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
    except (store.StoreError, ValueError, OSError) as exc:
        return _fail(exc)
    return 0


def run_erase(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook erase``; return the exit code."""
    try:
        token = _token(args.participant)
        with store.open_store(args.store) as s:
            gone = s.erase(token)
    except (store.StoreError, ValueError, OSError) as exc:
        return _fail(exc)
    print(f"Erased the workbook and its {gone} answer{'s' if gone != 1 else ''}.")  # noqa: T201
    return 0


def _token(arg: str) -> str:
    return sys.stdin.readline().strip() if arg == STDIN else arg


def _write_private(path: Path, data: str) -> None:
    # An export holds personal answers: create it readable by this user only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(data)


def _say(message: str) -> None:
    print(f"trace-workbook: {message}", file=sys.stderr)  # noqa: T201


def _fail(exc: BaseException) -> int:
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        _say(f"cannot write{where}: {exc.strerror or exc}")
    else:
        _say(str(exc))
    return 1
