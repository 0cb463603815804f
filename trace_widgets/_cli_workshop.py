"""The ``workshop`` and ``demo`` commands of ``trace-workbook``: open, close, rehearse."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from . import content as content_mod
from . import demo as demo_mod
from . import group, settings, store, workshop
from ._cli_output import emit, fail, say, text
from .answers import AnswerError
from .store import KINDS

MAX_DEMO_PARTICIPANTS = 500


def add_workshop_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
                          ) -> None:
    """Register ``workshop new|close|round|results`` and ``demo`` on the main parser's subcommands.

    Each sets ``handler`` (a function of the parsed arguments that returns an exit code),
    like the other commands of :mod:`trace_widgets.cli`.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="trace-workbook")
    >>> add_workshop_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["workshop", "new", "--title", "Ward leads"]).handler.__name__
    'run_new'
    >>> parser.parse_args(["demo", "--workshop", "--participants", "25"]).participants
    25
    """
    store_help = text("cli.help.store")
    base_help = text("cli.help.base_url")

    ws = subparsers.add_parser("workshop", help=text("cli.help.workshop"),
                               description=text("cli.help.workshop_long"))
    actions = ws.add_subparsers(dest="action", metavar="ACTION", required=True)

    new = actions.add_parser("new", help=text("cli.help.new"),
                             description=text("cli.help.new_long"))
    new.add_argument("--title", required=True, help=text("cli.help.title"))
    new.add_argument("--kind", choices=KINDS, default="cohort", help=text("cli.help.kind"))
    new.add_argument("--spaces", help=text("cli.help.spaces"))
    new.add_argument("--exercises", help=text("cli.help.exercises",
                                              known=", ".join(store.EXERCISES)))
    new.add_argument("--journey", default=content_mod.DEFAULT_JOURNEY,
                     help=text("cli.help.journey", default=content_mod.DEFAULT_JOURNEY))
    new.add_argument("--code", help=text("cli.help.code"))
    new.add_argument("--base-url", help=base_help)
    new.add_argument("--store", metavar="URL", help=store_help)
    new.set_defaults(handler=run_new)

    close = actions.add_parser("close", help=text("cli.help.close"),
                               description=text("cli.help.close_long"))
    close.add_argument("code", metavar="CODE", help=text("cli.help.workshop_code"))
    close.add_argument("--store", metavar="URL", help=store_help)
    close.set_defaults(handler=run_close)

    next_round = actions.add_parser("round", help=text("cli.help.round"),
                                    description=text("cli.help.round_long"))
    next_round.add_argument("code", metavar="CODE", help=text("cli.help.workshop_code"))
    next_round.add_argument("--store", metavar="URL", help=store_help)
    next_round.set_defaults(handler=run_round)

    results = actions.add_parser("results", help=text("cli.help.results"),
                                 description=text("cli.help.results_long"))
    results.add_argument("code", metavar="CODE", help=text("cli.help.workshop_code"))
    results.add_argument("--output", "-o", metavar="FILE", help=text("cli.help.output"))
    results.add_argument("--store", metavar="URL", help=store_help)
    results.set_defaults(handler=run_results)

    demo = subparsers.add_parser("demo", help=text("cli.help.demo"),
                                 description=text("cli.help.demo_long"))
    demo.add_argument("--workshop", action="store_true", required=True,
                      help=text("cli.help.demo_workshop"))
    demo.add_argument("--code", help=text("cli.help.demo_code"))
    demo.add_argument("--participants", type=int, default=25,
                      help=text("cli.help.demo_participants", most=MAX_DEMO_PARTICIPANTS))
    demo.add_argument("--seed", type=int, default=0, help=text("cli.help.demo_seed"))
    demo.add_argument("--kind", choices=KINDS, default="team", help=text("cli.help.demo_kind"))
    demo.add_argument("--spaces", help=text("cli.help.demo_spaces"))
    demo.add_argument("--title", help=text("cli.help.demo_title"))
    demo.add_argument("--base-url", help=base_help)
    demo.add_argument("--store", metavar="URL", help=store_help)
    demo.set_defaults(handler=run_demo)


# --- handlers ---------------------------------------------------------------------------------


def run_new(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook workshop new``; return the exit code."""
    try:
        with store.open_store(args.store) as s:
            made, key = workshop.open_workshop(
                s, args.title, args.kind, _chosen_spaces(args), code=_code(args.code),
                exercises=None if args.exercises is None else _spaces(args.exercises),
                journey=args.journey)
            # A team's leader is chosen by the coach: they get a code of their own.
            leader_key = workshop.issue_leader_key(s, made) if made.kind == "team" else None
    except (store.StoreError, AnswerError, ValueError) as exc:
        return fail(exc)
    _print_opened(made, key, _base(args.base_url), leader_key)
    return 0


def run_close(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook workshop close``; return the exit code."""
    try:
        code = _code(args.code) or ""
        with store.open_store(args.store) as s:
            if s.workshop(code) is None:
                raise store.WorkshopNotFoundError("cli.workshop.none", code=args.code)
            closed = s.close_workshop(code)
    except (store.StoreError, ValueError) as exc:
        return fail(exc)
    when = closed.closed.strftime("%Y-%m-%d %H:%M UTC") if closed.closed else ""
    say("cli.workshop.closed", code=closed.code, title=closed.title, when=when)
    return 0


def run_round(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook workshop round``; return the exit code."""
    try:
        code = _code(args.code) or ""
        with store.open_store(args.store) as s:
            found = s.workshop(code)
            if found is None:
                raise store.WorkshopNotFoundError("cli.workshop.none", code=args.code)
            now = workshop.start_round(s, found)
    except (store.StoreError, ValueError) as exc:
        return fail(exc)
    say("cli.workshop.round", round=now.round, code=now.code, title=now.title)
    return 0


def run_results(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook workshop results``; return the exit code."""
    current = settings.get()
    try:
        code = _code(args.code) or ""
        with store.open_store(args.store) as s:
            found = s.workshop(code)
            if found is None:
                raise store.WorkshopNotFoundError("cli.workshop.none", code=args.code)
            # The same release as the dashboard's: printing results again and again
            # gives away no more than watching the dashboard.
            summary = workshop.group_summary(s, found, k=current.anonymity_k,
                                             comment_k=current.comment_k)
        text_out = group.aggregates_csv(summary)
        emit(text_out, args.output, what="cli.what.results")
    except (store.StoreError, ValueError, OSError) as exc:
        return fail(exc)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Handle ``trace-workbook demo --workshop``; return the exit code."""
    c = content_mod.get()
    if not 1 <= args.participants <= MAX_DEMO_PARTICIPANTS:
        return fail(ValueError(text("cli.demo.participants", most=MAX_DEMO_PARTICIPANTS)))
    marker = c.text("workshop.demo_marker")
    try:
        code = _code(args.code)
        with store.open_store(args.store) as s:
            found = s.workshop(code) if code else None
            key = None
            if found is None:
                title = f"{args.title or c.text('workshop.demo_title')} {marker}"
                found, key = workshop.open_workshop(s, title, args.kind,
                                                    _chosen_spaces(args), code=code)
            elif marker not in found.title:
                raise ValueError(text("cli.demo.not_a_demo", code=found.code, marker=marker))
            added = fill_demo(s, found, participants=args.participants, seed=args.seed)
    except (store.StoreError, AnswerError, ValueError) as exc:
        return fail(exc)
    if key is not None:
        _print_opened(found, key, _base(args.base_url))
    say("cli.demo.joined", count=added, code=found.code)
    return 0


# --- demo data --------------------------------------------------------------------------------


def fill_demo(s: store.Store, target: store.Workshop, *, participants: int,
              seed: int = 0) -> int:
    """Have ``participants`` synthetic people join ``target`` and answer its spaces.

    Answers come from :func:`trace_widgets.demo.demo_answers` (a team with a true level per
    cell, lenient and strict raters, "not sure", one member who stops early) and go in
    through :meth:`Store.save`, so every value is checked as a real participant's would be.
    In a team workshop the first participant is the leader, unless the workshop has one.

    Returns
    -------
    int
        How many participants joined.

    Examples
    --------
    >>> from trace_widgets import store, workshop
    >>> with store.open_store("sqlite://") as s:
    ...     w, _ = workshop.open_workshop(s, "Rehearsal (demo data)", "team", ["team"])
    ...     fill_demo(s, w, participants=4), s.workshop_answers(w.code)["rater"].nunique()
    (4, 2)
    """
    frame = demo_mod.demo_answers(participants, seed=seed, workshop=target.code)
    frame = frame.loc[frame["space"].isin(target.spaces)]
    # The current answer per person and item: later rows replace earlier ones.
    frame = frame.sort_values("at", kind="stable").drop_duplicates(
        ["participant", "item"], keep="last")
    people = demo_mod.participants(frame)
    # A team has one leader: when it already has one, everyone new joins as a member.
    has_leader = bool((s.workshop_answers(target.code)["rater"] == group.LEADER).any())
    for person in people:
        mine = frame.loc[frame["participant"] == person]
        leader = not has_leader and bool((mine["rater"] == group.LEADER).any())
        role = workshop.participant_role(target, leader=leader)
        token = s.new_participant(workshop=target.code, role=role, consent=True)
        values = {str(i): _plain(v) for i, v in zip(mine["item"], mine["value"], strict=True)}
        s.save(token, values, rater=role or "self")
    return len(people)


def _plain(value: object) -> object:
    """A frame value as the store takes it: int, text or None (never NaN or numpy ints)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    return int(value)  # type: ignore[call-overload]


# --- helpers ----------------------------------------------------------------------------------


def _spaces(listed: str) -> list[str]:
    """A comma-separated list (of spaces, or of exercises) as its items."""
    return [s.strip() for s in listed.split(",") if s.strip()]


def _chosen_spaces(args: argparse.Namespace) -> list[str]:
    """``--spaces``, or every space of the workshop's journey."""
    if args.spaces is not None:
        return _spaces(args.spaces)
    journeys = content_mod.get().journeys
    # An unknown journey: the store refuses it, naming the installed ones.
    found = journeys.get(getattr(args, "journey", None) or "") or journeys[
        content_mod.DEFAULT_JOURNEY]
    return list(found.spaces)


def _code(typed: str | None) -> str | None:
    if typed is None:
        return None
    code = workshop.normalise_code(typed)
    if not code:
        raise ValueError(text("cli.workshop.not_a_code", text=typed))
    return code


def _base(base_url: str | None) -> str:
    if base_url:
        return base_url if base_url.endswith("/") else base_url + "/"
    current = settings.get()
    return f"http://{current.host}:{current.port}/voila/render/"


def _print_opened(made: store.Workshop, key: str, base: str,
                  leader_key: str | None = None) -> None:
    lines = [
        text("cli.opened.title", title=made.title),
        text("cli.opened.journey", name=content_mod.get().text(
            content_mod.get().journey(made.journey).label), id=made.journey),
        text("cli.opened.code", code=made.code),
        text("cli.opened.link", link=workshop.join_link(made.code, base)),
        text("cli.opened.key", key=key),
        text("cli.opened.dashboard", link=workshop.dashboard_link(made.code, key, base)),
    ]
    if leader_key is not None:
        lines += [
            text("cli.opened.leader_code", code=leader_key),
            text("cli.opened.leader_link",
                 link=workshop.leader_link(made.code, leader_key, base)),
        ]
    lines.append(text("cli.opened.keep_key"))
    if leader_key is not None:
        lines.append(text("cli.opened.leader_note"))
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
