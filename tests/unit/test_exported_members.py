"""Every module's ``__all__`` says exactly what it offers (as httpx's test_exported_members).

A public module (no part of its dotted name starts with ``_``) has an ``__all__``. Where a
module has one, every name in it exists, and every public name the module defines (a def, a
class or an assignment at top level; a logger or a TypeVar is not offered) is in it. A
package also lists every public name it imports from its own modules.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import pytest

import trace_widgets

MODULES = sorted(info.name for info in pkgutil.walk_packages(trace_widgets.__path__,
                                                              "trace_widgets."))


def _public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def _defined(module: ModuleType) -> set[str]:
    """The public names bound at the top level of the module's source, but by imports."""
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")
            and not isinstance(getattr(module, n, None), logging.Logger | TypeVar)}


def test_every_module_is_seen() -> None:
    assert "trace_widgets.store" in MODULES
    assert "trace_widgets.coach._render" in MODULES
    assert len(MODULES) > 60


@pytest.mark.parametrize("name", [n for n in MODULES if _public(n)])
def test_a_public_module_says_what_it_offers(name: str) -> None:
    assert isinstance(getattr(importlib.import_module(name), "__all__", None), list), name


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    offered = getattr(module, "__all__", None)
    if offered is None:
        return  # a private module with no __all__: nothing it offers beyond its package
    assert len(offered) == len(set(offered)), f"{name}.__all__ names something twice"
    assert [n for n in offered if not hasattr(module, n)] == [], f"{name}.__all__"
    assert sorted(_defined(module) - set(offered)) == [], f"{name}.__all__ leaves these out"
    if hasattr(module, "__path__"):  # a package: exactly the names it hands on
        handed_on = {n for n, v in vars(module).items() if not n.startswith("_")
                     and not inspect.ismodule(v)
                     and str(getattr(v, "__module__", "")).startswith(name + ".")}
        assert sorted(handed_on - set(offered)) == [], f"{name}.__all__ leaves these out"


def test_the_check_sees_a_name_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "left_out.py").write_text('__all__ = ["kept"]\n\ndef kept(): ...\n\n'
                                          'def forgotten(): ...\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _defined(importlib.import_module("left_out")) == {"kept", "forgotten"}
