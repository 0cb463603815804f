"""What a learner does in the journey, as Playwright steps shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from trace_widgets import content

SPACES = [s.id for s in content.spaces()]
SCALE = [p.label for p in content.get().scale.points]
NOT_SURE = content.get().text("rating.not_sure")
"""The "not sure" choice as the rating control shows it."""
CHOICES = [*SCALE, NOT_SURE]


def statement_ids(space: str) -> list[str]:
    c = content.get()
    return [s.id for e in c.elements for s in c.cell(e.id, space).statements]


def rating_for(index: int) -> str:
    """A spread of answers: every scale point, and "not sure" now and then."""
    return NOT_SURE if index % 7 == 6 else SCALE[index % 5]


def rating_value(label: str) -> int | None:
    """The value the store keeps for a choice's label."""
    return None if label == NOT_SURE else content.get().scale.points[SCALE.index(label)].value


def rating_group(page: Page, item: str) -> Locator:
    """One statement's radio group."""
    return page.locator(f"fieldset.trace-rating-{item.replace('.', '-')}")


def rate(page: Page, item: str, label: str) -> None:
    """Pick ``label`` for the statement ``item``, as a learner clicks it."""
    rating_group(page, item).get_by_label(label, exact=True).check()


def selected_label(page: Page, item: str) -> str:
    return str(rating_group(page, item).evaluate(
        "g => { const i = g.querySelector('input:checked');"
        " return i ? i.closest('label').textContent : ''; }")).replace("\xa0", " ")


def wait_all_saved(page: Page, items: list[str], timeout: float = 60_000) -> None:
    """Wait until every statement of ``items`` says the store holds its answer."""
    saved = content.get().text("rating.status.saved")
    for item in items:
        expect(rating_group(page, item).locator(".trace-rating-status")).to_have_text(
            saved, timeout=timeout)


def wait_saved(page: Page, scope: str = "") -> None:
    """Wait until the rating control says every answer on it is saved."""
    expect(page.locator(f"{scope} .trace-rating-summary .trace-save-message").last
           ).to_have_text("Saved", timeout=20_000)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".trace-journey")).to_be_visible(timeout=60_000)
    expect(page.locator(".trace-progress")).to_contain_text("Step", timeout=30_000)


def token_from_url(page: Page) -> str:
    from urllib.parse import parse_qs, urlsplit  # noqa: PLC0415

    return parse_qs(urlsplit(page.url).query)["p"][0]
