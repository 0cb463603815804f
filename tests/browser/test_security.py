"""The app shows no source and runs no code for a visitor; learner text never becomes HTML."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..servers import VoilaServer
from .journey_steps import open_app

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9a]*.ipynb"))


@pytest.mark.parametrize("notebook", [p.name for p in NOTEBOOKS])
def test_served_pages_hold_no_notebook_source(voila: VoilaServer, notebook: str) -> None:
    with urllib.request.urlopen(voila.page(notebook), timeout=120) as response:
        html = response.read().decode()
    assert "trace-journey" in html or "trace_widgets" not in html
    sources = json.loads((NOTEBOOKS[0].parent / notebook).read_text())["cells"]
    for cell in sources:
        if cell["cell_type"] == "code":
            for line in "".join(cell["source"]).splitlines():
                if line.strip():
                    assert line.strip() not in html, f"{notebook} shows its source: {line}"


def test_kernel_refuses_code_sent_from_the_browser(voila: VoilaServer, page: Page,
                                                  tmp_path: Path) -> None:
    open_app(page, voila.app())
    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page.content())
    assert kernel, "the page names its kernel"
    marker = tmp_path / "ran.txt"
    outcome = page.evaluate(
        """async ([kernel, code]) => {
            const url = location.origin.replace('http', 'ws') + `/api/kernels/${kernel}/channels`;
            const ws = new WebSocket(url);
            const replies = [];
            ws.onmessage = (e) => { try { replies.push(JSON.parse(e.data).header.msg_type); }
                                    catch (_) { replies.push('binary'); } };
            await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
            const id = 'probe-' + Math.random();
            ws.send(JSON.stringify({
                header: {msg_id: id, msg_type: 'execute_request', username: 'x', session: 'x',
                         date: new Date().toISOString(), version: '5.3'},
                parent_header: {}, metadata: {}, channel: 'shell',
                content: {code, silent: false, store_history: false, user_expressions: {},
                          allow_stdin: false, stop_on_error: true}}));
            await new Promise((ok) => setTimeout(ok, 3000));
            ws.close();
            return replies;
        }""",
        [kernel.group(1), f"open({str(marker)!r}, 'w').write('ran')"],
    )
    assert "execute_reply" not in outcome
    assert "execute_input" not in outcome
    assert not marker.exists(), "the kernel ran code sent by the browser"


def test_learner_text_is_shown_as_text_never_as_html(voila: VoilaServer, page: Page) -> None:
    open_app(page, voila.app())
    page.locator(".trace-consent-agree input").check()
    page.locator(".trace-name input").fill('<img src=x onerror="window.hacked=1">')
    page.locator("button.trace-start").click()
    expect(page.locator(".trace-workbook-code input")).not_to_have_value("", timeout=20_000)
    page.locator("button.trace-nav-self").click()
    expect(page.locator(".trace-step-self")).to_be_visible(timeout=30_000)
    for i, group in enumerate(page.locator(".trace-step-self fieldset.trace-rating").all()):
        group.locator("input[type=radio]").nth(i % 5).check()
    area = page.locator(".trace-step-self .trace-reflection textarea").first
    expect(area).to_be_visible(timeout=30_000)
    area.fill("<script>window.hacked=2</script><b>bold?</b>")
    page.wait_for_timeout(1500)
    assert page.evaluate("() => window.hacked") is None
    assert page.locator(".trace-step-self b:text('bold?')").count() == 0
