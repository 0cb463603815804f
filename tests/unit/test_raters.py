"""Rater links end to end in Python: invite, the rater's page, counts, close, self vs others,
export and erase."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from trace_widgets import content, store
from trace_widgets.answers import AnswerError, make
from trace_widgets.exercises._rating_control import RatingWidget
from trace_widgets.journey import Journey
from trace_widgets.journey._others import OthersPanel, rater_views
from trace_widgets.journey._rater import RaterPage
from trace_widgets.journey._session import Session
from trace_widgets.store import RaterLinkClosedError, Store, WorkbookNotFoundError, open_store

TEAM = [s.id for e in content.get().elements for s in content.cell(e.id, "team").statements]


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as opened:
        yield opened


def learner(s: Store) -> str:
    me = s.new_participant(consent=True, display_name="Sam Jones")
    s.save(me, dict.fromkeys(TEAM, 5))
    return me


def rate(s: Store, token: str, value: int) -> None:
    page = RaterPage(s, token)
    boxes = [w for w in _walk(page.view) if "trace-rater-agree" in getattr(w, "_dom_classes", ())]
    if boxes:
        boxes[0].value = True
        next(w for w in _walk(page.view)
             if "trace-rater-start" in getattr(w, "_dom_classes", ())).click()
    for w in _walk(page.view):
        if isinstance(w, RatingWidget):
            for seq, item in enumerate((st["id"] for g in w.spec["groups"]
                                        for st in g["statements"] if ".team." in st["id"]),
                                       start=1):
                w._handle_custom_msg({"rate": item, "choice": value - 1, "seq": seq}, [])


def _walk(widget: object) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _walk(child)
    return found


def test_a_rater_link_rates_only_its_spaces_as_its_group_until_closed(s: Store) -> None:
    me = learner(s)
    r = s.invite(me, "peer", ["team"])
    link = s.rater_link(r)
    assert link is not None
    assert (link.group, link.spaces, link.first_name) == ("peer", ("team",), "Sam")
    assert "Sam" not in repr(link) or r not in repr(link)
    assert s.rater_link(me) is None  # a learner's own token is not a rater link
    s.record_consent(r)
    s.append(make(r, TEAM[0], 3, rater="peer"))
    with pytest.raises(AnswerError):
        s.append(make(r, "task.self.s1", 3, rater="peer"))  # not a space of the link
    with pytest.raises(AnswerError):
        s.append(make(r, TEAM[0], 3, rater="manager"))  # not its group
    assert s.rater_counts(me).to_dict("records") == [{"group": "peer", "answered": True}]
    s.close_raters(me)
    with pytest.raises(RaterLinkClosedError):
        s.append(make(r, TEAM[1], 3, rater="peer"))
    with pytest.raises(WorkbookNotFoundError):
        Session(s).open(r)  # a rater link never opens as a workbook


def test_the_rater_page_then_the_learner_sees_shown_groups_only(s: Store) -> None:
    me = learner(s)
    peers = [s.invite(me, "peer", ["team"]) for _ in range(2)]
    manager = s.invite(me, "manager", ["team"])
    report = s.invite(me, "report", ["team"])
    for token in peers:
        rate(s, token, 2)
    rate(s, manager, 3)
    rate(s, report, 1)
    page = RaterPage(s, manager)
    text = _texts(page.view)
    assert "Rate Sam's leadership" in text
    assert "not anonymous" in text
    session = Session(s)
    session.open(me)
    panel = OthersPanel(session)
    assert "Others' views appear here" in _texts(panel.results)
    assert ">2</td>" in panel.counts.value  # two peers made and answered
    panel.close_button.click()
    shown = panel.groups.value
    # Peers (2), people led (1) and others (0) are withheld; the manager is named; all four
    # together show.
    assert shown.count("Withheld: fewer than 3 answered") == 3 * 5
    assert "Withheld: fewer than 4" not in shown
    assert "Line manager" in shown
    assert panel.gap_chart.view.value  # the chart and its table
    assert "Blind spot" in _texts(panel.results)  # self 5 against others about 2
    grid = html.unescape(panel.grid.value)  # the 5 x 4 gap grid, under its heading
    assert "The gap, condition by space" in _texts(panel.results)
    assert "(Blind spot)" in grid  # self 5, all others about 2 where no statement reverses
    assert grid.count("<tr>") == 1 + 5  # the header and five conditions
    # Self (raters can be asked about the learner as a leader), organisation and system:
    # not rated this time.
    assert grid.count("Not shown") == 5 + 5 + 5
    # Everyone's answers about the learner never carry a rater token.
    assert not set(s.about(me)["participant"]) & {*peers, manager, report}


def _texts(widget: object) -> str:
    return html.unescape(" ".join(str(getattr(w, "value", "")) for w in _walk(widget)))


def test_a_rater_erases_their_answers_and_a_learners_erase_removes_answers_about_them(
        s: Store) -> None:
    me = learner(s)
    r1, r2 = s.invite(me, "peer", ["team"]), s.invite(me, "peer", ["team"])
    rate(s, r1, 2)
    rate(s, r2, 4)
    assert s.export(participant=r1).count("\n") == 1 + len(TEAM)  # a rater exports their own
    assert s.erase(r1) == len(TEAM)
    assert s.rater_link(r1) is None
    assert len(s.about(me)) == len(TEAM)
    s.erase(me)
    assert s.rater_link(r2) is None
    with s._engine.connect() as conn:
        from sqlalchemy import text  # noqa: PLC0415

        assert conn.execute(text("SELECT count(*) FROM answers")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM participants")).scalar_one() == 0


def test_the_app_opens_a_rater_link_as_the_rater_page(s: Store) -> None:
    me = learner(s)
    r = s.invite(me, "other", ["team", "system"])
    journey = Journey(s)
    journey.open({"r": r})
    assert journey.rater_page is not None
    assert journey.view.children[-1] is journey.rater_page.view
    assert journey.address.query == f"r={r}"
    unknown = Journey(s)
    unknown.open({"r": "NOPE"})
    assert "could not find that rater link" in _texts(unknown.view)


def test_links_are_made_in_the_learners_round(s: Store) -> None:
    me = learner(s)
    s.start_round(me)
    r = s.invite(me, "peer", ["team"])
    rate(s, r, 4)
    assert set(s.history(r)["round"]) == {2}
    assert s.about(me, round=1).empty
    assert len(s.about(me)) == len(TEAM)


def test_workshop_participants_cannot_invite(s: Store) -> None:
    s.create_workshop("W1", "Team", "team", ["team"], "h" * 64)
    t = s.new_participant(workshop="W1", consent=True)
    with pytest.raises(AnswerError):
        s.invite(t, "peer", ["team"])
    with pytest.raises(AnswerError):
        s.invite(learner(s), "boss", ["team"])
    assert store.RaterLink.__dataclass_fields__["token"].repr is False


def comment(s: Store, token: str, text: str) -> RaterPage:
    """Write ``text`` as the rater's comment on the team space, and save it now."""
    page = RaterPage(s, token)
    area = next(w for w in _walk(page.view)
                if "trace-rater-comment" in getattr(w, "_dom_classes", ()))
    area.value = text
    page.comment_saver.flush()
    return page


def test_raters_comment_by_the_floors_and_the_learner_reads_them_literally(s: Store) -> None:
    from trace_widgets import report  # noqa: PLC0415

    me = learner(s)
    peers = [s.invite(me, "peer", ["team"]) for _ in range(3)]
    manager, lead = s.invite(me, "manager", ["team"]), s.invite(me, "report", ["team"])
    for n, token in enumerate(peers):
        rate(s, token, 2)
        comment(s, token, f"<i>Peer</i> {n}.")
    rate(s, manager, 3)
    rate(s, lead, 3)
    comment(s, lead, "The only report's words.")
    with pytest.raises(AnswerError):  # a comment only on the link's own spaces
        s.append(make(manager, "rater_comment.system", "Elsewhere.", rater="manager"))
    # Back by the link: the comment is on the page again.
    assert "<i>Peer</i> 0." in _texts(RaterPage(s, peers[0]).view)
    session = Session(s)
    session.open(me)
    panel = OthersPanel(session)
    panel.close_button.click()
    shown = panel.comments.value
    assert "&lt;i&gt;Peer&lt;/i&gt; 0." in shown
    assert "<i>" not in shown
    assert "Team: Peers (3)" in shown
    assert "The only report's words" not in html.unescape(shown)
    assert "People you lead (fewer than 3)" in shown
    # The report: the same lines, the peers' words as said, the report's withheld.
    doc = report.learner_report(session.answers(), fmt="html", about=s.about(me)).decode()
    assert "What others wrote" in doc
    assert "&lt;i&gt;Peer&lt;/i&gt; 2." in doc
    assert "The only report" not in doc
    # A rater's erase takes their comment with it; the peers fall below their floor.
    s.erase(peers[0])
    panel.refresh()
    assert "Peer</i> 1." not in html.unescape(panel.comments.value)


def test_raters_rate_the_learner_as_a_leader_in_the_self_space(s: Store) -> None:
    c = content.get()
    me = learner(s)
    s.save(me, {st.id: 1 if st.reverse else 5 for cell, st in c.statements()
                if cell.space == "self"})
    peers = [s.invite(me, "peer", ["self", "team"]) for _ in range(4)]  # all others: 4
    for token in peers:
        page = RaterPage(s, token)
        next(w for w in _walk(page.view)
             if "trace-rater-agree" in getattr(w, "_dom_classes", ())).value = True
        next(w for w in _walk(page.view)
             if "trace-rater-start" in getattr(w, "_dom_classes", ())).click()
        text = _texts(page.view)
        assert "Sam as a leader" in text
        controls = [w for w in _walk(page.view) if isinstance(w, RatingWidget)]
        shown = [st["id"] for w in controls for g in w.spec["groups"] for st in g["statements"]]
        # The five statements about Sam, not Sam's own first-person ones, then the team's.
        assert shown[:5] == [f"leader.{e.id}.self" for e in c.elements]
        assert not any(i.startswith(f"{e.id}.self.") for e in c.elements for i in shown)
        for w in controls:
            for seq, item in enumerate(shown, start=1):
                if any(item == st["id"] for g in w.spec["groups"] for st in g["statements"]):
                    # "Agree" (4) throughout: a reverse-worded statement scores 2.
                    w._handle_custom_msg({"rate": item, "choice": 3, "seq": seq}, [])
    with pytest.raises(AnswerError):  # the learner's own self statements are not the rater's
        s.append(make(peers[0], "task.self.s1", 3, rater="peer"))
    stored = s.about(me)
    assert set(stored.loc[stored["space"] == "self", "instrument"]) == {"leader"}
    session = Session(s)
    session.open(me)
    panel = OthersPanel(session)
    boxes = panel.space_boxes
    assert boxes["self"].description == "You as a leader (5 statements about you)"
    assert not boxes["self"].value  # the learner ticks it to ask
    panel.close_button.click()
    groups = html.unescape(panel.groups.value)
    assert "Self" in groups
    grid = html.unescape(panel.grid.value)
    assert grid.count("Not shown") == 5 + 5  # organisation and system: not rated
    # Task in the self space: Sam 5 on their own statements, peers 4 on the one about Sam.
    view = rater_views(s, me, session.answers())
    task_self = view.loc[(view["element"] == "task") & (view["space"] == "self")]
    assert task_self.set_index("group").loc["peer", "mean"] == pytest.approx(4.0)
    assert task_self.set_index("group").loc["self", "mean"] == pytest.approx(5.0)
