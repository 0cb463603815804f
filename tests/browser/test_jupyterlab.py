"""The journey's notebooks in a real JupyterLab: what a learner sees, the links between the
notebooks, ratings carried from one notebook to another, and axe on the workbook's parts."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from trace_widgets import content, scoring
from trace_widgets.store import open_store

from ..servers import Lab, run_jupyterlab
from .conftest import Offline, new_context
from .journey_steps import SCALE, rate, statement_ids

pytestmark = pytest.mark.browser

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# The workbook's parts of a notebook: its widgets, its links and the notebook's own words.
# JupyterLab's own toolbars and panels are JupyterLab's to keep accessible.
WORKBOOK = {"include": [[".jp-OutputArea-output"], [".jp-MarkdownOutput"]]}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with run_jupyterlab(tmp_path_factory.mktemp("lab")) as server:
        yield server


def run_all(page: Page) -> None:
    """Run every cell of the notebook in front, as a learner does from the Run menu."""
    expect(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")).to_be_visible(
        timeout=60_000)
    # Only once the notebook's kernel runs (the status bar names it, idle): before that, Run
    # All would run nothing.
    expect(page.locator("#jp-main-statusbar")).to_contain_text(
        re.compile(r"Python 3 \(ipykernel\) \| Idle"), timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def front(page: Page) -> object:
    """The notebook panel JupyterLab shows now."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def axe_violations(page: Page) -> str:
    results = Axe().run(page, context=WORKBOOK,
                        options={"runOnly": {"type": "tag", "values": WCAG}})
    return "" if results.violations_count == 0 else results.generate_report()


def plan_cell(page: Page, space: str, element: str) -> str:
    """The plan's grid table cell of ``element`` in ``space``, as text."""
    c = content.get()
    table = front(page).locator(".trace-step-plan .trace-table").first  # type: ignore[attr-defined]
    row = table.locator("tr", has=page.locator("th", has_text=c.element(element).name))
    columns = [t.strip() for t in table.locator("thead th").all_inner_texts()]
    return str(row.locator("td").nth(columns.index(c.space(space).name) - 1).inner_text())


def wait_until_stored(store_url: str, token: str, values: dict[str, object]) -> None:
    """Wait (up to a minute) until the store holds ``values`` for ``token``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open_store(store_url) as store:
            saved = store.current(token).set_index("item")["value"].to_dict()
        if all(saved.get(k) == v for k, v in values.items()):
            return
        time.sleep(0.2)
    raise AssertionError(f"the store never held {values}")


def stored_score(store_url: str, token: str, element: str, space: str) -> float:
    with open_store(store_url) as store:
        cells = scoring.cell_scores(store.current(token))
    found = cells[(cells["element"] == element) & (cells["space"] == space)]["score"]
    return float(found.iloc[0])


def test_start_self_and_plan_in_jupyterlab(lab: Lab, browser: Browser, offline: Offline
                                          ) -> None:
    context = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # JupyterLab may ask which kernel to start (the notebook names python3): take its choice.
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    page.add_locator_handler(dialog, lambda d: d.locator("button.jp-mod-accept").click())
    c = content.get()

    # 00_start: the workbook with its own styles, no Python object under it, texts for here.
    page.goto(f"{lab.url}/lab/tree/00_start.ipynb")
    run_all(page)
    expect(page.locator(".trace-lab .trace-consent-agree")).to_be_visible(timeout=90_000)
    output = page.locator(".jp-OutputArea").first
    expect(output).not_to_contain_text("<trace_widgets")
    expect(output).not_to_contain_text("Journey at 0x")
    card = page.locator(".trace-lab .trace-card").first
    assert card.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    expect(page.locator(".trace-lab")).not_to_contain_text("the server that runs this app")
    assert axe_violations(page) == "", "00_start before a workbook"
    page.locator(".trace-consent-agree input").check()
    page.locator("button.trace-start").click()
    code = page.locator(".trace-workbook-code input")
    expect(code).not_to_have_value("", timeout=60_000)
    token = code.input_value()
    expect(page.locator(".trace-resume-link")).to_have_count(0)  # it would reload JupyterLab
    erase = page.locator("button.trace-erase")
    assert erase.evaluate("e => e.scrollWidth <= e.clientWidth"), "Erase button cut off"
    assert axe_violations(page) == "", "00_start with a workbook"

    # Next opens 01_self in JupyterLab itself: the page is not reloaded.
    page.evaluate("window.traceSamePage = true")
    page.locator("a.trace-next-link").click()
    expect(page.locator(".jp-DirListing-item.jp-mod-selected, .lm-TabBar-tab.lm-mod-current",
                        has_text="01_self")).to_have_count(1, timeout=30_000)
    assert page.evaluate("window.traceSamePage === true")

    # 01_self: the same workbook, its own progress, rate Task in the self space.
    run_all(page)
    mine = front(page)
    expect(mine.locator(".trace-step-self")).to_be_visible(timeout=90_000)  # type: ignore[attr-defined]
    ids = statement_ids("self")
    expect(mine.locator(".trace-progress")).to_have_text(  # type: ignore[attr-defined]
        content.ui("journey.progress.single_space", name="Self", rated=0,
                   statements=len(ids)))
    task = [s.id for s in c.cell("task", "self").statements]
    for item in task:
        rate(page, item, SCALE[4])
    expect(mine.locator(".trace-progress")).to_contain_text(  # type: ignore[attr-defined]
        f"{len(task)} of {len(ids)}", timeout=30_000)
    chart = mine.locator(".trace-chart").first  # type: ignore[attr-defined]
    assert chart.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "chart wider than page"
    assert axe_violations(page) == "", "01_self"

    # 05_plan, opened from the file browser: the grid has Self's Task score.
    page.locator(".jp-DirListing-item", has_text="05_plan").dblclick()
    run_all(page)
    plan = front(page)
    expect(plan.locator(".trace-step-plan .trace-table").first).to_be_visible(  # type: ignore[attr-defined]
        timeout=90_000)
    high = stored_score(lab.store, token, "task", "self")
    assert plan_cell(page, "self", "task") == f"{high:.1f}"
    assert axe_violations(page) == "", "05_plan"

    # A rating changed in 01_self shows in 05_plan when the learner comes back to it.
    page.locator(".lm-TabBar-tab", has_text="01_self").click()
    for item in task:
        rate(page, item, SCALE[0])
    wait_until_stored(lab.store, token, dict.fromkeys(task, 1))
    page.locator(".lm-TabBar-tab", has_text="05_plan").click()
    front(page).locator(".trace-step-plan").hover()  # type: ignore[attr-defined]
    low = stored_score(lab.store, token, "task", "self")
    assert low != high
    expect(front(page).locator(".trace-step-plan .trace-table").first).to_contain_text(  # type: ignore[attr-defined]
        f"{low:.1f}", timeout=30_000)
    assert plan_cell(page, "self", "task") == f"{low:.1f}"

    # On a phone (360 px), axe again on each notebook's workbook parts (the same scope:
    # JupyterLab's own chrome is JupyterLab's). Its file browser would fill the screen:
    # closed by its tab, as a learner would.
    page.set_viewport_size({"width": 360, "height": 780})
    browser_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if browser_tab.count():
        browser_tab.click()
    for name in ("00_start", "01_self", "05_plan"):
        page.locator(".lm-TabBar-tab", has_text=name).click()
        expect(front(page).locator(".trace-lab").first).to_be_visible()  # type: ignore[attr-defined]
        assert axe_violations(page) == "", f"{name} at 360 px"
    context.close()

    # The learner's copies are theirs; the committed notebooks were never opened.
    assert (lab.folder / "00_start.ipynb").exists()
