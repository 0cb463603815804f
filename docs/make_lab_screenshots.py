"""Take the JupyterLab screenshots in docs/: 00_start, 01_self and 05_plan at 1280 and 360 px,
in a real JupyterLab on a free port with folders of its own and a filled-in workbook.

Run: .venv/bin/python docs/make_lab_screenshots.py
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "docs"))

from _harness import CHROMIUM_FLAGS, free_port, wait_up  # noqa: E402
from make_screenshots import fill  # noqa: E402

NOTEBOOKS = {"00_start": ".trace-workbook-code", "01_self": ".trace-chart",
             "05_plan": ".trace-step-plan .trace-chart"}


def run_all(page: Page) -> None:
    expect(page.locator("#jp-main-statusbar")).to_contain_text(
        re.compile(r"\| Idle"), timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def narrow(page: Page) -> None:
    """On a phone the file browser would fill the screen: close it, as a learner would, by
    its tab in the left bar, so the notebook has the width."""
    tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_be_visible(timeout=120_000)
    tab.click()
    expect(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")).to_be_visible()


def main() -> None:
    from trace_widgets._cli_notebooks import copy_notebooks  # noqa: PLC0415

    tmp = Path(tempfile.mkdtemp(prefix="trace-lab-shots-"))
    folder = tmp / "notebooks"
    copy_notebooks(folder)
    store = f"sqlite:///{tmp / 'store.sqlite3'}"
    env = {**os.environ, "TRACE_STORE": store}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "JUPYTER_CONFIG_DIR",
                 "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        (tmp / name.lower()).mkdir()
        env[name] = str(tmp / name.lower())
    token = fill(store)
    kept = tmp / "xdg_data_home" / "trace-workbook"
    kept.mkdir(parents=True)
    (kept / "open-workbooks.json").write_text(json.dumps({store: token}))
    port = free_port()
    with (tmp / "lab.log").open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
             f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=",
             "--ServerApp.password=", f"--ServerApp.root_dir={folder}",
             "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_up(f"http://127.0.0.1:{port}/api/status")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=CHROMIUM_FLAGS)
            for width, height in ((1280, 900), (360, 780)):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
                page.add_locator_handler(
                    dialog, lambda d: d.locator("button.jp-mod-accept").click())
                # JupyterLab asks whether to fetch its news: no (we are offline anyway).
                news = page.locator(".jp-Notification-Toast, .Toastify__toast").filter(
                    has_text="Would you like to get notified about official")
                page.add_locator_handler(news, lambda n: n.get_by_role(
                    "button", name="No", exact=True).click())
                for name, target in NOTEBOOKS.items():
                    page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}.ipynb?reset")
                    if width < 600:
                        narrow(page)
                    run_all(page)
                    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
                    shown = page.locator(f"{panel} .trace-lab {target}").first
                    expect(shown).to_be_visible(timeout=120_000)
                    page.wait_for_timeout(800)
                    page.locator(".trace-lab").first.scroll_into_view_if_needed()
                    page.screenshot(path=ROOT / "docs" / f"lab-{name}-{width}.png")
                    if name == "01_self":
                        shown.scroll_into_view_if_needed()
                        page.screenshot(path=ROOT / "docs" / f"lab-{name}-chart-{width}.png")
                context.close()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
