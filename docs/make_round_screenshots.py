"""Take the screenshots of a workshop's rounds in docs/: the coach's confirmation before a new
round, a participant's open page when it starts, and the dashboard's change between rounds.

Run: .venv/bin/python docs/make_round_screenshots.py   (starts its own Voila server)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _harness import CHROMIUM_FLAGS, free_port, server  # noqa: E402

DOCS = ROOT / "docs"
PEOPLE = 8


def _values(space: str, person: int, lift: int) -> dict[str, object]:
    from trace_widgets import content  # noqa: PLC0415

    c = content.get()
    out: dict[str, object] = {}
    for i, e in enumerate(c.elements):
        for j, st in enumerate(c.cell(e.id, space).statements):
            score = max(1, min(5, 2 + (i + j + person) % 3 + (lift if i < 3 else 0)))
            out[st.id] = 6 - score if st.reverse else score
    return out


def shot(page: Page, selector: str, path: Path) -> None:
    target = page.locator(selector).first
    target.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    target.screenshot(path=path)


def main() -> None:
    from trace_widgets import store, workshop  # noqa: PLC0415

    tmp = Path(tempfile.mkdtemp(prefix="trace-shots-"))
    url_store = f"sqlite:///{tmp / 'store.sqlite3'}"
    os.environ["TRACE_STORE"] = url_store
    with store.open_store(url_store) as s:
        made, key = workshop.open_workshop(s, "Ward leaders, spring", "cohort", ["team"])
        room = [s.new_participant(workshop=made.code, consent=True) for _ in range(PEOPLE)]
        for n, token in enumerate(room):
            s.save(token, _values("team", n, 0))
    port = free_port()
    command = [sys.executable, "-m", "trace_widgets.cli", "serve", "--port", str(port)]
    with server(command, cwd=ROOT, env=dict(os.environ), port=port, log=tmp / "voila.log") \
            as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        render = f"{url}/voila/render"
        me = browser.new_page(viewport={"width": 1280, "height": 1400})
        me.goto(f"{render}/app.ipynb?p={room[0]}&step=team")
        me.wait_for_selector(".trace-step-team .trace-rating-exercise", timeout=120_000)
        coach = browser.new_page(viewport={"width": 1280, "height": 4000})
        coach.goto(f"{render}/coach.ipynb?w={made.code}&k={key}")
        coach.wait_for_selector(".trace-coach-grid td[data-state=shown]", timeout=120_000)
        coach.locator("button.trace-coach-round").click()
        coach.wait_for_selector("button.trace-coach-round-confirm", state="visible")
        shot(coach, ".trace-coach-rounds", DOCS / "coach-round-confirm.png")
        coach.locator("button.trace-coach-round-confirm").click()
        coach.wait_for_selector(".trace-coach-rounds .trace-round-notice p", timeout=30_000)
        me.wait_for_selector(".trace-journey > .trace-round-notice p", timeout=30_000)
        me.wait_for_selector(".trace-previous", timeout=30_000)
        me.wait_for_timeout(800)
        me.screenshot(path=DOCS / "journey-round-notice-1280.png")
        with store.open_store(url_store) as s:
            # Six of eight rate again, most a little higher: the change shows where they
            # did; a cell fewer than three rated again stays "not shown yet".
            for n, token in enumerate(room[:6]):
                s.save(token, _values("team", n, 1))
        coach.wait_for_selector(".trace-coach-change td strong", timeout=60_000)
        coach.wait_for_timeout(3500)
        shot(coach, ".trace-coach-change-view", DOCS / "coach-round-change.png")
        browser.close()


if __name__ == "__main__":
    main()
