"""The coach's page driven from Python: open a workshop, its dashboard, live figures, close."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

from trace_widgets import content, group, settings, store, workshop
from trace_widgets._browser import BrowserLink, PrintButton
from trace_widgets.coach import CoachPage, Dashboard

SECRET = "PRIVATE-REFLECTION"


@pytest.fixture(autouse=True)
def default_settings() -> Iterator[None]:
    before = settings.get()
    settings.use(settings.Settings.from_env({}))
    yield
    settings.use(before)


@pytest.fixture
def s() -> Iterator[store.Store]:
    with store.open_store("sqlite://") as opened:
        yield opened


def tree_text(root: widgets.Widget) -> str:
    """Every synced value of every widget under ``root``: what a browser could ever see."""
    seen: list[str] = []
    stack = [root]
    while stack:
        w = stack.pop()
        seen.append(json.dumps(w.get_state(), default=str))
        stack.extend(getattr(w, "children", ()))
    return "\n".join(seen)


def statements(element: str, space: str) -> list[str]:
    return [st.id for st in content.cell(element, space).statements]


def join(s: store.Store, w: store.Workshop, *, leader: bool = False) -> str:
    return s.new_participant(workshop=w.code, role=workshop.participant_role(w, leader=leader),
                             consent=True)


def rate(s: store.Store, token: str, element: str, space: str, value: int = 4) -> None:
    role = s.participant(token).role or "self"
    s.save(token, dict.fromkeys(statements(element, space), value), rater=role)


def cell_state(board: Dashboard, element: str, space: str) -> str:
    html = board.grid.value
    marker = f'data-element="{element}" data-space="{space}" data-state="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


# --- the forms --------------------------------------------------------------------------------


def test_without_a_query_the_page_shows_both_forms(s: store.Store) -> None:
    page = CoachPage(s)
    page.open({})
    assert page.dashboard is None
    assert page.new_form is not None
    assert page.open_form is not None
    assert page.body.children[1:] == (page.new_form.view, page.open_form.view)


def test_opening_a_workshop_shows_the_key_once(s: store.Store) -> None:
    page = CoachPage(s)
    page.open({})
    form = page.new_form
    assert form is not None
    c = content.get()
    form.submit.click()
    assert form.message.value == c.text("coach.new.need_title")
    form.title.value = "  Ward leads  "
    form.submit.click()
    assert form.message.value == c.text("coach.new.need_space")
    form.kind.value = "team"
    assert "leader" in form.kind_help.value  # what the kind means, in words
    form.spaces["team"].value = True
    form.spaces["self"].value = True
    assert all(box.value for box in form.exercises.values())  # everything, unless unticked
    assert list(form.exercises) == ["reflection", "priorities", "action_plan"]
    form.exercises["priorities"].value = False
    form.exercises["action_plan"].value = False
    form.submit.click()
    made = form.workshop
    assert made is not None
    assert (made.title, made.kind, made.spaces, made.exercises) == (
        "Ward leads", "team", ("self", "team"), ("reflection",))
    key = form.key.value
    assert workshop.check_coach(s, made.code, key) == s.workshop(made.code)
    shown = tree_text(page.view)
    assert made.code in shown
    assert key in shown
    # A team's leader is chosen: their own link and code, shown once with the key.
    assert form.leader_key is not None
    leader_key = form.leader_key.value
    assert workshop.check_leader(s, made.code, leader_key).code == made.code
    assert leader_key in shown
    links = [w for w in form.result.children if isinstance(w, BrowserLink)]
    assert [link.path for link in links] == [workshop.join_link(made.code),
                                             workshop.dashboard_link(made.code, key),
                                             workshop.leader_link(made.code, leader_key)]
    form.key.value = "edited in the browser"  # the box only shows the key
    assert form.key.value == key
    go = form.result.children[-1]
    assert isinstance(go, widgets.Button)
    held = [*form.result.children]
    go.click()
    assert all(w.comm is None for w in held)  # closed: their models leave the browser too
    assert page.dashboard is not None
    assert page.dashboard.workshop.code == made.code
    assert key not in tree_text(page.view)  # shown once: gone from every widget
    assert leader_key not in tree_text(page.view)
    assert form.key.value == ""
    assert page.address.query == f"w={made.code}"


def test_the_open_form_says_the_same_whatever_is_wrong(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "Day", "cohort", ["self"])
    page = CoachPage(s)
    page.open({})
    form = page.open_form
    assert form is not None
    assert isinstance(form.key, widgets.Password)
    messages = set()
    for code, k in [(made.code, "WRONG"), ("NOSUCH", key), ("", "")]:
        form.code.value, form.key.value = code, k
        form.submit.click()
        messages.add(form.message.value)
        assert page.dashboard is None
    assert messages == {content.get().text("workshop.coach_denied")}
    form.code.value, form.key.value = made.code.lower(), key
    form.submit.click()
    assert page.dashboard is not None
    assert key not in tree_text(page.view)


def test_the_address_opens_the_dashboard_and_loses_the_key(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "Day", "cohort", ["self"])
    page = CoachPage(s)
    page.open({"w": made.code, "k": key})
    assert page.dashboard is not None
    assert page.address.query == f"w={made.code}"
    assert key not in tree_text(page.view)


@pytest.mark.parametrize("query", [{"w": "NOSUCH", "k": "X"}, {"w": "{code}", "k": "WRONG"},
                                   {"w": "{code}", "k": ""}, {"k": "{key}"}])
def test_a_guessed_address_shows_only_the_forms(s: store.Store, query: dict[str, str]) -> None:
    made, key = workshop.open_workshop(s, "Day", "cohort", ["self"])
    filled = {k: v.format(code=made.code, key=key) for k, v in query.items()}
    page = CoachPage(s)
    page.open(filled)
    assert page.dashboard is None
    assert page.open_form is not None
    if filled.get("k") and filled.get("w"):
        assert page.open_form.message.value == content.get().text("workshop.coach_denied")
    assert "k=" not in page.address.query


# --- the live dashboard -----------------------------------------------------------------------


def test_the_dashboard_follows_the_answers(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Day", "cohort", ["team"])
    board = Dashboard(s, made)
    assert board.refresh()
    assert cell_state(board, "task", "team") == "withheld"
    people = [join(s, made) for _ in range(4)]
    for n, token in enumerate(people[:2]):
        rate(s, token, "task", "team", 2 + n)
    assert board.refresh()
    assert cell_state(board, "task", "team") == "withheld"
    assert "fewer than 3" in board.grid.value
    assert board.progress.value.startswith("4 joined, 2 started")  # two have not answered
    grid_before = board.grid.value
    assert not board.refresh()  # nothing new: nothing redrawn
    assert board.grid.value is grid_before
    rate(s, people[2], "task", "team", 4)  # the k-th
    assert board.refresh()
    assert cell_state(board, "task", "team") == "shown"
    assert '<span class="trace-coach-mean">3.0</span>' in board.grid.value
    assert board.summary is not None
    assert board.summary.highlights.lowest == (("task", "team"),)
    prompt = content.cell("task", "team").facilitation[0].text
    assert prompt.replace("'", "&#x27;") in board.highlights.value


def test_an_older_reading_never_draws_over_a_newer_one(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Day", "cohort", ["team"])
    board = Dashboard(s, made)
    older = board.compute()
    for _ in range(3):
        rate(s, join(s, made), "task", "team")
    newer = board.compute()
    assert board.show(newer) > 0
    assert board.show(older) == 0
    assert cell_state(board, "task", "team") == "shown"


def test_team_kind_compares_the_leader_only_with_enough_members(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Team", "team", ["team"])
    board = Dashboard(s, made)
    rate(s, join(s, made, leader=True), "task", "team", 5)
    members = [join(s, made) for _ in range(3)]
    for token in members[:2]:
        rate(s, token, "task", "team", 3)
    board.refresh()
    # Leader and two members are three people, but publishing them would later give away
    # the two members' sum (the cell minus the leader's figure): the members' own floor
    # holds the whole cell back (group.release).
    assert cell_state(board, "task", "team") == "withheld"
    assert board.gap.value == f"<p>{content.get().text('coach.gap.none', k=3)}</p>"
    rate(s, members[2], "task", "team", 3)
    board.refresh()
    assert cell_state(board, "task", "team") == "shown"
    assert "<svg" in board.gap.value
    assert "Leader" in board.gap.value


def test_cohort_kind_has_no_leader_section(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Cohort", "cohort", ["team"])
    board = Dashboard(s, made)
    board.refresh()
    assert board.gap not in board.view.children
    assert board.gap.value == ""


def test_closing_freezes_the_workshop_and_offers_csv_and_print(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Day", "team", ["team"])
    people = [join(s, made, leader=n == 0) for n in range(5)]
    for token in people:
        rate(s, token, "route", "team", 3)
    board = Dashboard(s, made)
    board.refresh()
    board.close_button.click()
    assert board.confirm_row.layout.display == "flex"
    board.close_cancel.click()
    assert board.confirm_row.layout.display == "none"
    assert s.workshop(made.code).is_open  # type: ignore[union-attr]
    board.close_button.click()
    board.close_confirm.click()
    assert not s.workshop(made.code).is_open  # type: ignore[union-attr]
    assert not board.running
    assert board.close_button.layout.display == "none"
    assert board.status.value.startswith("Closed at")
    with pytest.raises(store.WorkshopClosedError):
        rate(s, people[0], "task", "team")
    with pytest.raises(store.WorkshopClosedError):
        join(s, made)
    link = next(w for w in board.closed_panel.children if "trace-download" in
                getattr(w, "value", ""))
    href = link.value.split('href="')[1].split('"')[0]
    csv_text = urllib.parse.unquote(href.split(",", 1)[1].replace("&amp;", "&"))
    assert csv_text == group.aggregates_csv(board.summary)  # type: ignore[arg-type]
    assert "route,team,no,5," in csv_text
    assert any(isinstance(w, PrintButton) for w in board.closed_panel.children)


def test_a_closed_workshop_opens_closed(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "Day", "cohort", ["team"])
    s.close_workshop(made.code)
    page = CoachPage(s)
    page.open({"w": made.code, "k": key})
    assert page.dashboard is not None
    assert page.dashboard.close_button.layout.display == "none"
    assert page.dashboard.closed_panel.children


# --- nothing personal reaches the coach -------------------------------------------------------


def test_no_token_or_unshared_text_in_any_coach_view_or_export(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "Team", "team", ["team"])
    tokens = [join(s, made, leader=n == 0) for n in range(7)]
    for n, token in enumerate(tokens):
        rate(s, token, "task", "team", 1 + n % 5)
        role = s.participant(token).role or "self"
        s.save(token, {"task.team.p1": f"{SECRET} {n} {token}",
                       "task.team.p2": f"shared {n} <img src=x onerror=alert(1)>"}, rater=role)
    # Sharing is not an item in content yet: five people share task.team.p2 here.
    shares = pd.DataFrame({
        "participant": [store.pseudonym(t) for t in tokens[:5]], "workshop": made.code,
        "exercise": "reflection", "item": "share.task.team.p2", "element": "task",
        "space": "team", "rater": "member", "value": "yes",
        "at": pd.Timestamp.now(tz="UTC")})

    def answers(code: str, round: int | None = None) -> pd.DataFrame:  # noqa: A002
        return pd.concat([s.workshop_answers(code, round=round), shares], ignore_index=True)

    page = CoachPage(s)
    page.open({"w": made.code, "k": key})
    board = page.dashboard
    assert board is not None
    board._answers = answers  # what the store will hold once sharing is an item
    board.refresh()
    board.close_workshop()
    everything = tree_text(page.view) + group.aggregates_csv(board.summary)  # type: ignore[arg-type]
    pseudonyms = {store.pseudonym(t) for t in tokens}
    assert not any(t in everything for t in tokens)
    assert not any(p in everything for p in pseudonyms)
    assert SECRET not in everything
    assert "shared 0 &lt;img src=x onerror=alert(1)&gt;" in board.comments.value
    assert "<img" not in board.comments.value
    assert "shared 5" not in everything  # written, never shared
    assert key not in everything


# --- refreshing by itself ---------------------------------------------------------------------


def test_the_dashboard_refreshes_itself_on_the_event_loop(tmp_path: Path) -> None:
    with store.open_store(f"sqlite:///{tmp_path / 'live.sqlite3'}") as s:
        made, _ = workshop.open_workshop(s, "Live", "cohort", ["team"])
        people = [join(s, made) for _ in range(3)]
        for token in people[:2]:
            rate(s, token, "task", "team")

        async def scenario() -> None:
            board = Dashboard(s, made, interval=0.1)
            board.start()
            assert board.running
            await until(lambda: board.summary is not None)
            assert cell_state(board, "task", "team") == "withheld"
            rate(s, people[2], "task", "team")
            await until(lambda: cell_state(board, "task", "team") == "shown")
            board.close_workshop()
            assert not board.running
            await asyncio.sleep(0.3)
            assert not board.running

        asyncio.run(scenario())


async def until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("the dashboard did not update in time")
        await asyncio.sleep(0.05)


def test_without_a_loop_start_refreshes_once(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Day", "cohort", ["team"])
    board = Dashboard(s, made)
    board.start()
    assert board.summary is not None
    assert not board.running
