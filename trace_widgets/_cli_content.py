"""The ``content`` commands of ``trace-workbook``: check a content folder, list what is
installed, record instrument fingerprints, write the JSON Schemas. Wording: ``ui_content.yaml``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import _schema, content, settings
from ._schema import say

__all__ = [
    "add_content_commands",
    "run_check",
    "run_fingerprint",
    "run_list",
    "run_schema",
]

T = TypeVar("T")


def add_content_commands(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``content check``, ``content list``, ``content fingerprint``, ``content schema``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="trace-workbook")
    >>> add_content_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["content", "check", "my-data"]).handler.__name__
    'run_check'
    """
    cmd = subparsers.add_parser("content", help=say("content.help.content"),
                                description=say("content.help.content"))
    commands = cmd.add_subparsers(dest="content_command", metavar="COMMAND", required=True)
    for name, handler in (("check", run_check), ("list", run_list),
                          ("fingerprint", run_fingerprint)):
        sub = commands.add_parser(name, help=say(f"content.help.{name}"),
                                  description=say(f"content.help.{name}"))
        sub.add_argument("folder", nargs="?", metavar="DIR", help=say("content.help.folder"))
        sub.add_argument("--instruments", metavar="DIR", help=say("content.help.instruments"))
        sub.set_defaults(handler=handler)
    schema = commands.add_parser("schema", help=say("content.help.schema"),
                                 description=say("content.help.schema"))
    schema.add_argument("--output", "-o", metavar="DIR", help=say("content.help.schema_output"))
    schema.add_argument("--check", action="store_true", help=say("content.help.schema_check"))
    schema.set_defaults(handler=run_schema)


def _folders(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """The folder named, else ``TRACE_CONTENT_DIR``, else the bundled content; and the same
    for a researcher's instruments (``--instruments``, else ``TRACE_INSTRUMENTS_DIR``)."""
    current = settings.get()
    folder = Path(args.folder) if args.folder else current.content_path
    more = Path(args.instruments) if args.instruments else current.instruments_path
    return folder, more


def _on_content(args: argparse.Namespace, action: Callable[..., T]) -> T | None:
    """``action(folder, instruments=more)`` on the folders the command names (see
    :func:`_folders`), or None when the content is malformed: then every problem is printed
    on stderr, one a line as ``file:line: key: message``."""
    folder, more = _folders(args)
    try:
        return action(folder, instruments=more)
    except content.ContentError as exc:
        print(exc, file=sys.stderr)  # noqa: T201
        return None


def run_check(args: argparse.Namespace) -> int:
    """Print every problem as ``file:line: key: message``; exit 1 if there is any."""
    folder, more = _folders(args)
    shown = folder or content.data_dir()
    problems = content.check(folder, instruments=more)
    for p in problems:
        print(p)  # noqa: T201
    if problems:
        print(say("content.check.problems", count=len(problems), folder=shown),  # noqa: T201
              file=sys.stderr)
        return 1
    c = _on_content(args, content.load)
    if c is None:
        return 1
    files = sum(1 for _ in shown.rglob("*.yaml"))
    print(say("content.check.clean", folder=shown, files=files,  # noqa: T201
              instruments=len(c.instruments),
              statements=sum(len(i.statements()) for i in c.instruments.values())))
    return 0


def run_list(args: argparse.Namespace) -> int:
    """The installed exercise kinds (and those an entry point offered that were left out,
    with why), the YAML exercises, instruments (id, version, statements) and journeys."""
    from .exercises import registry  # noqa: PLC0415 - the kinds import content

    c = _on_content(args, content.load)
    if c is None:
        return 1
    lines = [say("content.list.kinds"), *(say(
        "content.list.kind", id=k.id,
        takes=say("content.list.takes_exercises") if k.instance is not None else "")
        for k in registry.kinds())]
    left_out = registry.problems()
    if left_out:
        lines.append(say("content.list.left_out"))
        lines += [say("content.list.problem", problem=p) for p in left_out]
    declared = [e for e in c.exercises.values() if e.of is not None]
    if declared:
        lines.append(say("content.list.exercises"))
        lines += [say("content.list.exercise", id=e.id, kind=e.of,
                      optional=say("content.list.optional") if e.optional else "")
                  for e in declared]
    lines.append(say("content.list.instruments"))
    for i in c.instruments.values():
        lines.append(say("content.list.instrument", id=i.id, version=i.version,
                         statements=len(i.statements()), name=i.name,
                         main=say("content.list.main") if i.main else ""))
    lines.append(say("content.list.journeys"))
    lines += [say("content.list.journey", id=j.id, name=c.text(j.label),
                  steps=", ".join(j.step_ids)) for j in c.journeys.values()]
    print("\n".join(lines))  # noqa: T201
    return 0


def run_fingerprint(args: argparse.Namespace) -> int:
    """Record each instrument version that has no fingerprint yet (never rewrites one)."""
    done = _on_content(args, content.record_fingerprints)
    if done is None:
        return 1
    for inst, path in done:
        print(say("content.fingerprint.recorded", instrument=inst.id,  # noqa: T201
                  version=inst.version, statements=len(inst.statements()), path=path))
    if not done:
        print(say("content.fingerprint.nothing"))  # noqa: T201
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schemas into a folder (or check them there, or print them)."""
    schemas = _schema.json_schemas()
    if not args.output:
        if args.check:
            args.output = str(content.data_dir() / "schemas")
        else:
            print("\n".join(schemas.values()))  # noqa: T201
            return 0
    folder = Path(args.output)
    if args.check:
        differs = [folder / name for name, text in schemas.items()
                   if not (folder / name).is_file()
                   or (folder / name).read_text(encoding="utf-8") != text]
        for path in differs:
            print(say("content.schema.differs", path=path, folder=folder),  # noqa: T201
                  file=sys.stderr)
        if not differs:
            print(say("content.schema.same", count=len(schemas), folder=folder))  # noqa: T201
        return 1 if differs else 0
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in schemas.items():
        (folder / name).write_text(text, encoding="utf-8")
        print(say("content.schema.written", path=folder / name))  # noqa: T201
    return 0
