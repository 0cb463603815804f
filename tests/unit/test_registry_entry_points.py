"""Exercise kinds from entry points: the built-in ones, another package's, and broken ones."""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib

from trace_widgets import answers, content
from trace_widgets.exercises import registry

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trace-importance"


def test_the_built_in_kinds_are_entry_points_like_any_other() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    eps = declared["project"]["entry-points"][registry.GROUP]
    assert list(eps.values()) == list(registry.BUILTIN)
    assert all(value.startswith(f"trace_widgets.exercises.{name}:") for name, value in eps.items())
    # ... and this environment's metadata has them, so none loads by the fallback.
    installed = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=registry.GROUP)
                 if ep.dist is not None and ep.dist.name == registry.PACKAGE}
    assert installed == eps
    assert [k.id for k in registry.kinds()] == list(eps)
    assert registry.problems() == ()


def test_the_main_environment_does_not_see_the_example_kind() -> None:
    """The example is installed only in the browser test's own environment."""
    example = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    (name, value), = example["project"]["entry-points"][registry.GROUP].items()
    assert (name, value) == ("importance", "trace_importance:KIND")
    assert name not in {ep.name for ep in importlib.metadata.entry_points(group=registry.GROUP)}
    assert name not in [k.id for k in registry.kinds()]
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("trace-importance")
    assert "trace_importance" not in sys.modules
    with pytest.raises(KeyError):
        content.get().item("importance.task")


# -- a package of our own, installed for one test: a dist-info folder on sys.path -----------


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty registry that loads from entry points again on first use."""
    registry.kinds()
    for name, empty in (("_kinds", {}), ("_origin", {}), ("_texts", {}), ("_defaults", {}),
                        ("_problems", []), ("_loaded", False)):
        monkeypatch.setattr(registry, name, empty)
    content._cached.cache_clear()
    yield
    monkeypatch.undo()
    content._cached.cache_clear()
    sys.modules.pop("mood_kind", None)


def install(site: Path, package: str, entry_points: dict[str, str], modules: dict[str, str],
            monkeypatch: pytest.MonkeyPatch) -> None:
    """Put ``package`` with these entry points and modules where importlib finds them."""
    info = site / f"{package.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n",
                                   encoding="utf-8")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{registry.GROUP}]\n{lines}", encoding="utf-8")
    for path, source in modules.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    for path in modules:  # a module of the same name from another test's folder is gone
        monkeypatch.delitem(sys.modules, path.split("/")[0], raising=False)


GOOD = """
    from pathlib import Path
    from trace_widgets import answers, content
    from trace_widgets.exercises.registry import ExerciseKind

    def items(ctx):
        yield content.ItemSpec("mood.now", "mood", "text")

    KIND = ExerciseKind(id="mood", items=items, check=answers.check_typed,
                        content=Path(__file__).with_name("mood.yaml"))
    NOT_A_KIND = "mood"
    RATING_AGAIN = ExerciseKind(id="rating", items=items, check=answers.check_typed)
    NO_LABEL = ExerciseKind(id="unlabelled", items=items, check=answers.check_typed,
                            optional=True)
    BAD_ID = ExerciseKind(id="Bad Id", items=items, check=answers.check_typed)
    FOREIGN_TEXT = ExerciseKind(id="foreign", items=lambda ctx: (), check=answers.check_typed,
                                content=Path(__file__).with_name("foreign.yaml"))
    NO_FILE = ExerciseKind(id="nofile", items=lambda ctx: (), check=answers.check_typed,
                           content=Path(__file__).with_name("missing.yaml"))
"""


def test_a_package_adds_a_kind_and_its_wording(fresh: None, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    install(tmp_path, "mood-kind", {"mood": "mood_kind:KIND"},
            {"mood_kind/__init__.py": GOOD,
             "mood_kind/mood.yaml": "ui:\n  mood.heading: How is it going?\n"}, monkeypatch)
    assert [k.id for k in registry.kinds()][-1] == "mood"
    assert registry.kinds()[:6] == tuple(registry.kind(i) for i in (
        "rating", "reflection", "priorities", "action_plan", "explorer", "rater_comment"))
    assert registry.problems() == ()
    c = content.get()
    assert c.text("mood.heading") == "How is it going?"
    assert answers.make("p" * 22, "mood.now", "fine").exercise == "mood"


@pytest.mark.parametrize(("name", "value", "text_id", "said"), [
    ("broken", "no_such_module:KIND", "kinds.problem.import",
     "importing no_such_module:KIND failed (ModuleNotFoundError"),
    ("broken", "mood_kind:NOT_A_KIND", "kinds.problem.not_a_kind",
     "is a str, not an ExerciseKind"),
    ("moody", "mood_kind:KIND", "kinds.problem.name",
     'has the id "mood", but its entry point must be named after its id'),
    ("rating", "mood_kind:RATING_AGAIN", "kinds.problem.duplicate",
     'the id "rating" is taken already, by trace-workbook (rating)'),
    ("unlabelled", "mood_kind:NO_LABEL", "kinds.problem.invalid",
     "is optional but has no label"),
    ("bad", "mood_kind:BAD_ID", "kinds.problem.invalid", "'Bad Id' is not a kind id"),
    ("foreign", "mood_kind:FOREIGN_TEXT", "kinds.problem.invalid",
     """the text id 'mood.heading' must begin with "foreign.\""""),
    ("nofile", "mood_kind:NO_FILE", "kinds.problem.invalid",
     "missing.yaml:1: (top level): file is missing"),
])
def test_a_broken_kind_is_left_out_and_said_so(
        fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, name: str, value: str, text_id: str, said: str
        ) -> None:
    install(tmp_path, "broken-kind", {name: value, "mood": "mood_kind:KIND"},
            {"mood_kind/__init__.py": GOOD,
             "mood_kind/mood.yaml": "ui:\n  mood.heading: How is it going?\n",
             "mood_kind/foreign.yaml": "ui:\n  mood.heading: Not mine\n"}, monkeypatch)
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        ids = [k.id for k in registry.kinds()]
    # The workbook runs on: every other kind is there, content loads, answers are checked.
    assert ids == ["rating", "reflection", "priorities", "action_plan", "explorer",
                   "rater_comment", "mood"]
    assert answers.make("p" * 22, "task.self.s1", 4).value == 4
    assert content.get().text("mood.heading") == "How is it going?"
    (problem,) = registry.problems()
    assert (problem.package, problem.entry_point, problem.value, problem.text_id) == (
        "broken-kind", name, value, text_id)
    message = str(problem)
    assert message.startswith(f'The exercise kind "{name}" from the package broken-kind was ')
    assert said in message
    assert [r.getMessage() for r in caplog.records] == [message]


def test_a_kind_registered_twice_is_refused_with_both_names(fresh: None) -> None:
    registry.kinds()
    with pytest.raises(registry.KindError, match=r"'priorities' is already registered \(by "
                                                 r"trace-workbook \(priorities\)\)"):
        registry.register(registry.ExerciseKind(id="priorities", items=lambda c: (),
                                                check=answers.check_typed))
    assert registry.register(registry.kind("rating")) is registry.kind("rating")  # same: fine
