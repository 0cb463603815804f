"""What the Voila screenshot scripts share: a new store filled for the pictures, the app
serving it (as the browser tests serve it), Chromium, and a picture of one part of a page."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import CHROMIUM, CHROMIUM_FLAGS, VoilaServer, run_voila  # noqa: E402

DOCS = ROOT / "docs"
T = TypeVar("T")


@contextlib.contextmanager
def app_and_browser(fill: Callable[[str], T]) -> Iterator[tuple[VoilaServer, Browser, T]]:
    """A new SQLite store, what ``fill`` (given its URL) made in it, ``trace-workbook serve``
    on it with its default pool, and Chromium."""
    tmp = Path(tempfile.mkdtemp(prefix="trace-shots-"))
    store = f"sqlite:///{tmp / 'store.sqlite3'}"
    os.environ["TRACE_STORE"] = store
    filled = fill(store)
    with run_voila(tmp, pool_size=None, cwd=ROOT) as voila, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield voila, browser, filled
        browser.close()


def shot(page: Page, selector: str, path: Path) -> None:
    """A picture of the first ``selector`` on the page, once its drawing has settled."""
    target = page.locator(selector).first
    target.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    target.screenshot(path=path)
