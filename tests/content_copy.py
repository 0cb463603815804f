"""A researcher's copy of the content, changed with YAML only, for the tests that use one."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def edit(path: Path, change: Callable[[Any], object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def steps_of(copy: Path) -> Path:
    return copy / "journeys" / "default.yaml"


def rename_system(copy: Path, new: str = "community", name: str = "Community") -> None:
    """Rename the system space in a copy of the content, as a researcher would (YAML only)."""
    def space(d: dict[str, Any]) -> None:
        for s in d["spaces"]:
            if s["id"] == "system":
                s["id"], s["name"] = new, name
    edit(copy / "model.yaml", space)
    cells = copy / "cells" / "system.yaml"
    text = cells.read_text(encoding="utf-8")
    # Every id of the space's cells ("task.system.s1") and the file's space key.
    cells.write_text(re.sub(r"\bsystem\b", new, text), encoding="utf-8")
    cells.rename(copy / "cells" / f"{new}.yaml")
    # New statement ids make new instruments: the pulse takes the renamed statements, and
    # each instrument gets a version of its own (recorded fingerprints are never rewritten).
    for inst in ("trace", "pulse"):
        path = copy / "instruments" / inst / "instrument.yaml"
        text = re.sub(r"\bsystem\b", new, path.read_text(encoding="utf-8"))
        path.write_text(text.replace('version: "1"', f'version: "1-{new}"'), encoding="utf-8")

    def raters(d: dict[str, Any]) -> None:
        for key in ("spaces", "chosen"):
            d["raters"][key] = [new if s == "system" else s for s in d["raters"][key]]
    edit(copy / "raters.yaml", raters)
    # The rater page's words about the space are keyed by its id, as a cell file is.
    edit(copy / "ui_raters.yaml", lambda d: d["ui"].update(
        {f"raters.page.space.{new}": d["ui"].pop("raters.page.space.system")}))

    def journey(d: dict[str, Any]) -> None:
        for st in d["journey"]["steps"]:
            if st.get("space") == "system":
                st["space"] = new
    for path in sorted((copy / "journeys").glob("*.yaml")):
        edit(path, journey)
