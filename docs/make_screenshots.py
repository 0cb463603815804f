"""Take the screenshots in docs/ of every journey step at 1280 and 360 px wide, and of the
coach's form to open a workshop and the dashboard of a demo workshop.

Run: .venv/bin/python docs/make_screenshots.py   (starts its own Voila server on a free port)
"""

from __future__ import annotations

from pathlib import Path

from _shots import ROOT, app_and_browser
from playwright.sync_api import Page

STEPS = ["start", "self", "team", "organisation", "system", "plan"]


def fill(store_url: str) -> str:
    from trace_widgets import content  # noqa: PLC0415
    from trace_widgets.store import open_store  # noqa: PLC0415

    c = content.get()
    with open_store(store_url) as store:
        token = store.new_participant(consent=True, display_name="Sam")
        values: dict[str, object] = {}
        for n, space in enumerate(s.id for s in c.spaces):
            for i, e in enumerate(c.elements):
                for j, st in enumerate(c.cell(e.id, space).statements):
                    values[st.id] = 1 + (i + j + n) % 5
            low = c.cell("route", space).prompts
            values[low[1].id] = "We plan in our heads and rarely write the next steps down."
            values[f"priorities.{space}"] = "route"
        values.update({"plan.1.element": "route", "plan.1.space": "team",
                       "plan.1.what": "Agree the next three steps at Monday's huddle.",
                       "plan.1.who": "The whole team", "plan.1.when": "2027-01-31",
                       "plan.1.measure": "Everyone can say what happens next."})
        store.save(token, values)
    return token


def shoot(page: Page, path: Path) -> None:
    """A picture of the whole page: Voila scrolls inside #rendered_cells, so the viewport
    is made as tall as its content first."""
    width = page.viewport_size["width"] if page.viewport_size else 1280
    height = page.evaluate("() => document.getElementById('rendered_cells').scrollHeight")
    page.set_viewport_size({"width": width, "height": int(height) + 40})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size({"width": width, "height": 900})


def demo_workshop(store_url: str) -> tuple[str, str]:
    """A team workshop with 25 synthetic participants: its join code and coach key."""
    from trace_widgets import _cli_workshop, workshop  # noqa: PLC0415
    from trace_widgets.store import open_store  # noqa: PLC0415

    with open_store(store_url) as store:
        made, key = workshop.open_workshop(store, "Ward leaders, March (demo data)", "team",
                                           ["team", "organisation"])
        _cli_workshop.fill_demo(store, made, participants=25, seed=3)
    return made.code, key


def coach_shots(page: Page, url: str, store_url: str) -> None:
    page.goto(f"{url}/voila/render/coach.ipynb")
    page.wait_for_selector(".trace-coach-new", timeout=120_000)
    page.wait_for_timeout(500)
    shoot(page, ROOT / "docs" / "coach-new.png")
    code, key = demo_workshop(store_url)
    page.goto(f"{url}/voila/render/coach.ipynb?w={code}&k={key}")
    page.wait_for_selector(".trace-coach-grid", timeout=120_000)
    page.wait_for_timeout(4_000)  # the first refresh has drawn everything
    shoot(page, ROOT / "docs" / "coach-dashboard.png")


def main() -> None:
    with app_and_browser(fill) as (voila, browser, token):
        url = voila.url
        for width in (1280, 360):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{url}/voila/render/app.ipynb")
            page.wait_for_selector(".trace-consent-agree", timeout=120_000)
            shoot(page, ROOT / "docs" / f"journey-welcome-{width}.png")
            page.goto(f"{url}/voila/render/app.ipynb?p={token}&step=start")
            page.wait_for_selector(".trace-workbook-code", timeout=120_000)
            for step in STEPS:
                page.locator(f"button.trace-nav-{step}").click()
                page.wait_for_selector(f".trace-step-{step}", timeout=30_000)
                if step != "start":
                    page.wait_for_selector(f".trace-step-{step} .trace-chart svg")
                page.wait_for_timeout(500)
                shoot(page, ROOT / "docs" / f"journey-{step}-{width}.png")
            page.close()
        coach_shots(browser.new_page(viewport={"width": 1280, "height": 900}), url,
                    voila.store)


if __name__ == "__main__":
    main()
