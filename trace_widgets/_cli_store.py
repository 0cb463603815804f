"""The ``export`` and ``erase`` commands of ``trace-workbook``: a learner's data out, or gone."""

from __future__ import annotations

import argparse
import sys

from . import store
from ._cli_output import emit, fail, text

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
    code_help = text("cli.help.token")
    store_help = text("cli.help.store")

    export = subparsers.add_parser("export", help=text("cli.help.export"),
                                   description=text("cli.help.export_long"))
    whose = export.add_mutually_exclusive_group(required=True)
    whose.add_argument("--participant", metavar="TOKEN", help=code_help)
    whose.add_argument("--workshop", metavar="CODE", help=text("cli.help.a_workshop"))
    export.add_argument("--format", choices=("csv", "json"), default="csv",
                        help=text("cli.help.export_format"))
    export.add_argument("--output", "-o", metavar="FILE",
                        help=text("cli.help.output_private"))
    export.add_argument("--store", metavar="URL", help=store_help)
    export.set_defaults(handler=run_export)

    erase = subparsers.add_parser("erase", help=text("cli.help.erase"),
                                  description=text("cli.help.erase_long"))
    erase.add_argument("--participant", metavar="TOKEN", required=True, help=code_help)
    erase.add_argument("--store", metavar="URL", help=store_help)
    erase.set_defaults(handler=run_erase)


def run_export(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook export``; return the exit code."""
    try:
        token = _token(args.participant) if args.participant is not None else None
        with store.open_store(args.store) as s:
            data = s.export(participant=token, workshop=args.workshop, fmt=args.format)
        emit(data, args.output, what="cli.what.export")
    except (store.StoreError, ValueError, OSError) as exc:
        return fail(exc)
    return 0


def run_erase(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook erase``; return the exit code."""
    try:
        token = _token(args.participant)
        with store.open_store(args.store) as s:
            gone = s.erase(token)
    except (store.StoreError, ValueError, OSError) as exc:
        return fail(exc)
    print(text("cli.erased_one") if gone == 1 else text("cli.erased", count=gone))  # noqa: T201
    return 0


def _token(arg: str) -> str:
    return sys.stdin.readline().strip() if arg == STDIN else arg
