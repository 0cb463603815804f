"""In JupyterLab, the plan notebook's report button downloads the PDF, by keyboard."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Browser, expect

from trace_widgets import content
from trace_widgets.store import open_store

from ..servers import run_jupyterlab
from .conftest import Offline, new_context
from .test_accessibility import filled_workbook

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def test_the_report_downloads_in_jupyterlab_by_keyboard(browser: Browser, tmp_path: Path
                                                        ) -> None:
    c = content.get()
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    token = filled_workbook(store)
    with open_store(store) as s:
        s.save(token, {c.cell("task", "self").prompts[1].id: f"Lab {XSS}"})
    offline = Offline()
    with run_jupyterlab(tmp_path, open_workbooks={store: token}) as lab:
        context = new_context(browser, offline, accept_downloads=True,
                              viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{lab.url}/lab/tree/05_plan.ipynb")
        expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=120_000)
        # The kernel has started and is waiting: running now runs every cell, once.
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=120_000)
        page.get_by_role("menuitem", name="Run").click()
        page.get_by_text("Run All Cells", exact=True).click()
        button = page.get_by_role("button", name=c.text("report.download.pdf"))
        try:
            expect(button).to_be_visible(timeout=180_000)
        except AssertionError:
            page.screenshot(path=str(tmp_path / "lab.png"))
            raise
        button.focus()
        with page.expect_download(timeout=120_000) as download:
            page.keyboard.press("Enter")
        saved = tmp_path / "report.pdf"
        download.value.save_as(saved)
        context.close()
    reader = pypdf.PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert f"Lab {XSS}" in text
    assert offline.refused == []
