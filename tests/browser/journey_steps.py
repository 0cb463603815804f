"""What a learner does in the journey, as Playwright steps shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from trace_widgets import content

SPACES = [s.id for s in content.spaces()]
SCALE = [p.label for p in content.get().scale.points]


def statement_ids(space: str) -> list[str]:
    c = content.get()
    return [s.id for e in c.elements for s in c.cell(e.id, space).statements]


def rating_for(index: int) -> str:
    """A spread of answers: every scale point, and "not sure" now and then."""
    return content.get().scale.not_sure if index % 7 == 6 else SCALE[index % 5]


def rating_select(page: Page, item: str) -> object:
    return page.locator(f".trace-rating-{item.replace('.', '-')} select")


def selected_label(page: Page, item: str) -> str:
    return str(rating_select(page, item).evaluate(  # type: ignore[attr-defined]
        "s => s.selectedOptions.length ? s.selectedOptions[0].textContent : ''")
    ).replace("\xa0", " ")


def wait_saved(page: Page, scope: str = "") -> None:
    expect(page.locator(f"{scope} .trace-save-message").last).to_have_text("Saved",
                                                                           timeout=20_000)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".trace-journey")).to_be_visible(timeout=60_000)
    expect(page.locator(".trace-progress")).to_contain_text("Step", timeout=30_000)


def token_from_url(page: Page) -> str:
    from urllib.parse import parse_qs, urlsplit  # noqa: PLC0415

    return parse_qs(urlsplit(page.url).query)["p"][0]
