"""Take the screenshots of a workshop's rounds in docs/: the coach's confirmation before a new
round, a participant's open page when it starts, and the dashboard's change between rounds.

Run: .venv/bin/python docs/make_round_screenshots.py   (starts its own Voila server)
"""

from __future__ import annotations

from _shots import DOCS, app_and_browser, shot

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


def fill(store_url: str) -> tuple[str, str, list[str]]:
    """A cohort workshop on the team, its first round rated by everyone: its code, its
    coach key and the participants' tokens."""
    from trace_widgets import store, workshop  # noqa: PLC0415

    with store.open_store(store_url) as s:
        made, key = workshop.open_workshop(s, "Ward leaders, spring", "cohort", ["team"])
        room = [s.new_participant(workshop=made.code, consent=True) for _ in range(PEOPLE)]
        for n, token in enumerate(room):
            s.save(token, _values("team", n, 0))
    return made.code, key, room


def main() -> None:
    from trace_widgets import store  # noqa: PLC0415

    with app_and_browser(fill) as (voila, browser, (code, key, room)):
        render = f"{voila.url}/voila/render"
        me = browser.new_page(viewport={"width": 1280, "height": 1400})
        me.goto(f"{render}/app.ipynb?p={room[0]}&step=team")
        me.wait_for_selector(".trace-step-team .trace-rating-exercise", timeout=120_000)
        coach = browser.new_page(viewport={"width": 1280, "height": 4000})
        coach.goto(f"{render}/coach.ipynb?w={code}&k={key}")
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
        with store.open_store(voila.store) as s:
            # Six of eight rate again, most a little higher: the change shows where they
            # did; a cell fewer than three rated again stays "not shown yet".
            for n, token in enumerate(room[:6]):
                s.save(token, _values("team", n, 1))
        coach.wait_for_selector(".trace-coach-change td strong", timeout=60_000)
        coach.wait_for_timeout(3500)
        shot(coach, ".trace-coach-change-view", DOCS / "coach-round-change.png")


if __name__ == "__main__":
    main()
