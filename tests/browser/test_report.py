"""The reports in a real Chromium: the HTML passes axe, and the journey's and the dashboard's
download buttons hand over a real file, by keyboard, with learner text as text."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect

from trace_widgets import content, demo, group, report, workshop
from trace_widgets._cli_workshop import fill_demo
from trace_widgets.store import open_store

from ..servers import VoilaServer
from .journey_steps import open_app
from .test_accessibility import axe_violations, filled_workbook, tab_to

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def learner_html() -> str:
    frame = demo.demo_answers(2, seed=5)
    mine = frame.loc[frame["participant"] == demo.participants(frame)[0]]
    return report.learner_report(mine, fmt="html", name=XSS).decode()


def group_html() -> str:
    summary = group.summarise(demo.demo_answers(12, seed=5), kind="team",
                              spaces=[s.id for s in content.spaces()], k=3, comment_k=5)
    return report.group_report(summary, title="Ward leads", code="K7MQ4P", fmt="html").decode()


@pytest.mark.parametrize("make", [learner_html, group_html], ids=["learner", "group"])
def test_the_html_reports_pass_axe_offline(page: Page, make: object) -> None:
    html = make()  # type: ignore[operator]
    page.set_content(html)
    expect(page.locator("h1")).to_have_count(1)
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("img").count() == 0  # the name was printed, not made an image
    assert axe_violations(page) == ""
    # Printed on A4, no chart is cut in two.
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.querySelector('figure'))"
                         ".breakInside") == "avoid"


def test_the_plan_step_downloads_the_pdf_by_keyboard(voila: VoilaServer, page: Page,
                                                     tmp_path: Path) -> None:
    c = content.get()
    token = filled_workbook(voila.store)
    with open_store(voila.store) as store:
        store.save(token, {c.cell("task", "self").prompts[1].id: f"Mine {XSS}"})
    open_app(page, voila.app(f"p={token}&step=plan"))
    expect(page.locator(".trace-step-plan")).to_be_visible(timeout=30_000)
    label = c.text("report.download.pdf")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == label)
    with page.expect_download(timeout=60_000) as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == c.text("report.file.learner", ext="pdf")
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    reader = pypdf.PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert f"Mine {XSS}" in text
    assert "Agree our purpose." in text
    expect(page.locator(".trace-download-status").first).to_have_text(
        c.text("report.download.ready"))


def test_the_dashboard_downloads_the_group_report(voila: VoilaServer, page: Page,
                                                  tmp_path: Path) -> None:
    c = content.get()
    with open_store(voila.store) as store:
        found, key = workshop.open_workshop(store, "Report room", "team", ["team"])
        fill_demo(store, found, participants=5)
    page.goto(voila.page("coach.ipynb", f"w={found.code}&k={key}"))
    expect(page.locator(".trace-coach-grid")).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=c.text("report.download.group_html")).click()
    assert download.value.suggested_filename == c.text("report.file.group", code=found.code,
                                                       ext="html")
    saved = tmp_path / "group.html"
    download.value.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    assert "Group report: Report room" in html
    assert key not in html
