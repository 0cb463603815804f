"""The bundled content is complete and well formed; malformed content fails clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from trace_widgets import content, settings
from trace_widgets._schema import AA_TEXT, contrast_on_white
from trace_widgets.content import ContentError

ELEMENTS = ["task", "route", "alignment", "capability", "energy"]
SPACES = ["self", "team", "organisation", "system"]


@pytest.fixture(scope="module")
def bundled() -> content.Content:
    return content.load()


def test_model_has_five_elements_and_four_spaces(bundled: content.Content) -> None:
    assert [e.id for e in bundled.elements] == ELEMENTS
    assert [s.id for s in bundled.spaces] == SPACES
    assert bundled.element("task").name == "Task"
    assert content.element("energy").name == "Energy"


@pytest.mark.parametrize("element", ELEMENTS)
@pytest.mark.parametrize("space", SPACES)
def test_every_cell_has_prompts_and_statements(bundled: content.Content, element: str,
                                               space: str) -> None:
    cell = bundled.cell(element, space)
    assert len(cell.statements) >= 3
    assert len(cell.prompts) >= 3
    assert {p.kind for p in cell.prompts} == {"notice", "understand", "act"}
    assert cell.facilitation
    for s in cell.statements:
        assert s.id.startswith(f"{element}.{space}.")
        assert 8 <= len(s.text.split()) <= 20, s.text
    for p in (*cell.prompts, *cell.facilitation):
        assert p.text.endswith("?"), p.text


def test_ids_are_unique(bundled: content.Content) -> None:
    ids = [s.id for _, s in bundled.statements()]
    ids += [p.id for c in bundled.cells.values() for p in (*c.prompts, *c.facilitation)]
    assert len(ids) == len(set(ids))


def test_about_a_third_of_statements_are_reverse_worded(bundled: content.Content) -> None:
    flags = [s.reverse for _, s in bundled.statements()]
    assert 0.25 <= sum(flags) / len(flags) <= 0.4
    for c in bundled.cells.values():
        assert any(s.reverse for s in c.statements), f"{c.element}/{c.space} has no reverse item"


def test_scale_is_one_to_five_with_labels(bundled: content.Content) -> None:
    assert [p.value for p in bundled.scale.points] == [1, 2, 3, 4, 5]
    assert bundled.scale.label(1) == "Strongly disagree"
    assert bundled.scale.not_sure


def test_model_is_attributed_with_a_link(bundled: content.Content) -> None:
    assert "Kaleidoscope Health" in bundled.about.attribution
    assert bundled.about.source_url.startswith("https://")


def test_items_cover_every_answerable_thing(bundled: content.Content) -> None:
    spec = bundled.item("task.self.s1")
    assert (spec.exercise, spec.kind, spec.element, spec.space) == ("rating", "rating", "task",
                                                                   "self")
    assert bundled.item("priorities.team").kind == "choice"
    assert bundled.item("plan.1.when").kind == "date"
    with pytest.raises(KeyError, match="unknown item"):
        bundled.item("nope")


def test_ui_text_is_looked_up_and_filled(bundled: content.Content) -> None:
    assert "TRACE" in bundled.text("app.title")
    assert "x.org" in bundled.text("start.source_link", source="x.org")
    with pytest.raises(KeyError, match="unknown UI text"):
        bundled.text("no.such.key")


def test_loaded_once_and_cached() -> None:
    assert content.get() is content.get()


# Malformed content: each case names the file and the key.


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(content.data_dir(), target)
    return target


def edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_copy_loads(copy: Path) -> None:
    assert len(content.load(copy).cells) == 20


def test_bad_yaml_names_the_file_and_line(copy: Path) -> None:
    (copy / "model.yaml").write_text("about: [unclosed\n")
    with pytest.raises(ContentError, match=r"model\.yaml:2: \(yaml\): not valid YAML"):
        content.load(copy)


def test_missing_file_is_named(copy: Path) -> None:
    (copy / "ui.yaml").unlink()
    with pytest.raises(ContentError, match=r"/ui\.yaml:1: \(top level\): file is missing"):
        content.load(copy)


def test_missing_cell_is_named(copy: Path) -> None:
    edit(copy / "cells" / "team.yaml", lambda d: d["cells"].pop(1))
    with pytest.raises(ContentError, match=r"cells:1: cells: the cell route/team is missing"):
        content.load(copy)


def test_duplicate_id_names_both_places(copy: Path) -> None:
    def dup(d: dict) -> None:
        d["cells"][0]["statements"][1]["id"] = d["cells"][0]["statements"][0]["id"]
    edit(copy / "cells" / "self.yaml", dup)
    with pytest.raises(ContentError,
                       match=r"self\.yaml:\d+: cells\.0\.statements\.1\.id: duplicate id"):
        content.load(copy)


def test_unknown_element_is_named(copy: Path) -> None:
    edit(copy / "cells" / "system.yaml", lambda d: d["cells"][2].update(element="vision"))
    with pytest.raises(ContentError, match=r"system\.yaml:\d+: cells\.2\.element: unknown element"):
        content.load(copy)


def test_wrong_scale_is_named(copy: Path) -> None:
    edit(copy / "model.yaml", lambda d: d["scale"]["points"].pop(2))  # 1, 2, 4, 5: a gap
    with pytest.raises(ContentError, match=r"model\.yaml:\d+: scale\.points:.*rise by one"):
        content.load(copy)


def test_a_changed_model_scale_is_a_new_version_of_every_instrument_on_it(copy: Path) -> None:
    edit(copy / "model.yaml", lambda d: d["scale"]["points"].pop())  # 1-4: a scale, not 1-5
    with pytest.raises(ContentError) as caught:
        content.load(copy)
    assert sorted(p.file.parent.name for p in caught.value.problems) == [
        "leader", "pulse", "trace"]
    assert all(p.key == "version" and "scale of model.yaml" in p.message
               for p in caught.value.problems)


def test_too_few_statements_is_named(copy: Path) -> None:
    edit(copy / "cells" / "organisation.yaml",
         lambda d: d["cells"][0].update(statements=d["cells"][0]["statements"][:2]))
    with pytest.raises(ContentError, match=r"organisation\.yaml:\d+: cells\.0\.statements: "):
        content.load(copy)


def test_unknown_key_is_named(copy: Path) -> None:
    edit(copy / "model.yaml", lambda d: d["elements"][0].update(shade="red"))
    with pytest.raises(ContentError, match=r"model\.yaml:\d+: elements\.0\.shade: Extra inputs"):
        content.load(copy)


@pytest.mark.parametrize(("colour", "why"), [("red", "pattern"), ("#E69F00", "pattern"),
                                             ("#e69f00", "contrast on white")])
def test_a_condition_colour_must_be_readable_text(copy: Path, colour: str, why: str) -> None:
    # Okabe-Ito's orange is 2.2:1 on white: fine for a bar, too light for a heading.
    edit(copy / "model.yaml", lambda d: d["elements"][1].update(colour=colour))
    with pytest.raises(ContentError, match=rf"model\.yaml:\d+: elements\.1\.colour:.*{why}"):
        content.load(copy)


def test_every_condition_has_its_own_aa_colour() -> None:
    colours = [e.colour for e in content.get().elements]
    assert len(set(colours)) == len(colours) == 5
    assert min(contrast_on_white(c) for c in colours) >= AA_TEXT


def test_content_dir_setting_points_at_other_content(copy: Path) -> None:
    edit(copy / "model.yaml", lambda d: d["elements"][0].update(name="Purpose"))
    before = settings.get()
    settings.use(before.with_(content_dir=str(copy)))
    try:
        assert content.element("task").name == "Purpose"
    finally:
        settings.use(before)
    assert content.element("task").name == "Task"


def test_ui_texts_merge_from_several_files(copy: Path) -> None:
    (copy / "ui_extra.yaml").write_text("ui:\n  extra.hello: Hello\n")
    assert content.load(copy).text("extra.hello") == "Hello"
    (copy / "ui_more.yaml").write_text("ui:\n  app.title: Again\n")
    with pytest.raises(ContentError, match=r"ui_more\.yaml:2: ui\.app\.title: duplicate id"):
        content.load(copy)
