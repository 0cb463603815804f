"""Take the JupyterLab screenshots in docs/: 00_start, 01_self and 05_plan at 1280 and 360 px,
in a real JupyterLab on a free port with folders of its own and a filled-in workbook.

Run: .venv/bin/python docs/make_lab_screenshots.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))

from make_screenshots import fill  # noqa: E402

from tests.servers import CHROMIUM, CHROMIUM_FLAGS, run_jupyterlab  # noqa: E402

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
    tmp = Path(tempfile.mkdtemp(prefix="trace-lab-shots-"))
    store = f"sqlite:///{tmp / 'store.sqlite3'}"
    token = fill(store)
    with run_jupyterlab(tmp, open_workbooks={store: token}) as lab, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
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
                page.goto(f"{lab.url}/lab/tree/{name}.ipynb?reset")
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


if __name__ == "__main__":
    main()
