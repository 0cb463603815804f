"""The ``trace-workbook`` command: serve the app, and manage the store."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from . import __version__, _chart_server, _fork_server, _serve_checks, settings
from ._cli_content import add_content_commands
from ._cli_notebooks import add_notebooks_command
from ._cli_output import tell, text
from ._cli_report import add_report_command
from ._cli_research import add_research_commands
from ._cli_store import add_store_commands
from ._cli_workshop import add_workshop_commands
from ._paths import bundled, voila_share

__all__ = [
    "APP_NOTEBOOK",
    "COACH_NOTEBOOK",
    "REFILL_DELAY_S",
    "app_url",
    "build_parser",
    "main",
    "pool_sizes",
    "serve",
    "voila_command",
]

APP_NOTEBOOK = "app.ipynb"
COACH_NOTEBOOK = "coach.ipynb"
REFILL_DELAY_S = 2
"""Seconds before a taken kernel is replaced. Warming the replacement takes CPU just when
the visitor's page is loading (time to interactive 1.55 s -> 1.06 s median with a 3 s
delay, same server, alternating visits on two servers). Voila queues the
refill in the pool, so a visitor beyond the pool within the delay waits for it: keep it
short (30 s made the third visitor wait 27 s)."""


def app_url(current: settings.Settings) -> str:
    return f"http://{current.host}:{current.port}/voila/render/{APP_NOTEBOOK}"


def pool_sizes(current: settings.Settings) -> dict[str, int]:
    """Warm kernels per notebook: the learner's app gets the pool; one coach page is enough."""
    return {APP_NOTEBOOK: current.pool_size, COACH_NOTEBOOK: min(current.pool_size, 1)}


def voila_command(current: settings.Settings) -> list[str]:
    """The Voila command line that serves the workbook's notebooks with ``current`` settings."""
    return [
        sys.executable, "-m", "trace_widgets._voila_app",
        "--no-browser",
        f"--port={current.port}",
        f"--Voila.ip={current.host}",
        "--Voila.port_retries=0",  # a taken port is an error, never a quiet move elsewhere
        "--Voila.log_level=INFO",  # _voila_app passes on only what a coach needs
        # Kernels talk to Voila over Unix sockets in Voila's private connection folder.
        "--KernelManager.transport=ipc",
        "--template=trace",
        f"--pool_size={current.pool_size}",
        "--VoilaKernelManager.kernel_pools_config="
        + json.dumps({"default": {"pool_size": 0},
                      **{nb: {"pool_size": n} for nb, n in pool_sizes(current).items()}}),
        f"--VoilaKernelManager.fill_delay={REFILL_DELAY_S}",
        f"--MappingKernelManager.cull_idle_timeout={current.cull_idle_seconds}",
        "--MappingKernelManager.cull_interval=60",
        str(bundled("notebooks", APP_NOTEBOOK)),
    ]


def serve(args: argparse.Namespace) -> int:
    current = settings.Settings.from_env(port=args.port, host=args.host, store=args.store,
                                         pool_size=args.pool_size)
    notebooks = bundled("notebooks", APP_NOTEBOOK)
    taken = _serve_checks.port_taken(current.host, current.port)
    if taken:
        tell(taken)
        return 1
    if not current.throttle_dir:
        current = current.with_(throttle_dir=str(_serve_checks.private_folder("trace-throttle-")))
    jupyter_path = [str(voila_share())]
    if not current.chart_server:
        charts_socket, _ = _chart_server.start(settings.child_env(current))
        current = current.with_(chart_server=str(charts_socket))
    if current.fork_kernels:
        kernels, _ = _fork_server.start(settings.child_env(current))
        jupyter_path.insert(0, str(kernels))  # its kernel spec comes first
    env = settings.child_env(current, jupyter_path=os.pathsep.join(jupyter_path))
    command = voila_command(current)
    print(text("cli.serve.open", url=app_url(current)), flush=True)  # noqa: T201
    # Voila reads voila.json from its working folder, next to the notebooks.
    os.chdir(notebooks)
    os.execve(command[0], command, env)  # noqa: S606 - replaces this process with Voila
    return 0  # pragma: no cover - execve does not return


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trace-workbook", description=text("cli.help.main"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve_cmd = commands.add_parser("serve", help=text("cli.help.serve"))
    serve_cmd.add_argument("--port", type=int, help=text("cli.help.port"))
    serve_cmd.add_argument("--host", help=text("cli.help.host"))
    serve_cmd.add_argument("--store", help=text("cli.help.serve_store"))
    serve_cmd.add_argument("--pool-size", type=int, help=text("cli.help.pool_size"))
    serve_cmd.set_defaults(handler=serve)
    add_store_commands(commands)
    add_notebooks_command(commands)
    add_workshop_commands(commands)
    add_report_command(commands)
    add_research_commands(commands)
    add_content_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except settings.SettingsError as exc:
        tell(str(exc))
        return 2


if __name__ == "__main__":
    sys.exit(main())
