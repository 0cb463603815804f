"""The ``research`` commands of ``trace-workbook``: a pseudonymised export, and reliability."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from . import psychometrics, research, store
from ._cli_output import emit, fail, say, text

_SHOWN = ("scale", "n", "alpha", "alpha_low", "alpha_high", "omega", "flag")


def add_research_commands(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``research export`` and ``research reliability``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="trace-workbook")
    >>> add_research_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["research", "reliability", "--input", "a.csv"]).handler.__name__
    'run_reliability'
    """
    research_cmd = subparsers.add_parser("research", help=text("cli.help.research"),
                                         description=text("cli.help.research_long"))
    commands = research_cmd.add_subparsers(dest="research_command", metavar="COMMAND",
                                           required=True)
    export = commands.add_parser(
        "export", help=text("cli.help.research_export"),
        description=text("cli.help.research_export_long",
                         files=", ".join(research.FILES.values())))
    export.add_argument("--output", "-o", metavar="FOLDER", required=True,
                        help=text("cli.help.research_output"))
    export.add_argument("--workshop", metavar="CODE", action="append",
                        help=text("cli.help.research_workshop"))
    export.add_argument("--solo", action="store_true", help=text("cli.help.research_solo"))
    export.add_argument("--text", action="store_true", help=text("cli.help.research_text"))
    export.add_argument("--history", action="store_true",
                        help=text("cli.help.research_history"))
    export.add_argument("--store", metavar="URL", help=text("cli.help.store"))
    export.set_defaults(handler=run_export)

    rel = commands.add_parser("reliability", help=text("cli.help.reliability"),
                              description=text("cli.help.reliability_long"))
    rel.add_argument("--input", "-i", metavar="FILE", required=True,
                     help=text("cli.help.reliability_input", file=research.FILES["long"]))
    rel.add_argument("--output", "-o", metavar="CSV", help=text("cli.help.reliability_output"))
    rel.add_argument("--rater", action="append", metavar="ROLE",
                     help=text("cli.help.reliability_rater"))
    rel.set_defaults(handler=run_reliability)


def run_export(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook research export``; return the exit code."""
    try:
        with store.open_store(args.store) as s:
            made = research.export(s, workshops=args.workshop, solo=args.solo,
                                   include_text=args.text, history=args.history)
        made.write(args.output)
    except (store.StoreError, ValueError, OSError) as exc:
        return fail(exc)
    meta = made.metadata
    say("cli.research.wrote", answers=meta["rows"]["long"], people=meta["rows"]["wide"],
        workshops=len(meta["workshops"]), folder=args.output,
        withheld=meta["withheld_workshops"], floor=meta["anonymity_floor"])
    return 0


def run_reliability(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook research reliability``; return the exit code."""
    source = Path(args.input)
    if source.is_dir():
        source = source / research.FILES["long"]
    output = args.output or str(source.with_name("reliability.csv"))
    try:
        answers = research.read_long(source)
        table = psychometrics.reliability(answers, raters=args.rater)
    except (KeyError, ValueError) as exc:
        return fail(ValueError(text("cli.research.not_long", path=source, problem=exc)))
    except OSError as exc:
        return fail(exc)
    with pd.option_context("display.width", 120, "display.max_rows", None):
        sys.stdout.write(table.scales[list(_SHOWN)].round(3).to_string(index=False) + "\n")
        flagged = table.items.loc[table.items["flag"], ["scale", "item", "item_total"]]
        if len(flagged):
            sys.stdout.write("\n" + text("cli.research.flagged",
                                          min=psychometrics.ITEM_TOTAL_MIN) + "\n")
            sys.stdout.write(flagged.round(3).to_string(index=False) + "\n")
    try:
        emit(table.table().to_csv(index=False), output, what="cli.what.reliability")
    except OSError as exc:
        return fail(exc)
    return 0
