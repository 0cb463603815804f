"""A kind from another package: installed into a fresh environment, found by its entry point,
answered in Chromium, saved, and there again after a reload."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from trace_widgets import content
from trace_widgets.store import open_store

from ..servers import run_voila
from .conftest import Offline, new_context
from .journey_steps import open_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trace-importance"
OWN = yaml.safe_load((EXAMPLE / "trace_importance" / "importance.yaml").read_text("utf-8"))
"""The kind's own wording: this environment does not have the kind, so content lacks it."""


def say(text_id: str) -> str:
    return str(OWN["ui"][text_id])


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new virtual environment with only the example installed in it (offline, editable).

    The workbook and its dependencies come from this environment's site-packages, which the
    new one adds with ``site.addsitedir`` (so their own .pth files, the workbook's editable
    install among them, are read too); the example's entry point exists only in the new one.
    """
    env = tmp_path_factory.mktemp("fresh-env")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True,
                   timeout=120)
    python = str(env / "bin" / "python")
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", where], check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(site, "_trace_workbook_deps.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n", encoding="utf-8")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "-e", str(EXAMPLE)], check=True, timeout=300)
    return python


def test_the_kind_is_installed_only_in_the_new_environment(fresh_python: str) -> None:
    """Its own tests pass there: the entry point finds it, checks, wording, the part."""
    ask = ("from trace_widgets.exercises import registry; "
           "print([k.id for k in registry.kinds()], registry.problems())")
    found = subprocess.run([fresh_python, "-c", ask], check=True, capture_output=True,
                           text=True, timeout=120).stdout.strip()
    assert found == ("['rating', 'reflection', 'priorities', 'action_plan', 'explorer', "
                     "'rater_comment', 'importance'] ()")
    own_tests = subprocess.run([fresh_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                               cwd=EXAMPLE, capture_output=True, text=True, timeout=300,
                               check=False)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:]
    assert " passed" in own_tests.stdout


JOURNEY = """\
# Placed by a journey, as a researcher places any exercise: a start, then a plan step that
# holds the new kind (its place is "plan").
journey:
  id: default
  label: journey.name.default
  steps:
    - type: start
      label: journey.step.start
    - type: plan
      label: journey.step.plan
      exercises: [importance]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A content folder: the bundled one with a journey that places the new kind."""
    data = tmp_path / "data"
    shutil.copytree(content.data_dir(), data)
    (data / "journeys" / "default.yaml").write_text(JOURNEY, encoding="utf-8")
    return data


def choose(page: Page, element: str, level: str) -> None:
    page.locator(f".trace-importance-{element}").get_by_label(
        say(f"importance.level.{level}"), exact=True).check()


def test_a_learner_answers_the_new_kind_and_finds_it_after_a_reload(
        fresh_python: str, folder: Path, browser: Browser, offline: Offline, tmp_path: Path
        ) -> None:
    # Voila's templates are in this environment's Jupyter data folder, not the new one's.
    jupyter = str(Path(sys.prefix, "share", "jupyter"))
    with run_voila(tmp_path, python=fresh_python,
                   env={"TRACE_CONTENT_DIR": str(folder), "JUPYTER_PATH": jupyter}) as server:
        context = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)  # a first page on a loaded machine
        open_app(page, server.app())
        page.locator(".trace-consent-agree input").check()
        page.locator("button.trace-start").click()
        code = page.locator(".trace-workbook-code input")
        expect(code).not_to_have_value("", timeout=60_000)
        token = code.input_value()
        expect(page).to_have_url(re.compile(f"[?&]p={token}"))  # the resume link

        page.locator("button.trace-nav-plan").click()
        exercise = page.locator(".trace-step-plan .trace-importance")
        expect(exercise).to_be_visible(timeout=30_000)
        expect(page.locator(".trace-step-plan h2").filter(
            has_text=say("importance.heading"))).to_have_count(1)
        choose(page, "task", "most")
        choose(page, "energy", "later")
        expect(exercise.locator(".trace-importance-status")).to_have_text(
            content.get().text("save.saved"), timeout=30_000)
        context.close()

        # The store holds them as the kind's answers. "Saved" may still be the first
        # choice's while the second is on its way, so give the second a moment.
        for _ in range(60):
            with open_store(server.store) as store:
                saved = store.current(token).set_index("item")
            if "importance.energy" in saved.index:
                break
            time.sleep(0.5)
        assert saved.loc["importance.task", "value"] == "most"
        assert saved.loc["importance.energy", "value"] == "later"
        assert set(saved.loc[["importance.task", "importance.energy"], "exercise"]) == {
            "importance"}
        assert "importance.route" not in saved.index

        # A new browser opens the resume link: the choices are there, and no others.
        again = new_context(browser, offline, viewport={"width": 1280, "height": 900})
        page = again.new_page()
        page.set_default_navigation_timeout(120_000)
        open_app(page, server.app(f"p={token}&step=plan"))
        expect(page.locator(".trace-step-plan .trace-importance")).to_be_visible(timeout=60_000)
        for element, level in (("task", "most"), ("energy", "later")):
            expect(page.locator(f".trace-importance-{element}").get_by_label(
                say(f"importance.level.{level}"), exact=True)).to_be_checked()
        expect(page.locator(".trace-importance-route input:checked")).to_have_count(0)
        again.close()
