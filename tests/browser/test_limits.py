"""Limits, on a real server with a small kernel cap: a run of wrong coach keys is refused
with the same message as one wrong key, and a flood of visitors past the cap is told the
workbook is full while the server stays up and serves the journey afterwards."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from trace_widgets import _throttle, _voila_app, content, workshop
from trace_widgets.store import open_store

from ..servers import VoilaServer, run_voila
from .journey_steps import open_app

pytestmark = pytest.mark.browser

CAP = 6
FLOOD = 40
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VoilaServer, Path]]:
    tmp = tmp_path_factory.mktemp("limited")
    throttle = tmp / "throttle"
    throttle.mkdir(mode=0o700)
    with run_voila(tmp, pool_size=1, env={"TRACE_MAX_KERNELS": str(CAP),
                                          "TRACE_THROTTLE_DIR": str(throttle)}) as server:
        yield server, throttle


def _count(throttle: Path, table: str) -> int:
    with sqlite3.connect(throttle / _throttle.FILE) as conn:
        try:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        except sqlite3.OperationalError:  # no wrong code yet
            return 0


def _wait_count(throttle: Path, table: str, at_least: int, page: Page) -> None:
    deadline = time.monotonic() + 60
    while _count(throttle, table) < at_least:
        assert time.monotonic() < deadline, f"the server counted no {table} try"
        page.wait_for_timeout(100)


def test_a_run_of_wrong_keys_is_refused_with_the_message_of_one(
        limited: tuple[VoilaServer, Path], page: Page) -> None:
    server, throttle = limited
    with open_store(server.store) as s:
        w, key = workshop.open_workshop(s, "Guessing test", "cohort", ["team"])
    page.goto(server.page("coach.ipynb"))
    expect(page.locator(".trace-coach-open")).to_be_visible(timeout=60_000)
    page.locator(".trace-coach-open-code input").fill(w.code)
    message = page.locator(".trace-coach-open .trace-message")
    one_wrong = content.get().text("workshop.coach_denied")
    for n in range(_throttle.REFUSE_AT):
        page.locator(".trace-coach-open-key input").fill(f"WRONGKEY{n:02d}")
        page.locator("button.trace-coach-open-dashboard").click()
        _wait_count(throttle, "wrong", n + 1, page)
        expect(message).to_have_text(one_wrong)
    # Refused now: the right key is told exactly what a wrong key is told.
    page.locator(".trace-coach-open-key input").fill(key)
    page.locator("button.trace-coach-open-dashboard").click()
    _wait_count(throttle, "refused", 1, page)
    expect(message).to_have_text(one_wrong)
    expect(page.locator(".trace-coach-grid")).to_have_count(0)
    # The address (with the right key) is refused the same way, in a new page.
    page.goto(server.page("coach.ipynb", urlencode({"w": w.code, "k": key})))
    _wait_count(throttle, "refused", 2, page)
    expect(page.locator(".trace-coach-open .trace-message")).to_have_text(one_wrong,
                                                                          timeout=60_000)
    expect(page.locator(".trace-coach-grid")).to_have_count(0)
    # A header naming another client changes nothing: the server writes who the client is.
    seen = _run(visit(server.page("coach.ipynb", urlencode({"w": w.code, "k": key})),
                      headers={_voila_app.CLIENT_HEADER: "10.9.9.9",
                               "X-Forwarded-For": "10.9.9.9"}, wanted="trace-coach-open"))
    assert seen == (200, "trace-coach-open")
    _wait_count(throttle, "refused", 3, page)


def _run(coroutine: Any) -> Any:
    """Run ``coroutine`` on a loop of its own (Playwright's loop runs in this thread)."""
    with ThreadPoolExecutor(1) as own_loop:
        return own_loop.submit(asyncio.run, coroutine).result()


def _message(session: str, msg_type: str, content_: dict[str, Any],
             metadata: dict[str, Any] | None = None) -> str:
    header = {"msg_id": uuid.uuid4().hex, "username": "flood", "session": session,
              "msg_type": msg_type, "version": "5.3", "date": "2026-01-01T00:00:00Z"}
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {},
                       "content": content_, "channel": "shell", "buffers": []})


async def visit(url: str, *, headers: dict[str, str] | None = None,
                wanted: str = "trace-journey") -> tuple[int, str]:
    """A page without a browser (as benchmarks/_light_client.py): fetch it; when it has a
    kernel, ask for its widgets as the page does, then leave as a closing tab does (Voila's
    page shuts its kernel down). The status and what the visitor saw."""
    response = await AsyncHTTPClient().fetch(url, request_timeout=240, raise_error=False,
                                             headers=headers)
    body = response.body.decode()
    found = KERNEL_ID.search(body)
    if response.code != 200 or found is None:
        return response.code, body
    kernel, session = found.group(1), uuid.uuid4().hex
    cookies = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie")]
    where = urlsplit(url)
    socket = await websocket_connect(HTTPRequest(
        f"ws://{where.netloc}/api/kernels/{kernel}/channels?session_id={session}",
        headers={"Cookie": "; ".join(cookies)}, request_timeout=240))
    comm = uuid.uuid4().hex
    await socket.write_message(_message(session, "comm_open", {
        "comm_id": comm, "target_name": "jupyter.widget.control", "data": {}},
        {"version": "1.0.0"}))
    await socket.write_message(_message(session, "comm_msg", {
        "comm_id": comm, "data": {"method": "request_states"}}))
    seen = ""
    while True:
        raw = await asyncio.wait_for(socket.read_message(), 240)
        if raw is None:
            break
        if isinstance(raw, str) and '"update_states"' in raw:
            states = json.loads(raw)["content"]["data"]["states"].values()
            classes = {c for st in states for c in st.get("state", {}).get("_dom_classes", ())}
            seen = "dashboard" if "trace-coach-close" in classes else \
                wanted if wanted in classes else "other"
            break
    socket.close()
    xsrf = next((c.split("=", 1)[1] for c in cookies if c.startswith("_xsrf=")), "")
    await AsyncHTTPClient().fetch(
        f"http://{where.netloc}/voila/api/shutdown/{kernel}", method="POST",
        body=urlencode({"_xsrf": xsrf}),
        headers={"Cookie": "; ".join(cookies),
                 "Content-Type": "application/x-www-form-urlencoded"},
        raise_error=False)
    return response.code, seen


def test_a_flood_past_the_cap_is_told_the_workbook_is_full(
        limited: tuple[VoilaServer, Path], page: Page) -> None:
    server, _ = limited

    async def flood() -> list[tuple[int, str]]:
        return await asyncio.gather(*(visit(server.app()) for _ in range(FLOOD)))

    outcomes = _run(flood())
    full = [body for code, body in outcomes if code == 503]
    served = [seen for code, seen in outcomes if code == 200]
    assert len(full) + len(served) == FLOOD, [code for code, _ in outcomes]
    assert served, "nobody got in"
    assert len(served) <= CAP
    assert len(full) >= FLOOD - CAP
    c = content.get()
    for body in full:
        assert c.text("serve.full.title") in body
        assert c.text("serve.full.body").split(".")[0] in body
        assert "Traceback" not in body
    assert set(served) == {"trace-journey"}
    # The server is up and, once the flood has left, serves the journey to a visitor.
    assert server.process.poll() is None
    open_app(page, server.app())
    expect(page.locator(".trace-consent-agree")).to_be_visible()
    log = server.log.read_text()
    assert "kernel cap reached" in log
    assert "Traceback" not in log
