"""The ``notebooks`` command of ``trace-workbook``: a learner's own copy of the journey's
notebooks, so working in JupyterLab never writes into the workbook's committed ones."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ._cli_output import fail, say, text
from ._paths import bundled

LEARNER_NOTEBOOKS = "[0-9][0-9]_*.ipynb"
DEFAULT_FOLDER = "trace-notebooks"


def copy_notebooks(folder: Path) -> list[Path]:
    """Copy the journey's numbered notebooks into ``folder`` (made if need be); a notebook
    already there is the learner's own and is kept as it is. Returns the new copies.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "mine"
    >>> [p.name for p in copy_notebooks(folder)][:2]
    ['00_start.ipynb', '01_self.ipynb']
    >>> copy_notebooks(folder)
    []
    """
    source = bundled("notebooks", "00_start.ipynb")
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for notebook in sorted(source.glob(LEARNER_NOTEBOOKS)):
        target = folder / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
            made.append(target)
    return made


def run_notebooks(args: argparse.Namespace) -> int:
    folder = Path(args.to)
    try:
        made = copy_notebooks(folder)
    except OSError as exc:
        return fail(exc)
    if made:
        say("cli.notebooks.copied", count=len(made), folder=folder,
            first=folder / "00_start.ipynb")
    else:
        say("cli.notebooks.there", folder=folder)
    return 0


def add_notebooks_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
                          ) -> None:
    """Register ``notebooks`` on the main parser's subcommands."""
    command = subparsers.add_parser("notebooks", help=text("cli.help.notebooks"),
                                    description=text("cli.help.notebooks_long"))
    command.add_argument("--to", default=DEFAULT_FOLDER,
                         help=text("cli.help.notebooks_to", folder=DEFAULT_FOLDER))
    command.set_defaults(handler=run_notebooks)
