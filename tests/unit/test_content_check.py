"""``trace-workbook content check``: every problem as ``file:line: key: message``, one test per
malformed case; ``content list``, ``content fingerprint`` and the shipped JSON Schemas."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from trace_widgets import _schema, cli, content, settings
from trace_widgets.exercises import registry


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(content.data_dir(), target)
    return target


def check(folder: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, list[str]]:
    code = cli.main(["content", "check", str(folder), *more])
    return code, capsys.readouterr().out.splitlines()


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based number of the first line at or after ``after`` that contains ``text``."""
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and text in line)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def only(out: list[str], path: Path) -> str:
    hits = [o for o in out if o.startswith(f"{path}:")]
    assert len(hits) == 1, out
    return hits[0]


def test_clean_content_exits_zero_with_one_line(capsys: pytest.CaptureFixture[str],
                                                copy: Path) -> None:
    code, out = check(copy, capsys)
    assert code == 0
    assert len(out) == 1
    assert re.fullmatch(rf"{re.escape(str(copy))}: no problems \(\d+ files, 3 instruments, "
                        r"105 statements\)", out[0])


def test_the_bundled_content_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["content", "check"]) == 0
    assert "no problems" in capsys.readouterr().out


def test_bad_yaml_syntax(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "raters.yaml"
    replace(path, "raters:", "raters: [unclosed")
    code, out = check(copy, capsys)
    assert code == 1
    line = only(out, path)
    assert re.match(rf"{re.escape(str(path))}:\d+: \(yaml\): not valid YAML: ", line)


def test_missing_key(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "cells" / "team.yaml"
    n = line_of(path, "- element: route")
    text = path.read_text().splitlines()
    looks = line_of(path, "looks_like:", after=n)
    del text[looks - 1: looks + 2]  # the key and its two folded lines
    path.write_text("\n".join(text) + "\n")
    code, out = check(copy, capsys)
    assert code == 1
    assert f"{path}:{n}: cells.1.looks_like: Field required" in out


def test_wrong_type(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "model.yaml"
    n = line_of(path, "max_choices:")
    text = path.read_text().splitlines()
    text[n - 1] = re.sub(r"max_choices: .*", "max_choices: many", text[n - 1])
    path.write_text("\n".join(text) + "\n")
    code, out = check(copy, capsys)
    assert code == 1
    assert only(out, path).startswith(f"{path}:{n}: priorities.max_choices: Input should be a "
                                      "valid integer")


def test_unknown_reference(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "instruments" / "pulse" / "instrument.yaml"
    replace(path, "from: task.team.s1", "from: task.team.s9")
    cells = copy / "cells" / "system.yaml"
    replace(cells, "- element: alignment", "- element: vision")
    code, out = check(copy, capsys)
    assert code == 1
    n = line_of(path, "task.team.s9")
    assert (f"{path}:{n}: statements.5.from: unknown statement id 'task.team.s9'; known: "
            "cells/*.yaml") in out
    m = line_of(cells, "- element: vision")
    assert only(out, cells).startswith(f"{cells}:{m}: cells.2.element: unknown element id "
                                       "'vision'; known: ")


def test_duplicate_id(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "cells" / "self.yaml"
    replace(path, "id: task.self.s2", "id: task.self.s1")
    code, out = check(copy, capsys)
    assert code == 1
    n = line_of(path, "id: task.self.s1", after=line_of(path, "id: task.self.s1"))
    assert (f"{path}:{n}: cells.0.statements.1.id: duplicate id 'task.self.s1' (first used in "
            "self.yaml cells.0.statements)") in out


def test_repeated_key_in_one_mapping(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "ui_extra.yaml"
    path.write_text("ui:\n  extra.hello: Hello\n  extra.bye: Bye\n  extra.hello: Hi\n")
    code, out = check(copy, capsys)
    assert code == 1
    assert only(out, path) == (f"{path}:4: extra.hello: the key 'extra.hello' is given twice "
                               "in one mapping (first at line 2); YAML keeps only the last")


def test_reworded_statement_names_the_line_and_says_what_to_do(
        capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "cells" / "team.yaml"
    old = "We agree who will do what before we leave a meeting."
    replace(path, old, "We agree who does what before a meeting ends.")
    code, out = check(copy, capsys)
    assert code == 1
    line = only(out, path)
    assert line.startswith(f"{path}:{line_of(path, 'who does what')}: "
                           "cells.1.statements.0.text: the wording (or reverse flag) of "
                           "'route.team.s1' differs from what trace version 1 recorded")
    assert "give the reworded statement a new id, raise the instrument's version" in line
    assert "trace-workbook content fingerprint" in line
    with pytest.raises(content.ContentError, match=r"route\.team\.s1"):
        content.load(copy)  # the app refuses it too: answers would lie about their wording


def test_a_statement_taken_into_a_short_form_is_checked_there_too(
        capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    replace(copy / "cells" / "self.yaml",
            "I can say in one sentence what my role is here to achieve.",
            "I can say in a sentence what my job is for.")
    code, out = check(copy, capsys)
    pulse = copy / "instruments" / "pulse" / "instrument.yaml"
    assert code == 1
    assert only(out, pulse).startswith(
        f"{pulse}:{line_of(pulse, 'pulse.task.self')}: statements.0.text: the wording (or "
        "reverse flag) of 'pulse.task.self' differs from what pulse version 1 recorded")


def test_reverse_item_not_marked(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "cells" / "self.yaml"
    n = line_of(path, "id: task.self.s2")
    replace(path, "        reverse: true\n", "")  # the first cell's only reverse item
    code, out = check(copy, capsys)
    assert code == 1
    assert (f"{path}:{line_of(path, 'statements:')}: cells.0.statements: the cell task/self "
            "has no reverse-worded statement") in " ".join(out)
    # The flag is part of the fingerprint: unmarking it under the same id is caught too.
    assert any(o.startswith(f"{path}:{n + 1}: cells.0.statements.1.text: the wording (or "
                            "reverse flag) of 'task.self.s2'") for o in out), out


def test_every_problem_is_printed(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    replace(copy / "model.yaml", "name: Task", "name: ''")
    replace(copy / "cells" / "system.yaml", "- element: alignment", "- element: vision")
    (copy / "ui_coach.yaml").write_text("ui: [nope\n")
    code, out = check(copy, capsys)
    assert code == 1
    files = {o.split(":", 1)[0] for o in out}
    assert files == {str(copy / "model.yaml"), str(copy / "cells" / "system.yaml"),
                     str(copy / "ui_coach.yaml")}
    assert all(re.match(r"^/.+:\d+: [^:]+: .+", o) for o in out), out
    assert capsys.readouterr().err == ""  # the summary went to stderr in check()


def test_missing_file(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    (copy / "raters.yaml").unlink()
    code, out = check(copy, capsys)
    assert code == 1
    assert out == [f"{copy / 'raters.yaml'}:1: (top level): file is missing"]


def test_an_instrument_changed_under_its_version(capsys: pytest.CaptureFixture[str],
                                                 copy: Path) -> None:
    path = copy / "instruments" / "pulse" / "instrument.yaml"
    path.write_text(path.read_text() + "  - {id: pulse.task.self.b, from: task.self.s4}\n")
    code, out = check(copy, capsys)
    assert code == 1
    assert only(out, path) == (
        f"{path}:{line_of(path, 'pulse.task.self.b')}: statements.20.id: 'pulse.task.self.b' is "
        "not in pulse version 1 as recorded: a changed instrument needs a new version (raise "
        "version in instrument.yaml, then run `trace-workbook content fingerprint` to record "
        "it)")
    # A new version: the app loads it (a draft), check says to record it, fingerprint does.
    replace(path, 'version: "1"', 'version: "2"')
    assert len(content.load(copy).instrument("pulse").statements()) == 21
    code, out = check(copy, capsys)
    assert code == 1
    assert "pulse version 2 has no recorded fingerprint yet" in only(out, path)
    assert cli.main(["content", "fingerprint", str(copy)]) == 0
    assert "recorded pulse version 2 (21 statements)" in capsys.readouterr().out
    recorded = yaml.safe_load((path.parent / "fingerprints.yaml").read_text())
    assert sorted(recorded["versions"]) == ["1", "2"]
    assert check(copy, capsys)[0] == 0
    assert cli.main(["content", "fingerprint", str(copy)]) == 0
    assert "already" in capsys.readouterr().out


def test_a_researchers_own_instrument(capsys: pytest.CaptureFixture[str], copy: Path,
                                      tmp_path: Path) -> None:
    own = tmp_path / "mine" / "focus"
    own.mkdir(parents=True)
    (own / "instrument.yaml").write_text(
        "id: focus\nversion: '0.1'\nname: Focus\ndescription: Two statements on the task.\n"
        "statements:\n"
        "  - {id: focus.task.team.1, element: task, space: team, text: We know why we meet.}\n"
        "  - {id: focus.task.team.2, element: task, space: team, reverse: true,\n"
        "     text: We lose sight of our goal.}\n"
        "  - {id: focus.x, element: task, space: moon, text: Out there.}\n")
    code, out = check(copy, capsys, "--instruments", str(tmp_path / "mine"))
    assert code == 1
    path = own / "instrument.yaml"
    assert (f"{path}:9: statements.2.space: unknown space id 'moon'; known: organisation, "
            "self, system, team") in out
    assert f"{path}:2: version: focus version 0.1 has no recorded fingerprint yet" in \
           " ".join(out)
    lines = path.read_text().splitlines()[:-1]
    path.write_text("\n".join(lines) + "\n")
    before = settings.get()
    settings.use(before.with_(instruments_dir=str(tmp_path / "mine")))
    try:
        focus = content.instrument("focus")
        assert (focus.version, len(focus.statements("task", "team"))) == ("0.1", 2)
        assert content.item("focus.task.team.2").instrument == "focus"
        assert cli.main(["content", "list"]) == 0
        assert "  focus 0.1 2  Focus" in capsys.readouterr().out.splitlines()
    finally:
        settings.use(before)
    assert "focus" not in content.get().instruments


def seven_points(indent: str = "") -> str:
    """A 7-point frequency scale as an instrument's ``scale:`` block."""
    words = ["Never", "Rarely", "Occasionally", "Sometimes", "Often", "Usually", "Always"]
    points = "".join(f"{indent}    - {{value: {n}, label: {w}}}\n"
                     for n, w in enumerate(words, start=1))
    return f"{indent}scale:\n{indent}  points:\n{points}{indent}  not_sure: Cannot say\n"


def test_a_malformed_instrument_scale(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "instruments" / "pulse" / "instrument.yaml"
    replace(path, "statements:\n", seven_points().replace("value: 4", "value: 9")
            .replace("label: Often", "label: Never").replace("  not_sure: Cannot say\n", "")
            + "statements:\n")
    code, out = check(copy, capsys)
    assert code == 1
    hits = [o for o in out if o.startswith(f"{path}:")]
    assert hits == [
        f"{path}:{line_of(path, 'scale:')}: scale.not_sure: Field required",
        (f"{path}:{line_of(path, 'points:')}: scale.points: Value error, the scale's points "
         "must be whole numbers that rise by one, in order (such as 1, 2, 3, 4, 5), from 2 to "
         "11 of them")], out
    replace(path, "value: 9", "value: 4")
    replace(path, "statements:\n", "  not_sure: Cannot say\nstatements:\n")
    code, out = check(copy, capsys)
    assert only(out, path) == (
        f"{path}:{line_of(path, 'points:')}: scale.points: Value error, two points of the "
        "scale have the label 'Never'")


def test_an_instruments_own_scale_is_recorded_with_its_version(
        capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    path = copy / "instruments" / "pulse" / "instrument.yaml"
    replace(path, "statements:\n", seven_points() + "statements:\n")
    code, out = check(copy, capsys)
    assert code == 1
    assert only(out, path) == (
        f"{path}:{line_of(path, 'scale:')}: scale: the rating scale of pulse (its own scale in "
        f"instrument.yaml) differs from the one version 1 recorded ({path.parent}/"
        "fingerprints.yaml). A different scale is a different instrument, whose answers cannot "
        "be pooled with the old ones: put the recorded scale back, or raise the instrument's "
        "version and run `trace-workbook content fingerprint` to record it")
    with pytest.raises(content.ContentError, match="rating scale of pulse"):
        content.load(copy)  # the app refuses it too: old answers would read as on the new one
    replace(path, 'version: "1"', 'version: "2"')
    assert cli.main(["content", "fingerprint", str(copy)]) == 0
    recorded = yaml.safe_load((path.parent / "fingerprints.yaml").read_text())["versions"]
    assert recorded["1"]["scale"] != recorded["2"]["scale"]
    assert check(copy, capsys)[0] == 0
    assert content.load(copy).scale_of("pulse").high == 7
    # A label reworded under the recorded version is caught as well.
    replace(path, "label: Rarely", "label: Seldom")
    assert "rating scale of pulse" in only(check(copy, capsys)[1], path)


def test_raters_answer_statements_on_the_main_scale(capsys: pytest.CaptureFixture[str],
                                                    copy: Path) -> None:
    path = copy / "instruments" / "leader" / "instrument.yaml"
    replace(path, 'version: "1"', 'version: "2"\n' + seven_points().rstrip("\n"))
    code, out = check(copy, capsys)
    raters = copy / "raters.yaml"
    assert code == 1
    assert only(out, raters) == (
        f"{raters}:{line_of(raters, 'instruments: {self: leader}')}: raters.instruments.self: "
        "raters answer 'leader' in the self space, where their scores are set beside the "
        "learner's own cell by cell: it must have the scale points of 'trace'")


def test_list_shows_the_kinds_left_out_and_why(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    left_out = registry.KindProblem("mood-kind", "mood", "mood_kind:KIND", "kinds.problem.import",
                                    "ModuleNotFoundError: No module named 'mood_kind'")
    monkeypatch.setattr(registry, "problems", lambda: (left_out,))
    assert cli.main(["content", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    heading = out.index(_schema.say("content.list.left_out"))
    assert out[heading + 1] == f"  {left_out}"
    assert "No module named 'mood_kind'" in out[heading + 1]
    assert out.index("Instruments (id, version, statements):") > heading


def test_list_says_nothing_of_kinds_left_out_when_there_are_none(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["content", "list"]) == 0
    assert _schema.say("content.list.left_out") not in capsys.readouterr().out


def test_list_and_fingerprint_print_the_problems_of_a_broken_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(content.data_dir(), copy)
    (copy / "raters.yaml").write_text("groups: [nope\n")
    for command in ("list", "fingerprint"):
        assert cli.main(["content", command, str(copy)]) == 1
        assert f"{copy / 'raters.yaml'}:" in capsys.readouterr().err


def test_list_shows_kinds_instruments_and_journeys(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["content", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  rating  (takes YAML exercises: exercises/*.yaml)" in out
    assert "  action_plan" in out
    assert out[out.index("Exercises declared in exercises/*.yaml (id, kind):") + 1] == (
        "  pulse_rating  rating")
    assert "  trace 1 80  TRACE diagnostic (full)  (the statements of cells/*.yaml)" in out
    assert "  pulse 1 20  TRACE pulse (short)" in out
    assert out[out.index("Journeys:") + 1].startswith(
        "  default  The TRACE journey: all four spaces, then your plan (start, self, team, ")
    assert out[out.index("Journeys:") + 2].startswith("  pulse  The pulse: ")


# -- the JSON Schemas ----------------------------------------------------------------------


def test_shipped_schemas_match_the_models() -> None:
    folder = content.data_dir() / "schemas"
    for name, text in _schema.json_schemas().items():
        shipped = (folder / name).read_text(encoding="utf-8") if (folder / name).is_file() else ""
        assert shipped == text, (
            f"{folder / name} is out of step with the pydantic models in _schema.py: run "
            f"`trace-workbook content schema --output {folder}` and commit the result")


def test_schema_check_command_fails_on_a_stale_schema(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    assert cli.main(["content", "schema", "--output", str(tmp_path)]) == 0
    assert cli.main(["content", "schema", "--output", str(tmp_path), "--check"]) == 0
    (tmp_path / "cells.schema.json").write_text("{}")
    assert cli.main(["content", "schema", "--output", str(tmp_path), "--check"]) == 1
    assert "cells.schema.json differs from the models" in capsys.readouterr().err


def schema_for(path: Path, root: Path) -> dict[str, object]:
    """The schema a data file names on its ``# yaml-language-server: $schema=`` line."""
    first = path.read_text().splitlines()[0]
    m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert m, f"{path} has no schema line"
    target = (path.parent / m.group(1)).resolve()
    assert target.is_relative_to(root.resolve())
    return json.loads(target.read_text())


def test_bundled_files_name_their_schema_and_follow_it() -> None:
    root = content.data_dir()
    files = [root / "model.yaml", root / "raters.yaml", root / "ui_content.yaml",
             *sorted((root / "journeys").glob("*.yaml")),
             *sorted((root / "exercises").glob("*.yaml")),
             *sorted((root / "cells").glob("*.yaml")),
             *sorted((root / "instruments").glob("*/*.yaml"))]
    for path in files:
        if path.name == "fingerprints.yaml":
            continue
        jsonschema.validate(yaml.safe_load(path.read_text()), schema_for(path, root))


def test_the_exercise_schema_offers_each_kinds_settings() -> None:
    """An editor autocompletes a YAML exercise's settings: a prompt set, or an instrument."""
    schema = json.loads((content.data_dir() / "schemas" / "exercise.schema.json").read_text())
    prompts = {"exercise": {"id": "x", "kind": "reflection", "settings": {
        "prompts": [{"id": "a", "text": "Why?"}]}}}
    jsonschema.validate(prompts, schema)
    prompts["exercise"]["settings"]["prompts"][0]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(prompts, schema)


def test_the_schema_catches_what_the_models_catch(copy: Path) -> None:
    schema = json.loads((copy / "schemas" / "model.schema.json").read_text())
    raw = yaml.safe_load((copy / "model.yaml").read_text())
    jsonschema.validate(raw, schema)
    raw["elements"][0]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError, match="colour"):
        jsonschema.validate(raw, schema)
