"""The differencing attack of tests/unit/test_differencing.py as figures for docs/privacy.md.

Run from the repository root: ``.venv/bin/python benchmarks/privacy_attack.py`` (a few
minutes). For each kind of workshop, the attack on figures of the moment (the old views)
and on the release rule (the views now): pairs of different figures compared, cells where
some pair differs in fewer than k people, and scores recovered exactly by subtraction.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))

import test_differencing as attack

from trace_widgets import settings


def main() -> None:
    settings.use(settings.Settings.from_env({}))
    rules = (("figures of the moment", attack._unprotected), ("release rule", None))
    for kind in ("cohort", "team"):
        for name, read in rules:
            folder = tempfile.mkdtemp()
            screen, sheet, answers = attack.play(f"sqlite:///{folder}/s.sqlite3", kind,
                                                 seed=2, read=read)
            print(f"{kind:6} {name:22} answers={answers}"
                  f" screen: pairs={screen.rounds} cells_recovered={len(screen.recovered or ())}"
                  f" exact={screen.exact}  csv: pairs={sheet.rounds}"
                  f" cells_recovered={len(sheet.recovered or ())} exact={sheet.exact}",
                  flush=True)


if __name__ == "__main__":
    main()
