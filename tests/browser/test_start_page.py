"""The app serves the model from content, offline (every non-loopback request refused)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from trace_widgets import content

from .conftest import VoilaServer

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
