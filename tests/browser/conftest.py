"""A real Voila server and a real Chromium, with every non-loopback request refused."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = os.environ.get("TRACE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class VoilaServer:
    url: str
    store: str
    process: subprocess.Popen[bytes]
    log: Path

    def app(self, query: str = "") -> str:
        return f"{self.url}/voila/render/app.ipynb" + (f"?{query}" if query else "")

    def page(self, notebook: str, query: str = "") -> str:
        return f"{self.url}/voila/render/{notebook}" + (f"?{query}" if query else "")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voila exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as answered:
            if answered.code == 404:  # the app's server answers 404 at /: it serves only the app
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"Voila did not answer within {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def run_voila(tmp: Path, *, pool_size: int = 1, env: dict[str, str] | None = None,
              python: str = sys.executable) -> Iterator[VoilaServer]:
    """Start ``trace-workbook serve`` on a free port with its own SQLite store (with
    ``python``, the interpreter of another environment if given)."""
    port = free_port()
    store = f"sqlite:///{tmp / 'store.sqlite3'}"
    log = tmp / "voila.log"
    child_env = {**os.environ, "TRACE_STORE": store, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [python, "-m", "trace_widgets.cli", "serve", "--port", str(port),
             "--pool-size", str(pool_size)],
            stdout=out, stderr=subprocess.STDOUT, env=child_env, start_new_session=True,
        )
    server = VoilaServer(f"http://127.0.0.1:{port}", store, process, log)
    try:
        _wait_until_up(server.url + "/", process, log)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


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
