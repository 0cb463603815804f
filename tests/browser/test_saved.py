"""Saved means saved: what the page calls saved survives a killed server, a stopped
PostgreSQL and a locked SQLite file, and nothing is kept twice."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from trace_widgets import content
from trace_widgets.store import open_store

from ..servers import VoilaServer, free_port, run_voila
from .conftest import Offline, new_context
from .journey_steps import (
    CHOICES,
    open_app,
    rating_group,
    rating_value,
    selected_label,
    statement_ids,
    wait_all_saved,
)

pytestmark = pytest.mark.browser

SPACE = "team"
SKIP_POSTGRES = os.environ.get("TRACE_TEST_SKIP_POSTGRES") == "1"


# -- a PostgreSQL server that a test can stop and start again ----------------------------


@dataclass
class Postgres:
    bindir: Path
    data: Path
    root: Path
    port: int
    as_pg: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://trace@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        # Durable settings (the defaults): this server is stopped and started for real.
        subprocess.run([*self.as_pg, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o",
                        f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1",
                        "-l", str(self.root / "server.log"), "-w", "-t", "60", "start"],
                       check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self.as_pg, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", mode, "-w", "stop"], check=False, capture_output=True)


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    if SKIP_POSTGRES:
        pytest.skip("TRACE_TEST_SKIP_POSTGRES=1: PostgreSQL tests skipped")
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    on_path = shutil.which("initdb")
    if not found and not on_path:
        pytest.fail("PostgreSQL is not installed (no initdb)", pytrace=False)
    initdb = found[-1] if found else Path(str(on_path))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="trace-pg-faults-"))
    if as_pg:
        shutil.chown(root, "postgres", "postgres")
    server = Postgres(initdb.parent, root / "data", root, free_port(), as_pg)
    subprocess.run([*as_pg, str(initdb), "-D", str(server.data), "-A", "trust", "-U", "trace",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    server.start()
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


# -- helpers -------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (kernels run in sessions of their own)."""
    parents: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (proc / "stat").read_text()
                parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        todo += children
    return found


def kill_hard(server: VoilaServer) -> None:
    """SIGKILL the server's whole process group, and every kernel under it: nothing gets
    the chance to finish a save."""
    under = descendants(server.process.pid)
    os.killpg(server.process.pid, signal.SIGKILL)
    for pid in under:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=30)


def start_workbook(page: Page, url: str) -> str:
    open_app(page, url)
    page.locator(".trace-consent-agree input").check()
    page.locator("button.trace-start").click()
    code = page.locator(".trace-workbook-code input")
    expect(code).not_to_have_value("", timeout=60_000)
    token = code.input_value()
    page.locator(f"button.trace-nav-{SPACE}").click()
    expect(page.locator(f".trace-step-{SPACE} fieldset.trace-rating").first).to_be_visible(
        timeout=60_000)
    return token


def rate_fast(page: Page, choices: dict[str, int]) -> list[str]:
    """Click every choice in one go, as fast as the browser can, waiting for nothing; return
    what each statement said right after its click."""
    return list(page.evaluate("""(choices) => {
        const said = [];
        for (const [item, n] of Object.entries(choices)) {
            const group = document.querySelector(
                'fieldset.trace-rating-' + item.replaceAll('.', '-'));
            group.querySelectorAll('input[type=radio]')[n].click();
            said.push(group.querySelector('.trace-rating-status').textContent);
        }
        return said;
    }""", choices))


def stored(url: str, token: str) -> tuple[dict[str, object], int, int]:
    """The current value of each item, the number of rows, and of distinct answers."""
    with open_store(url) as store:
        history = store.history(token)
    distinct = len(history.drop_duplicates(["item", "at"]))
    latest = history.drop_duplicates("item", keep="last")  # rows come oldest first
    return dict(zip(latest["item"], latest["value"], strict=True)), len(history), distinct


def shown_saved(page: Page, items: list[str]) -> dict[str, int | None]:
    """What the page shows as saved, statement by statement (a value per statement)."""
    saved = content.get().text("rating.status.saved")
    out: dict[str, int | None] = {}
    for item in items:
        if rating_group(page, item).locator(".trace-rating-status").inner_text() == saved:
            out[item] = rating_value(selected_label(page, item))
    return out


def spread(items: list[str], shift: int = 0) -> dict[str, int]:
    return {item: (i + shift) % len(CHOICES) for i, item in enumerate(items)}


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_everything_shown_saved_survives_sigkill(browser: Browser, offline: Offline,
                                                 tmp_path: Path, backend: str,
                                                 request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}" if backend == "sqlite" \
        else request.getfixturevalue("postgres").url
    items = statement_ids(SPACE)
    choices = spread(items)
    context = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with run_voila(tmp_path, env={"TRACE_STORE": url}) as server:
        token = start_workbook(page, server.app())
        # Each statement says "not saved yet" from the moment it is clicked ...
        unsaved = content.get().text("rating.status.unsaved")
        assert rate_fast(page, choices) == [unsaved] * len(items)
        # ... and "Saved" once the store holds it. Then the server dies at once.
        wait_all_saved(page, items)
        kill_hard(server)
    context.close()

    values, _, _ = stored(url, token)
    expected = {item: rating_value(CHOICES[n]) for item, n in choices.items()}
    assert {i: values.get(i, "missing") for i in items} == expected

    # The same store, a new server: the resume link finds every rating, saved.
    again = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = again.new_page()
    (tmp_path / "again").mkdir(exist_ok=True)
    with run_voila(tmp_path / "again", env={"TRACE_STORE": url}) as server:
        open_app(page, server.app(f"p={token}&step={SPACE}"))
        wait_all_saved(page, items)
        assert shown_saved(page, items) == expected
    again.close()


@pytest.mark.postgres
def test_postgres_stopped_mid_session_then_back(browser: Browser, offline: Offline,
                                               tmp_path: Path, postgres: Postgres) -> None:
    c = content.get()
    items = statement_ids(SPACE)
    context = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with run_voila(tmp_path, env={"TRACE_STORE": postgres.url}) as server:
        token = start_workbook(page, server.app())
        rate_fast(page, spread(items))
        wait_all_saved(page, items)
        area = page.locator(f".trace-step-{SPACE} .trace-reflection textarea").first
        expect(area).to_be_visible(timeout=60_000)

        postgres.stop()
        changed = items[:4]
        rate_fast(page, spread(changed, shift=2))
        text = "Written while the database was down."
        area.fill(text)
        retrying = c.text("rating.status.retrying")
        for item in changed:
            expect(rating_group(page, item).locator(".trace-rating-status")).to_have_text(
                retrying, timeout=60_000)
        reflection = page.locator(f".trace-step-{SPACE} .trace-reflection-exercise "
                                  ".trace-save-message").first
        expect(reflection).to_have_text(c.text("save.failed"), timeout=60_000)
        expect(area).to_have_value(text)  # the learner's words stay on the page

        postgres.start()
        wait_all_saved(page, items, timeout=90_000)  # retried on its own
        expect(reflection).to_have_text(c.text("save.saved"), timeout=90_000)
        expect(area).to_have_value(text)
        expected = {**{i: rating_value(CHOICES[n]) for i, n in spread(items).items()},
                    **{i: rating_value(CHOICES[n]) for i, n in spread(changed, 2).items()}}
        assert shown_saved(page, items) == expected

        # A restart of the server: the resume link finds everything the page called saved.
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=60)
    context.close()

    values, rows, distinct = stored(postgres.url, token)
    assert {i: values.get(i, "missing") for i in items} == expected
    assert text in values.values()
    assert rows == distinct == len(items) + len(changed) + 1  # no answer kept twice

    again = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = again.new_page()
    (tmp_path / "again").mkdir(exist_ok=True)
    with run_voila(tmp_path / "again", env={"TRACE_STORE": postgres.url}) as server:
        open_app(page, server.app(f"p={token}&step={SPACE}"))
        wait_all_saved(page, items)
        assert shown_saved(page, items) == expected
        # The changed ratings moved the lowest condition: the answered question stays shown.
        page.wait_for_function(
            "([css, t]) => [...document.querySelectorAll(css)].some((a) => a.value === t)",
            arg=[f".trace-step-{SPACE} .trace-reflection textarea", text], timeout=30_000)
    again.close()


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # hold the lock until told to let go
conn.execute("ROLLBACK")
"""


def test_sqlite_locked_by_another_process_then_free(browser: Browser, offline: Offline,
                                                    tmp_path: Path) -> None:
    c = content.get()
    path = tmp_path / "store.sqlite3"
    url = f"sqlite:///{path}"
    items = statement_ids(SPACE)
    context = new_context(browser, offline, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with run_voila(tmp_path, env={"TRACE_STORE": url}) as server:
        token = start_workbook(page, server.app())
        first, held = items[:3], items[3:6]
        choices = spread(items)
        rate_fast(page, {i: choices[i] for i in first})
        wait_all_saved(page, first)
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert locker.stdout is not None
            assert locker.stdout.readline().strip() == "locked"
            rate_fast(page, {i: choices[i] for i in held})
            for item in held:  # the store waits for the lock, gives up, and says so
                expect(rating_group(page, item).locator(".trace-rating-status")).to_have_text(
                    c.text("rating.status.retrying"), timeout=90_000)
        finally:
            assert locker.stdin is not None
            locker.stdin.write("\n")
            locker.stdin.close()
            locker.wait(timeout=30)
        wait_all_saved(page, first + held, timeout=90_000)
        kill_hard(server)
    context.close()
    values, rows, distinct = stored(url, token)
    assert {i: values.get(i, "missing") for i in first + held} == {
        i: rating_value(CHOICES[choices[i]]) for i in first + held}
    assert rows == distinct == len(first + held)
