"""The ``research`` commands of ``trace-workbook``: a pseudonymised export, and reliability."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from . import psychometrics, research, store
from ._cli_output import emit, fail, say

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
    research_cmd = subparsers.add_parser(
        "research", help="pseudonymised research exports and reliability statistics",
        description="Research data: export answers with pseudonyms and a codebook, or "
                    "compute the reliability of every scale from an export.")
    commands = research_cmd.add_subparsers(dest="research_command", metavar="COMMAND",
                                           required=True)
    export = commands.add_parser(
        "export", help="write a pseudonymised export (long and wide CSV, codebook, metadata)",
        description="Write the answers of every workshop (or those named) into a folder: "
                    f"{', '.join(research.FILES.values())}. Workbook codes become "
                    "pseudonyms; free text is left out unless --text is given; workshops "
                    "under the anonymity floor are left out.")
    export.add_argument("--output", "-o", metavar="FOLDER", required=True,
                        help="the folder to write into (made if needed, readable by you only)")
    export.add_argument("--workshop", metavar="CODE", action="append",
                        help="only this workshop (repeat for several; default: all)")
    export.add_argument("--solo", action="store_true",
                        help="also answers given outside workshops (learners working alone "
                             "and the raters they invited)")
    export.add_argument("--text", action="store_true", help="include free-text answers")
    export.add_argument("--history", action="store_true",
                        help="every answer row, changes included (default: current answers)")
    export.add_argument("--store", metavar="URL",
                        help="store URL (default: TRACE_STORE, else a SQLite file in your "
                             "data folder)")
    export.set_defaults(handler=run_export)

    rel = commands.add_parser(
        "reliability", help="the reliability table of every scale, from a long export",
        description="Print alpha (with Feldt's 95%% interval) and omega of every scale, and "
                    "the flagged statements; write the whole table (scales and statements) "
                    "as CSV.")
    rel.add_argument("--input", "-i", metavar="FILE", required=True,
                     help=f"a long export ({research.FILES['long']}) or the export's folder")
    rel.add_argument("--output", "-o", metavar="CSV",
                     help="where to write the table (default: reliability.csv beside FILE)")
    rel.add_argument("--rater", action="append", metavar="ROLE",
                     help="only answers of this rater role (repeat for several; default all)")
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
    say(f"wrote {meta['rows']['long']} answers of {meta['rows']['wide']} people in "
        f"{len(meta['workshops'])} workshops to {args.output} "
        f"({meta['withheld_workshops']} under the anonymity floor of "
        f"{meta['anonymity_floor']} left out)")
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
        return fail(ValueError(f"{source} is not a long research export ({exc})"))
    except OSError as exc:
        return fail(exc)
    with pd.option_context("display.width", 120, "display.max_rows", None):
        sys.stdout.write(table.scales[list(_SHOWN)].round(3).to_string(index=False) + "\n")
        flagged = table.items.loc[table.items["flag"], ["scale", "item", "item_total"]]
        if len(flagged):
            sys.stdout.write("\nStatements with a corrected item-total correlation under "
                             f"{psychometrics.ITEM_TOTAL_MIN}:\n")
            sys.stdout.write(flagged.round(3).to_string(index=False) + "\n")
    try:
        emit(table.table().to_csv(index=False), output, what="the reliability table")
    except OSError as exc:
        return fail(exc)
    return 0
