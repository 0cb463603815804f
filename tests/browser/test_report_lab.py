"""In JupyterLab, the plan notebook's report button downloads the PDF, by keyboard."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Browser, expect

from trace_widgets import content
from trace_widgets.store import open_store

from .conftest import Offline, _wait_until_up, free_port, new_context
from .test_accessibility import filled_workbook

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@contextlib.contextmanager
def jupyterlab(tmp: Path, store: str, token: str) -> Iterator[str]:
    """JupyterLab on a free port, in folders of its own, with ``token`` as the open workbook
    (as 00_start would have remembered it)."""
    data = tmp / "xdg"
    (data / "trace-workbook").mkdir(parents=True)
    (data / "trace-workbook" / "open-workbooks.json").write_text(json.dumps({store: token}))
    notebooks = tmp / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    port = free_port()
    env = {**os.environ, "TRACE_STORE": store, "XDG_DATA_HOME": str(data),
           "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_DATA_DIR": str(tmp / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    log = tmp / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
             f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=",
             "--ServerApp.password=", f"--ServerApp.root_dir={notebooks}"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/lab", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def test_the_report_downloads_in_jupyterlab_by_keyboard(browser: Browser, tmp_path: Path
                                                        ) -> None:
    c = content.get()
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    token = filled_workbook(store)
    with open_store(store) as s:
        s.save(token, {c.cell("task", "self").prompts[1].id: f"Lab {XSS}"})
    offline = Offline()
    with jupyterlab(tmp_path, store, token) as url:
        context = new_context(browser, offline, accept_downloads=True,
                              viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/lab/tree/05_plan.ipynb")
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
