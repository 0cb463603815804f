"""The ``report`` command of ``trace-workbook``: a learner's or a workshop's report to a file."""

from __future__ import annotations

import argparse
import os
import sys

from . import report, store, workshop
from ._cli_output import fail, say, text
from ._report_sources import learner_report_of, workshop_report_of

STDIN = "-"


def add_report_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report`` on the main parser's subcommands.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="trace-workbook")
    >>> add_report_command(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["report", "--workshop", "K7MQ4P"]).format
    'pdf'
    """
    cmd = subparsers.add_parser("report", help=text("cli.help.report"),
                                description=text("cli.help.report_long"))
    whose = cmd.add_mutually_exclusive_group(required=True)
    whose.add_argument("--participant", metavar="TOKEN", help=text("cli.help.token"))
    whose.add_argument("--workshop", metavar="CODE", help=text("cli.help.report_workshop"))
    cmd.add_argument("--format", choices=report.FORMATS, default="pdf",
                     help=text("cli.help.report_format"))
    cmd.add_argument("--output", "-o", metavar="FILE", help=text("cli.help.output_private"))
    cmd.add_argument("--store", metavar="URL", help=text("cli.help.store"))
    cmd.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook report``; return the exit code."""
    try:
        with store.open_store(args.store) as s:
            if args.participant is not None:
                token = _line() if args.participant == STDIN else args.participant
                data = learner_report_of(s, token, args.format)
            else:
                found = workshop.check_coach(s, args.workshop, _line())
                data = workshop_report_of(s, found, args.format)
        _write(data, args.output)
    except (store.StoreError, workshop.CoachAccessError, ValueError, OSError) as exc:
        return fail(exc)
    return 0


def _line() -> str:
    return sys.stdin.readline().strip()


def _write(data: bytes, output: str | None) -> None:
    """Write the report to ``output`` (this user only: it holds personal answers) or to
    standard output."""
    if output:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        say("cli.wrote", what=text("cli.what.report"), path=output)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
