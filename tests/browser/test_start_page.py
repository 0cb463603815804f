"""The app serves the model from content, offline (every non-loopback request refused)."""

from __future__ import annotations

import html
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from trace_widgets import content

from ..servers import VoilaServer

pytestmark = pytest.mark.browser


def test_app_lists_elements_and_spaces_offline(voila: VoilaServer, page: Page) -> None:
    page.goto(voila.app())
    overview = page.locator(".trace-overview")
    expect(overview).to_be_visible(timeout=60_000)
    for e in content.elements():
        expect(overview.locator(f'[data-element="{e.id}"]')).to_contain_text(e.name)
    for s in content.spaces():
        expect(overview.locator(f'[data-space="{s.id}"]')).to_contain_text(s.name)
    expect(overview.get_by_role("link")).to_have_attribute(
        "href", content.get().about.source_url
    )


def test_first_words_are_in_the_page_and_give_way_to_the_widgets(voila: VoilaServer,
                                                                  page: Page) -> None:
    """The start step's heading and introduction are in the page as sent (painted before any
    script runs), and hidden once the widgets have drawn the same words."""
    c = content.get()
    with urllib.request.urlopen(voila.app(), timeout=60) as response:
        sent = response.read().decode()
    first = sent[sent.index('<div id="trace-first-paint"'):]
    assert html.escape(c.text("journey.start.intro")) in first[:first.index("</div></div>")]
    page.goto(voila.app())
    expect(page.locator(".trace-step-start").get_by_text(c.text("journey.start.intro"))
           ).to_be_visible(timeout=60_000)
    expect(page.locator("#trace-first-paint")).to_be_hidden()


def test_other_pages_keep_the_spinner(voila: VoilaServer) -> None:
    with urllib.request.urlopen(voila.page("coach.ipynb"), timeout=60) as response:
        sent = response.read().decode()
    assert "trace-first-paint" not in sent
    assert 'id="loading"' in sent
