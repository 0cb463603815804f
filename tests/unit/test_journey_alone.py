"""A numbered notebook on its own (JupyterLab or one Voila page): its header, its links, its
styles, answers from other notebooks, and the reflection prompts' timing."""

from __future__ import annotations

import os
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from trace_widgets import _style, content
from trace_widgets._browser import Shown
from trace_widgets.exercises.reflection import lowest_and_highest
from trace_widgets.journey import Journey
from trace_widgets.journey._app import notebook_file
from trace_widgets.journey._remember import _path
from trace_widgets.store import Store, open_store


def _walk(widget: object) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _walk(child)
    return found


def texts(widget: object) -> str:
    """Every text shown, as a learner reads it (HTML entities undone)."""
    return unescape(" ".join(str(getattr(w, "value", "")) for w in _walk(widget)))


def start(journey: Journey) -> None:
    view = journey.start.view
    next(w for w in _walk(view) if "trace-consent-agree" in w._dom_classes).value = True
    next(w for w in _walk(view) if "trace-start" in w._dom_classes).click()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as s:
        yield s


def statements(space: str) -> list[str]:
    c = content.get()
    return [s.id for e in c.elements for s in c.cell(e.id, space).statements]


def test_a_space_notebook_counts_its_own_statements_and_links_its_neighbours(
        store: Store) -> None:
    journey = Journey(store, steps=("start", "self"), single="self", lab=True)
    journey.open({"step": "self"})
    assert journey.current == "start"
    start(journey)
    assert journey.current == "self"  # it goes on to its own step once the workbook is open
    ids = statements("self")
    assert journey.progress.value == content.ui(
        "journey.progress.single_space", name="Self", rated=0, statements=len(ids))
    journey.session.store.save(journey.session.token or "", {ids[0]: 4, ids[1]: None})
    journey.session.reload()
    journey._update_chrome()
    assert f"2 of {len(ids)}" in journey.progress.value
    assert "Step" not in journey.progress.value
    assert "spaces" not in journey.progress.value
    # No step list or Back/Next buttons, but links to the notebooks before and after.
    assert journey.nav not in _walk(journey.view)
    assert journey.next not in _walk(journey.view)
    assert 'href="00_start.ipynb"' in journey.links_html
    assert 'href="02_team.ipynb"' in journey.links_html
    assert content.ui("journey.links.next", name="Team") in journey.links_html
    assert "02_team" not in texts(journey.view)


def test_in_voila_the_links_carry_the_workbook_code(store: Store) -> None:
    journey = Journey(store, steps=("start", "plan"), single="plan")
    journey.open({})
    start(journey)
    token = journey.session.token
    assert f'href="04_system.ipynb?p={token}"' in journey.links_html
    assert "Next" not in journey.links_html  # the plan is the last notebook
    assert journey.progress.value == content.ui("journey.progress.single_plan", done=0,
                                                spaces=4)


def test_jupyterlab_gets_the_stylesheet_scoped_and_no_reloading_link(store: Store) -> None:
    journey = Journey(store, steps=("start",), single="start", lab=True)
    journey.open({})
    assert "trace-lab" in journey.page._dom_classes
    style = journey.page.children[0].value
    assert f":is({_style.SCOPE}, {_style.LINKS}) .trace-card" in style
    assert "body" not in style
    assert "#rendered_cells" not in style
    assert journey.address not in _walk(journey.page)  # JupyterLab's address is its own
    assert content.ui("journey.consent.where_lab") in texts(journey.view)
    start(journey)
    assert "trace-resume-link" not in texts(journey.view)
    assert content.ui("journey.open.keep_lab") in texts(journey.view)


def test_the_app_keeps_its_own_texts_and_link(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    assert content.ui("journey.consent.where") in texts(journey.view)
    start(journey)
    assert "trace-resume-link" in texts(journey.view)
    assert journey.page is journey.view


def test_a_rating_given_in_another_notebook_shows_when_this_one_is_shown_again(
        store: Store) -> None:
    plan = Journey(store, steps=("start", "plan"), single="plan", lab=True)
    plan.open({})
    start(plan)
    token = plan.session.token or ""
    before = plan.body.children[0]
    grid_before = texts(before)
    elsewhere = Journey(store, steps=("start", "self"), single="self", lab=True)
    elsewhere.open({"p": token, "step": "self"})
    c = content.get()
    ids = [s.id for s in c.cell("task", "self").statements]
    assert elsewhere.current == "self"
    store.save(token, dict.fromkeys(ids, 5))  # as the Self notebook's rating does
    shown = next(w for w in _walk(plan.page) if isinstance(w, Shown))
    shown._on_shown()
    assert texts(plan.body.children[0]) != grid_before
    assert plan.session.value(ids[0]) == 5
    assert plan.session.reload() is False  # nothing new the second time


def test_prompts_come_once_there_is_a_lowest_and_a_highest() -> None:
    cells = pd.DataFrame({"element": ["task", "route", "alignment", "capability", "energy"],
                          "space": ["self"] * 5,
                          "score": [None, 2.0, None, 4.5, None]})
    assert lowest_and_highest(cells, "self") == ("route", "capability")
    assert lowest_and_highest(cells.assign(score=[None, 2.0, None, None, None]), "self") is None


def test_notebook_files_follow_the_steps() -> None:
    assert notebook_file("start") == "00_start.ipynb"
    assert notebook_file("plan") == "05_plan.ipynb"
    for name in ("start", "self", "team", "organisation", "system", "plan"):
        assert (Path(__file__).parents[2] / "notebooks" / notebook_file(name)).exists()


def test_scoping_keeps_every_rule_inside_the_workbook() -> None:
    scope = f":is({_style.SCOPE}, {_style.LINKS})"
    css = _style.lab_css()
    heads = [h.strip() for h in (r.split("{")[0] for r in css.split("}")) if h.strip()]
    assert len(heads) > 20
    for head in heads:
        if head.startswith("@"):
            continue
        selectors = head.replace(scope, "SCOPE").split(",")
        assert all(s.strip().startswith("SCOPE") for s in selectors), head


def test_tests_never_touch_the_real_user_folders() -> None:
    home = Path.home()
    assert not _path().is_relative_to(home / ".local")
    for name in ("XDG_DATA_HOME", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        assert "trace-test-home-" in os.environ[name]


def test_a_learner_mostly_not_sure_about_one_condition_still_gets_the_questions(
        store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey)
    token = journey.session.token or ""
    c = content.get()
    values: dict[str, object] = {}
    for i, e in enumerate(c.elements):
        for n, s in enumerate(c.cell(e.id, "team").statements):
            # Task: "not sure" to all but one statement, so it has no score.
            values[s.id] = None if e.id == "task" and n else 1 + i % 5
    store.save(token, values)
    journey.session.reload()
    journey.go("team")
    assert "trace-reflection" in " ".join(
        cls for w in _walk(journey.body) for cls in getattr(w, "_dom_classes", ()))
