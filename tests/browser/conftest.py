"""A real Voila server and a real Chromium, with every non-loopback request refused."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from ..servers import CHROMIUM, CHROMIUM_FLAGS, VoilaServer, run_voila

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="session")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    with run_voila(tmp_path_factory.mktemp("voila")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@dataclass
class Offline:
    """Requests the page tried to make beyond this machine (each one refused)."""

    refused: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()


def new_context(browser: Browser, offline: Offline, **options: object) -> BrowserContext:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.route("**/*", offline.handle)
    context.set_default_timeout(30_000)
    return context


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def context(browser: Browser, offline: Offline) -> Iterator[BrowserContext]:
    ctx = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()
    assert offline.refused == [], f"the page tried to reach the internet: {offline.refused}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
