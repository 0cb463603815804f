"""Take the screenshots of others' views and rounds in docs/: a rater's page (consent, then
the statements), the learner's invitations and counts, self against others once the round is
closed, a new round's starting points and the trend.

Run: .venv/bin/python docs/make_rater_screenshots.py   (starts its own Voila server)
"""

from __future__ import annotations

from _shots import DOCS, app_and_browser, shot


def _values(space: str, base: int) -> dict[str, object]:
    from trace_widgets import content  # noqa: PLC0415

    c = content.get()
    out: dict[str, object] = {}
    for i, e in enumerate(c.elements):
        for j, st in enumerate(c.cell(e.id, space).statements):
            score = max(1, min(5, base + (i + j) % 3 - 1))
            out[st.id] = 6 - score if st.reverse else score
    return out


# The three peers' comments on the team (shown: three wrote) and one from someone Sam leads
# (withheld: one of two wrote).
COMMENTS = ("Weekly priorities are clear; the why behind them less so.",
            "Sam asks good questions in our huddles.",
            "Handovers still go wrong when Sam is away.",
            "I would like more say in how the rota is planned.")


def _leader(base: int) -> dict[str, object]:
    """A rater's answers to the five statements about Sam as a leader."""
    from trace_widgets import content  # noqa: PLC0415

    bank = content.get().instruments["leader"]
    return {st.id: 6 - base if st.reverse else base for st in bank.statements()}


def fill(store_url: str) -> dict[str, str]:
    """Two learners: Sam (raters asked, two rounds) and Alex (round 2 just started)."""
    from trace_widgets import content  # noqa: PLC0415
    from trace_widgets.store import open_store  # noqa: PLC0415

    c = content.get()
    with open_store(store_url) as s:
        sam = s.new_participant(consent=True, display_name="Sam Rivera")
        for space in (sp.id for sp in c.spaces):
            s.save(sam, _values(space, 3))
        s.start_round(sam)
        for space in (sp.id for sp in c.spaces):
            s.save(sam, _values(space, 4 if space != "system" else 3))
        links = {"manager": s.invite(sam, "manager", ["self", "team", "organisation"])}
        # Three peers (shown), two people led and two others (each withheld, under 3), and
        # everyone together (shown: what it adds to the shown groups is 4 people).
        raters = [("peer", 2), ("peer", 3), ("peer", 2), ("report", 3), ("report", 2),
                  ("other", 2), ("other", 3)]
        for n, (group, base) in enumerate(raters):
            token = s.invite(sam, group, ["self", "team", "organisation"])
            s.record_consent(token)
            for space in ("team", "organisation"):
                s.save(token, _values(space, base), rater=group)
            s.save(token, _leader(base + 1), rater=group)
            if n < len(COMMENTS):
                s.save(token, {"rater_comment.team": COMMENTS[n]}, rater=group)
            links[f"{group}{n}"] = token
        s.record_consent(links["manager"])
        s.save(links["manager"], _values("team", 3), rater="manager")
        s.save(links["manager"], {"rater_comment.team": (
            "Sam keeps the team's purpose in front of everyone. Next: share the plan "
            "earlier with the other wards.")}, rater="manager")
        links["fresh"] = s.invite(sam, "other", ["team"])
        alex = s.new_participant(consent=True, display_name="Alex")
        s.save(alex, _values("self", 4))
        s.start_round(alex)
    return {"sam": sam, "alex": alex, **links}


def main() -> None:
    with app_and_browser(fill) as (voila, browser, t):
        app = voila.app()
        phone = browser.new_page(viewport={"width": 390, "height": 900})
        phone.goto(f"{app}?r={t['fresh']}")
        phone.wait_for_selector(".trace-rater-agree", timeout=120_000)
        shot(phone, ".trace-rater-page", DOCS / "raters-page-consent-390.png")
        phone.goto(f"{app}?r={t['manager']}")
        phone.wait_for_selector(".trace-rater-page .trace-rating-exercise", timeout=120_000)
        phone.set_viewport_size({"width": 390, "height": 1400})
        phone.wait_for_timeout(600)
        phone.screenshot(path=DOCS / "raters-page-rating-390.png")
        phone.close()

        # Tall, so that Voila (which scrolls inside the page) draws every part of a section.
        page = browser.new_page(viewport={"width": 1280, "height": 4000})
        page.goto(f"{app}?p={t['sam']}&step=plan")
        page.wait_for_selector(".trace-others .trace-rater-counts table", timeout=120_000)
        page.locator("button.trace-invite-peer").click()
        page.wait_for_selector(".trace-link-box", state="visible", timeout=30_000)
        shot(page, ".trace-others", DOCS / "raters-invite-1280.png")
        page.locator("button.trace-close-raters").click()
        page.wait_for_selector(".trace-others-groups table", timeout=60_000)
        shot(page, ".trace-others-results", DOCS / "raters-results-1280.png")
        shot(page, ".trace-rounds", DOCS / "rounds-trend-1280.png")
        page.goto(f"{app}?p={t['alex']}&step=self")
        page.wait_for_selector(".trace-step-self .trace-rating-exercise", timeout=120_000)
        page.wait_for_timeout(800)
        shot(page, ".trace-step-self .trace-rating-exercise", DOCS / "rounds-new-round-1280.png")


if __name__ == "__main__":
    main()
