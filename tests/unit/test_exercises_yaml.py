"""Exercises as YAML (``exercises/*.yaml``): instances of a kind, the pulse journey, and a
journey per workshop (the store, the CLI, the coach's form and the journey app follow it)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.content_copy import edit
from trace_widgets import cli, content, settings, workshop
from trace_widgets.answers import AnswerError
from trace_widgets.coach._forms import NewWorkshopForm
from trace_widgets.journey import Journey
from trace_widgets.store import open_store

STRENGTHS: dict[str, Any] = {"exercise": {
    "id": "strengths", "kind": "reflection", "label": "study.label",
    "heading": "study.heading",
    "settings": {"element": "capability", "prompts": [
        {"id": "used", "text": "Which capability did you rely on in {space}?"},
        {"id": "grow", "text": "What would grow your {element} in {space}?"}]},
}}
WORDS = {"ui": {"study.label": "Strengths", "study.heading": "Your capabilities here"}}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(content.data_dir(), target)
    (target / "ui_study.yaml").write_text(yaml.safe_dump(WORDS), encoding="utf-8")
    return target


@pytest.fixture
def use_content(copy: Path) -> Iterator[Path]:
    before = settings.get()
    settings.use(before.with_(content_dir=str(copy)))
    content._cached.cache_clear()
    yield copy
    settings.use(before)
    content._cached.cache_clear()


def write(copy: Path, doc: dict[str, Any], name: str = "strengths") -> Path:
    path = copy / "exercises" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def strengths(**change: Any) -> dict[str, Any]:
    doc = yaml.safe_load(yaml.safe_dump(STRENGTHS))
    for key, value in change.items():
        target = doc["exercise"]
        *path, last = key.split("__")
        for k in path:
            target = target[int(k)] if k.isdigit() else target[k]
        target[last] = value
    return doc


def problem(copy: Path, capsys: pytest.CaptureFixture[str], path: Path) -> str:
    """The one line ``content check`` prints about ``path`` (and that it fails)."""
    assert cli.main(["content", "check", str(copy)]) == 1
    out = capsys.readouterr().out.splitlines()
    hits = [o for o in out if o.startswith(f"{path}:")]
    assert len(hits) == 1, out
    return hits[0]


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- the bundled ones ---------------------------------------------------------------------


def test_the_pulse_is_a_yaml_exercise_its_journey_places() -> None:
    c = content.get()
    pulse = c.exercise("pulse_rating")
    assert (pulse.of, pulse.rates, pulse.place, pulse.optional) == ("rating", "pulse",
                                                                     "space", False)
    j = c.journey("pulse")
    assert j.step_ids == ("start", "self", "team", "organisation", "system", "plan")
    assert {j.step(s).exercises for s in j.spaces} == {("pulse_rating",)}
    assert j.step("plan").exercises == ("action_plan",)
    # The default journey is today's app, unchanged.
    assert {c.journey().step(s).exercises for s in c.journey().spaces} == {
        ("rating", "reflection")}


def test_a_learner_follows_the_pulse_and_it_scores_apart() -> None:
    with open_store("sqlite://") as s:
        j = Journey(s)
        j.open({"j": "pulse"})
        c = content.get()
        # The start step says what the pulse is, and each space how long it takes.
        shown = " ".join(getattr(w, "value", "") for w in j.start.view.children)
        assert "one statement for each condition in each of the four spaces" in shown
        assert c.text("journey.start.intro")[:30] not in shown
        j.session.start()
        j._opened(go_on=False)
        j.go("team")
        step = j._built["team"].step
        assert any(c.text("journey.pulse.space_time") in getattr(w, "value", "")
                   for w in step.view.children)
        part = step.parts[0]
        items = part.view.state.items()
        assert items == tuple(f"pulse.{e.id}.team" for e in content.elements())
        for item in items:
            part.view.choose(item, 3)
        assert "5 of 5 statements rated" in j.progress.value
        saved = s.current(j.session.token or "")
        assert set(saved["instrument"]) == {"pulse"}
        assert set(saved["exercise"]) == {"rating"}
        # The step's profile is the pulse's, never pooled with the full instrument.
        assert step.instrument == "pulse"
        assert step._cells()["score"].notna().sum() == 5
        assert "j=pulse" in j.address.query


# -- a researcher's own ----------------------------------------------------------------------


def test_a_prompt_set_is_an_exercise_of_its_own(use_content: Path) -> None:
    write(use_content, STRENGTHS)
    c = content.get()
    ex = c.exercise("strengths")
    assert (ex.of, ex.place, ex.optional, ex.heading) == ("reflection", "space", True,
                                                          "study.heading")
    assert "strengths" in c.workshop_exercises
    assert c.item("strengths.team.grow").element == "capability"
    assert c.item("strengths.team.grow").exercise == "strengths"
    assert len([i for i in c.items if i.startswith("strengths.")]) == 2 * len(c.spaces)


def test_a_prompt_set_in_a_journey_saves_and_comes_back(use_content: Path) -> None:
    write(use_content, STRENGTHS)
    edit(use_content / "journeys" / "default.yaml", lambda d: d["journey"]["steps"][2].update(
        exercises=["rating", "strengths"]))
    with open_store("sqlite://") as s:
        j = Journey(s)
        token = j.session.start()
        j._opened(go_on=False)
        j.go("team")
        part = j._built["team"].step.parts[1]
        assert [f.area.description for f in part.fields] == [
            "Which capability did you rely on in Team?",
            "What would grow your Capability in Team?"]
        part.fields[1].area.value = "Asking for help."
        part.flush()
        assert s.current(token).set_index("item").loc["strengths.team.grow", "value"] == (
            "Asking for help.")
        again = Journey(s)
        again.open({"p": token, "step": "team"})
        assert again._built["team"].step.parts[1].fields[1].area.value == "Asking for help."
        with pytest.raises(AnswerError):  # the store checks it as any text: not too long
            s.save(token, {"strengths.team.used": "x" * 100_000})


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"kind": "priorities"}, "exercise.kind", "takes no YAML exercises"),
    ({"kind": "nonesuch"}, "exercise.kind", "unknown exercise kind 'nonesuch'"),
    ({"id": "rating"}, "exercise.id", "is the id of an installed kind"),
    ({"label": "study.nonesuch"}, "exercise.label", "is not a UI text id"),
    ({"settings__element": "courage"}, "exercise.settings.element", "unknown element id"),
    ({"settings__prompts__1__text": "In {where}?"}, "exercise.settings.prompts.1.text",
     "may name only"),
    ({"settings__prompts__1__id": "used"}, "exercise.settings.prompts.1.id", "used twice"),
    ({"settings__colour": "red"}, "exercise.settings.colour", ""),
])
def test_content_check_names_file_line_and_key(
        copy: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], key: str,
        says: str) -> None:
    path = write(copy, strengths(**change))
    line = problem(copy, capsys, path)
    assert re.match(rf"{re.escape(str(path))}:\d+: {re.escape(key)}: ", line), line
    assert says in line
    last = key.rsplit(".", 1)[-1]
    number = int(line.split(":")[1])
    if not last.isdigit():
        assert last in path.read_text().splitlines()[number - 1] or last == "colour"


def test_a_rating_exercise_of_an_unknown_instrument(
        copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(copy, {"exercise": {"id": "quick", "kind": "rating",
                                     "settings": {"instrument": "nonesuch"}}}, "quick")
    line = problem(copy, capsys, path)
    assert f"{path}:{line_of(path, 'instrument:')}: exercise.settings.instrument: " in line
    assert "unknown instrument id 'nonesuch'; known: trace, leader, pulse" in line


def test_two_files_may_not_declare_one_exercise(
        copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(copy, STRENGTHS, "a")
    second = write(copy, STRENGTHS, "b")
    assert "declared in a.yaml too" in problem(copy, capsys, second)


def test_a_journey_names_its_intro_by_a_ui_text_id(
        copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy / "journeys" / "pulse.yaml"
    path.write_text(path.read_text().replace("journey.pulse.intro", "journey.pulse.nonesuch"))
    line = problem(copy, capsys, path)
    assert f"{path}:{line_of(path, 'intro:')}: journey.intro: " in line


def test_a_journey_may_not_place_an_unknown_exercise(
        copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy / "journeys" / "pulse.yaml"
    path.write_text(path.read_text().replace("[pulse_rating]", "[strengths]", 1))
    assert "unknown exercise id 'strengths'" in problem(copy, capsys, path)


# -- a journey per workshop ----------------------------------------------------------------


def test_a_workshop_keeps_its_journey_and_its_participants_follow_it() -> None:
    with open_store("sqlite://") as s:
        made, _ = workshop.open_workshop(s, "Quick check", "cohort", ["team", "self"],
                                         journey="pulse")
        assert s.workshop(made.code).journey == "pulse"
        assert workshop.journey_steps(made) == ("start", "self", "team", "plan")
        default, _ = workshop.open_workshop(s, "Full day", "cohort", ["team"])
        assert s.workshop(default.code).journey == "default"
        j = Journey(s)
        j.open({"w": made.code})
        assert j.definition.id == "pulse"  # the join link's start step is the pulse's
        assert "one statement for each condition" in " ".join(
            getattr(w, "value", "") for w in j.start.view.children)
        j.session.start(workshop=made.code)
        j._opened(go_on=False)
        assert j.definition.id == "pulse"
        assert j.steps == ("start", "self", "team", "plan")
        j.go("team")
        assert j._built["team"].step.instrument == "pulse"
        assert "j=" not in j.address.query  # a participant follows the workshop's


def test_a_workshop_refuses_an_unknown_journey_or_a_space_it_lacks(copy: Path) -> None:
    with open_store("sqlite://") as s:
        with pytest.raises(AnswerError) as refused:
            workshop.open_workshop(s, "X", "cohort", ["team"], journey="nonesuch")
        assert refused.value.field == "journey"
        assert "default, pulse" in str(refused.value)


def test_the_cli_opens_a_workshop_on_a_journey(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    assert cli.main(["workshop", "new", "--title", "Pulse", "--journey", "pulse",
                     "--store", url]) == 0
    out = capsys.readouterr().out
    assert "Journey: The pulse" in out
    assert "(pulse)" in out
    code = re.search(r"join code:\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    with open_store(url) as s:
        assert s.workshop(code).journey == "pulse"
    assert cli.main(["workshop", "new", "--title", "X", "--journey", "nonesuch",
                     "--store", url]) != 0
    assert "default, pulse" in capsys.readouterr().err


def test_the_coach_form_offers_the_journeys() -> None:
    with open_store("sqlite://") as s:
        opened: list[object] = []
        form = NewWorkshopForm(s, opened.append)
        assert [o[1] for o in form.journey.options] == ["default", "pulse"]
        assert form.journey in form.form.children
        form.title.value = "Pulse check"
        form.journey.value = "pulse"
        # The pulse's plan holds the action plan only: the other exercises are not offered.
        assert form.exercises["reflection"].layout.display == "none"
        assert form.exercises["action_plan"].layout.display == ""
        form.spaces["team"].value = True
        made = form.open()
        assert made is not None
        assert s.workshop(made.code).journey == "pulse"


def test_an_older_store_gains_the_journey_column(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect, text  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    with open_store(url) as s:
        workshop.open_workshop(s, "Before", "cohort", ["team"], code="OLD1")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE workshops DROP COLUMN journey"))
        conn.execute(text("UPDATE trace_schema SET version = 9"))
    engine.dispose()
    with open_store(url) as s:
        assert s.workshop("OLD1").journey == "default"
    engine = create_engine(url)
    assert "journey" in {c["name"] for c in inspect(engine).get_columns("workshops")}
    engine.dispose()


def test_the_report_has_a_grid_of_the_pulse_apart_from_the_full_one() -> None:
    from trace_widgets.report import learner_document  # noqa: PLC0415

    with open_store("sqlite://") as s:
        token = s.new_participant(consent=True)
        s.save(token, {"pulse.task.team": 5, "pulse.route.team": 2, "task.team.s1": 1})
        doc = learner_document(s.current(token))
    ids = [sec.id for sec in doc.sections]
    assert "grid-pulse" in ids
    assert "grid-leader" not in ids  # nobody rated the learner as a leader here
    pulse = doc.sections[ids.index("grid-pulse")]
    assert "TRACE pulse" in pulse.heading
    table = pulse.blocks[1].table  # type: ignore[attr-defined]
    shown = table.to_string() if hasattr(table, "to_string") else str(table)
    assert "5.0" in shown
    assert "2.0" in shown


def test_a_pulse_workshops_dashboard_scores_the_pulse() -> None:
    with open_store("sqlite://") as s:
        made, _ = workshop.open_workshop(s, "Pulse", "cohort", ["team"], journey="pulse")
        for n in range(3):
            token = s.new_participant(workshop=made.code, consent=True)
            s.save(token, {f"pulse.{e.id}.team": 2 + n for e in content.elements()})
        summary = workshop.group_summary(s, made, k=3)
    assert summary.progress.finished == 3  # five pulse statements make the space
    task = summary.grid.set_index(["element", "space"]).loc[("task", "team")]
    assert not task["withheld"]
    assert task["n"] == 3
    assert task["mean"] == pytest.approx(3.0)


def test_a_prompt_sets_answers_are_in_the_report_and_labelled_in_the_codebook(
        use_content: Path) -> None:
    from trace_widgets import research  # noqa: PLC0415
    from trace_widgets.report import learner_document  # noqa: PLC0415

    write(use_content, STRENGTHS)
    with open_store("sqlite://") as s:
        token = s.new_participant(consent=True)
        s.save(token, {"strengths.team.grow": "Asking for help."})
        doc = learner_document(s.current(token))
        reflections = next(sec for sec in doc.sections if sec.id == "reflections")
        shown = [getattr(b, "text", "") for b in reflections.blocks]
        assert "Your capabilities here" in shown
        said = [b for b in reflections.blocks if getattr(b, "text", None) == "Asking for help."]
        assert [b.label for b in said] == ["What would grow your Capability in Team?"]
        out = research.export(s, solo=True, include_text=True, k=1)
    book = out.codebook.set_index("name")
    assert book.loc["strengths.team.grow", "label"] == "What would grow your Capability in Team?"
    assert book.loc["strengths.team.grow", "exercise"] == "strengths"
