"""The server serves only the app, with security headers on every response, and the app
works in Chromium under that Content-Security-Policy without one violation."""

from __future__ import annotations

import re
import socket
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from trace_widgets._voila_app import SECURITY_HEADERS

from ..servers import VoilaServer
from .journey_steps import open_app

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SERVED = ["app.ipynb", "coach.ipynb", *sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb"))]
NOT_SERVED = [
    "/", "/voila/tree", "/voila/tree/research.ipynb", "/voila/render/research.ipynb",
    "/voila/render/gallery.ipynb", "/voila/render/voila.json", "/voila/render/../README.md",
    "/voila/render/%2e%2e/pyproject.toml", "/voila/files/app.ipynb", "/voila/files/voila.json",
    "/voila/api/contents", "/voila/api/contents/app.ipynb", "/api/contents", "/login",
    "/tree", "/lab", "/api/kernels", "/api/sessions", "/api/kernelspecs", "/nosuch.html",
    "/voila/render/app.ipynb/../research.ipynb", "/voila/render/APP.ipynb",
]


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def assert_secure_headers(headers: dict[str, str], what: str) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        assert lower.get(name.lower()) == value, f"{what}: {name} is {lower.get(name.lower())}"
    csp = lower["content-security-policy"]
    assert "://" not in csp, f"{what}: the policy names another origin"
    assert "*" not in csp, f"{what}: the policy allows any origin"
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert lower["referrer-policy"] == "no-referrer"
    assert "server" not in lower, f"{what}: the server names itself"


@pytest.mark.parametrize("path", NOT_SERVED)
def test_only_the_app_is_served(voila: VoilaServer, path: str) -> None:
    status, headers, body = fetch(voila.url + path)
    assert status == 404, f"{path} gave {status}"
    assert_secure_headers(headers, path)
    assert "Page not found" in body
    assert "Traceback" not in body
    assert "tornado" not in body.lower()
    assert "research" not in body
    assert "<script" not in body


def test_the_app_pages_are_served_with_the_headers(voila: VoilaServer) -> None:
    for notebook in SERVED:
        status, headers, html = fetch(voila.page(notebook))
        assert status == 200, notebook
        assert_secure_headers(headers, notebook)
    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', html)
    assert kernel
    statics = re.findall(r'(?:src|href)="(/voila/(?:static|templates|labextensions)/[^"?]+)',
                         html)
    assert len(statics) >= 2
    for path in [*statics, f"/api/kernels/{kernel.group(1)}", "/voila/api/themes/"]:
        status, headers, _ = fetch(voila.url + path)
        assert status < 500, path
        assert_secure_headers(headers, path)
    # A method the app never uses on a page: still the headers, no traceback.
    status, headers, body = fetch(voila.page("app.ipynb"), method="DELETE")
    assert status in (403, 404, 405)
    assert_secure_headers(headers, "DELETE page")
    assert "Traceback" not in body
    # The websocket upgrade to the page's kernel carries them too.
    where = urlsplit(voila.url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as conn:
        key = b64encode(b"0123456789abcdef").decode()
        conn.sendall((f"GET /api/kernels/{kernel.group(1)}/channels HTTP/1.1\r\n"
                      f"Host: {where.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += conn.recv(4096)
    head = answer.split(b"\r\n\r\n")[0].decode()
    assert head.startswith("HTTP/1.1 101"), head
    upgrade = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    assert_secure_headers(upgrade, "websocket upgrade")


def _watch_csp(page: Page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.add_init_script("window.__csp = []; document.addEventListener("
                         "'securitypolicyviolation', e => window.__csp.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    return messages


def test_journey_and_coach_work_under_the_policy(voila: VoilaServer, page: Page) -> None:
    errors = _watch_csp(page)
    open_app(page, voila.app())
    expect(page.locator(".trace-overview a[href^='https:']").first).to_be_attached()
    outside = page.evaluate("() => [...document.querySelectorAll('a[href]')]"
                            ".filter(a => a.origin !== location.origin && a.protocol !== 'data:')"
                            ".map(a => [a.href, a.rel])")
    for href, rel in outside:
        assert {"noopener", "noreferrer"} <= set(rel.split()), f"{href} has rel={rel!r}"
    page.locator(".trace-consent-agree input").check()
    page.locator("button.trace-start").click()
    expect(page.locator(".trace-workbook-code input")).not_to_have_value("", timeout=30_000)
    page.locator("button.trace-nav-self").click()
    expect(page.locator(".trace-step-self .trace-chart svg")).to_be_visible(timeout=30_000)
    page.locator(".trace-step-self fieldset.trace-rating").first.locator(
        "input[type=radio]").nth(2).check()
    expect(page.locator(".trace-step-self .trace-save-message").first).to_have_text(
        "Saved", timeout=30_000)
    assert page.evaluate("window.__csp") == []
    page.goto(voila.page("coach.ipynb"))
    expect(page.locator(".trace-coach-new")).to_be_visible(timeout=60_000)
    page.locator(".trace-coach-title input").fill("Policy check")
    page.locator(".trace-coach-space-team input").check()
    page.locator("button.trace-coach-open-new").click()
    expect(page.locator(".trace-coach-new-code")).to_be_visible(timeout=20_000)
    page.locator("button.trace-coach-go").click()
    expect(page.locator(".trace-coach-grid")).to_be_visible(timeout=20_000)
    assert page.evaluate("window.__csp") == []
    assert not [e for e in errors if "Content Security Policy" in e], errors
