"""No wording in Python: what a learner, rater, coach or CLI user reads comes from content by id.

An AST pass over ``trace_widgets/`` finds the places wording could slip back in: an error a
user is shown raised with a sentence, a widget given a literal text, the command line
printing or helping with one. Each message is a UI text id instead (``data/ui*.yaml``), and
every id the package raises with, or says, is in the content with the values it needs.
"""

from __future__ import annotations

import ast
import re
import shutil
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trace_widgets import content, settings, store

PACKAGE = Path(__file__).resolve().parents[2] / "trace_widgets"

SHOWN_ERRORS = {"ValueError"}
"""Built-in errors whose message reaches users (answer checks, the CLI's ``fail``); the
package's own error classes are added from the source. ``KeyError``, ``TypeError`` and the
like are a programmer's mistake, never shown: their messages stay in Python."""

ALLOWED: dict[str, str] = {
    # module (relative to trace_widgets/): why its raises may keep their words
    "chart_draw.py": "the SVG drawer's own protocol checks; the page shows the chart's "
                     "table and the log has the error",
    "_chart_server.py": "the chart renderer's socket protocol; errors go to the server log",
    "_fork_server.py": "the kernel launcher's socket protocol; errors go to the server log",
    "psychometrics.py": "argument checks of pure statistics (a programmer's mistake)",
    "_migrations.py": "a schema migration's internal check (a programmer's mistake)",
    "group.py": "argument checks of the pure group functions; callers pass checked "
                "settings, so a learner or coach never meets them",
    "demo.py": "argument checks of the synthetic-data generator (a programmer's mistake: "
               "the demo command checks --participants itself, in words from content)",
}
"""Modules whose errors never reach a learner, rater, coach or CLI user, each with its
reason. Keep it short: anything a page or the CLI may show belongs in content."""

TEXT_KWARGS = {"description", "placeholder", "tooltip", "label", "title", "heading", "caption",
               "alt", "text"}
"""Keywords that carry text a person reads, in any call (a widget, a chart, a report block,
a button of our own)."""
WIDGET_KWARGS = {"value"}
CLI_KWARGS = {"help"}
WIDGET_MODULES = {"widgets", "ipywidgets"}
CLI_FILES = re.compile(r"^(cli|_cli_\w+)\.py$")
TEXT_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
IMPLIED = {"SettingsError": {"prefix"}}
"""Values an error class fills in itself when it words its message."""
SAYERS = {"say", "_say", "text", "ui"}
"""Functions that take a UI text id first: ``_words.say``, ``_schema.say``, the registry's
``_say``, ``Content.text`` and ``content.ui``."""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"trace_widgets/{self.path}:{self.line}: {self.what}"


def _literal_parts(node: ast.AST) -> list[str]:
    """The literal text of a string or f-string (or a concatenation of them), or []."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_parts(node.left) + _literal_parts(node.right)
    return []


def _is_wording(node: ast.AST) -> bool:
    """True for literal words: letters and a space, once markup is taken out (an id, a
    field name, a CSS class or bare markup are not wording)."""
    parts = _literal_parts(node)
    if not parts:
        return False
    text = re.sub(r"<[^>]*>|&\w+;", " ", "".join(parts))
    if not re.search(r"[A-Za-z]", text):
        return False
    return bool(re.search(r"[A-Za-z]\W*\s+\W*[A-Za-z]", text))


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text("utf-8"))


def _own_errors(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """The package's own error classes: any class whose base is an error class, found
    until no more are (a subclass of a subclass counts)."""
    errors = {"Exception", "ValueError", "WordedError"}
    classes = [n for _, t in trees for n in ast.walk(t) if isinstance(n, ast.ClassDef)]
    while True:
        more = {c.name for c in classes if c.name not in errors
                and any(_name(b) in errors for b in c.bases)}
        if not more:
            return errors - {"Exception"}
        errors |= more


def findings(trees: list[tuple[str, ast.Module]] | None = None) -> list[Finding]:
    """Every place in the package that gives a person literal words."""
    trees = trees if trees is not None else list(_modules())
    shown = SHOWN_ERRORS | _own_errors(trees)
    found: list[Finding] = []
    for path, tree in trees:
        cli = bool(CLI_FILES.match(Path(path).name))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and _name(node.exc.func) in shown and path not in ALLOWED):
                call = node.exc
                if any(_is_wording(a) for a in [*call.args, *(k.value for k in call.keywords)]):
                    found.append(Finding(path, node.lineno,
                                         f"{_name(call.func)} raised with words: "
                                         f"{ast.unparse(call)[:100]}"))
            elif isinstance(node, ast.Call):
                func = node.func
                widget = (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                          and func.value.id in WIDGET_MODULES)
                wanted = (TEXT_KWARGS | (WIDGET_KWARGS if widget else set())
                          | (CLI_KWARGS if cli else set()))
                texts = [k.value for k in node.keywords if k.arg in wanted]
                if widget or (cli and _name(func) in {"print", "say", "tell", "write", "fail"}):
                    texts += node.args
                if any(_is_wording(t) for t in texts):
                    found.append(Finding(path, node.lineno,
                                         f"literal words given to {ast.unparse(func)}: "
                                         f"{ast.unparse(node)[:100]}"))
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr in TEXT_KWARGS | WIDGET_KWARGS
                    for t in node.targets) and _is_wording(node.value):
                found.append(Finding(path, node.lineno,
                                     f"literal words assigned: {ast.unparse(node)[:100]}"))
    return found


def text_ids(trees: list[tuple[str, ast.Module]] | None = None
             ) -> Iterator[tuple[Finding, str, set[str] | None]]:
    """Each literal text id the package raises with or says, with the names of the values
    given (None when some come from ``**values``)."""
    trees = trees if trees is not None else list(_modules())
    worded = _own_errors(trees) - {"ValueError"}
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in worded and name not in SAYERS:
                continue
            ids = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)
                   and isinstance(a.value, str) and TEXT_ID.match(a.value)]
            if not ids:
                continue
            names = {k.arg for k in node.keywords} | IMPLIED.get(name, set())
            yield (Finding(path, node.lineno, ast.unparse(node)[:100]), ids[0],
                   None if None in names else {n for n in names if n is not None})


def test_no_user_facing_message_is_written_in_python() -> None:
    found = findings()
    assert not found, "wording belongs in data/ui*.yaml, by id:\n" + "\n".join(map(str, found))


def test_every_text_id_raised_or_said_is_in_the_content_with_its_values() -> None:
    ui = content.get().ui
    wrong = []
    for where, text_id, given in text_ids():
        if text_id not in ui:
            wrong.append(f"{where}: no UI text {text_id!r}")
            continue
        needed = {f for _, f, _, _ in string.Formatter().parse(ui[text_id]) if f}
        if given is not None and not needed <= given:
            wrong.append(f"{where}: {text_id!r} needs {sorted(needed - given)}")
    assert not wrong, "\n".join(wrong)


def test_every_default_text_id_is_in_the_content_and_needs_no_values() -> None:
    ui = content.get().ui
    defaults = [(f"trace_widgets/{path}:{node.lineno}", node.value.value)
                for path, tree in _modules() for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id == "default_text_id"
                        for t in node.targets)]
    assert len(defaults) >= 8
    for where, text_id in defaults:
        assert text_id in ui, f"{where}: no UI text {text_id!r}"
        assert not [f for _, f, _, _ in string.Formatter().parse(ui[text_id]) if f], (
            f"{where}: {text_id!r} needs values, but a bare raise gives none")


def test_the_allow_list_names_modules_that_exist_and_says_why() -> None:
    for module, why in ALLOWED.items():
        assert (PACKAGE / module).is_file(), module
        assert len(why.split()) >= 5, module


@pytest.mark.parametrize("source", [
    'raise StoreError("The workshop is closed.")',
    'raise AnswerError("value", f"rating {v} is outside 1-5")',
    'raise ValueError(f"{text!r} is not a workshop code")',
    'raise WorkshopNotFoundError("We could not find " + "that workshop.")',
    'button = widgets.Button(description="Save my answers")',
    'note = widgets.HTML("<p>Nothing saved yet</p>")',
    'box.placeholder = "Type your reflection here"',
    'chart = charts.likert_profile(frame, title="Scores by condition")',
    'block = Heading(text="Your plan for the month")',
])
def test_it_catches_a_literal(source: str) -> None:
    tree = ast.parse("class StoreError(WordedError): ...\n"
                     "class WorkshopNotFoundError(StoreError): ...\n"
                     "class AnswerError(ValueError): ...\n" + source)
    assert findings([("store.py", tree)])


@pytest.mark.parametrize("source", [
    'raise StoreError("store.error.workshop_closed", code=code)',
    'raise AnswerError("value", "answer.error.rating_range", value=v, low=1, high=5)',
    'raise KeyError(f"unknown item id {item!r}")',
    'button = widgets.Button(description=c.text("save.retry"))',
    'note = widgets.HTML("<hr>")',
    'label = widgets.Label("")',
])
def test_it_lets_ids_and_programmer_errors_be(source: str) -> None:
    tree = ast.parse("class StoreError(WordedError): ...\n"
                     "class AnswerError(ValueError): ...\n" + source)
    assert not findings([("store.py", tree)])


def test_it_catches_cli_wording() -> None:
    tree = ast.parse('say(f"closed workshop {code}")\n'
                     'parser.add_parser("x", help="open a workshop")\n')
    assert findings([("_cli_workshop.py", tree)])


def test_an_error_is_worded_by_the_content_in_use_else_the_bundled_one(tmp_path: Path) -> None:
    reworded = tmp_path / "reworded"
    shutil.copytree(content.data_dir(), reworded)
    errors = reworded / "ui_errors.yaml"
    errors.write_text(errors.read_text().replace(
        "We could not find that workshop.", "Ni allwn ddod o hyd i'r gweithdy hwnnw."))
    broken = tmp_path / "broken"
    shutil.copytree(content.data_dir(), broken)
    (broken / "model.yaml").write_text("elements: [nope\n")
    before = settings.get()
    try:
        settings.use(before.with_(content_dir=str(reworded)))
        assert str(store.WorkshopNotFoundError()) == "Ni allwn ddod o hyd i'r gweithdy hwnnw."
        settings.use(before.with_(content_dir=str(broken)))
        assert str(store.WorkshopNotFoundError()) == "We could not find that workshop."
    finally:
        settings.use(before)
    assert str(store.StoreError("no.such.text", code="K7")) == "no.such.text (code='K7')"
