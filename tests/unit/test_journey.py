"""The journey driven from Python: start, consent, join, resume, move, erase."""

from __future__ import annotations

from pathlib import Path

import pytest

from trace_widgets import content, group, scoring, settings
from trace_widgets.exercises.reflection import lowest_and_highest
from trace_widgets.journey import Journey, prepare
from trace_widgets.store import Store, open_store
from trace_widgets.workshop import issue_leader_key, open_workshop


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as s:
        yield s


def start(journey: Journey, *, agree: bool = True, name: str = "") -> None:
    view = journey.start.view
    consent = next(w for w in _walk(view) if "trace-consent-agree" in w._dom_classes)
    consent.value = agree
    if name:
        next(w for w in _walk(view) if "trace-name" in w._dom_classes).value = name
    next(w for w in _walk(view) if "trace-start" in w._dom_classes).click()


def _walk(widget: object) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _walk(child)
    return found


def rate(widget: object, item: str, choice: int, seq: int = 1) -> None:
    """What the page's rating control sends when the learner picks a choice."""
    widget._handle_custom_msg({"rate": item, "choice": choice, "seq": seq}, [])  # type: ignore[attr-defined]


def rate_space(journey: Journey, space: str) -> None:
    rating = next(w for w in _walk(journey.body) if "trace-rating-widget" in w._dom_classes)
    for i, e in enumerate(content.elements()):
        for j, st in enumerate(content.cell(e.id, space).statements):
            rate(rating, st.id, (i + j) % 5)


def texts(widget: object) -> str:
    return " ".join(str(getattr(w, "value", "")) for w in _walk(widget))


def test_nothing_is_kept_without_consent(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey, agree=False)
    assert not journey.session.is_open
    assert content.ui("journey.start.need_consent") in texts(journey.view)


def test_start_then_every_step_then_resume(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey, name="Sam")
    token = journey.session.token
    assert token
    assert journey.address.query == f"p={token}&step=start"
    assert store.participant(token).consent_at is not None
    for step in ("self", "team", "organisation", "system", "plan"):
        journey.go(step)
        assert journey.current == step
        assert f"trace-step-{step}" in journey.body.children[0]._dom_classes
    journey.session.store.save(token, {"task.self.s1": 4})

    again = Journey(store)
    again.open({"p": token, "step": "team"})
    assert again.current == "team"
    assert again.session.value("task.self.s1") == 4


@pytest.mark.parametrize("bad", ["nope", "A" * 32, "' OR 1=1 --", "\x00", "é" * 40])
def test_unknown_or_malformed_token_gets_the_same_plain_message(store: Store, bad: str) -> None:
    journey = Journey(store)
    journey.open({"p": bad})
    assert journey.current == "start"
    assert not journey.session.is_open
    assert content.ui("journey.resume.not_found") in texts(journey.body)


def test_steps_need_a_workbook_and_bad_steps_fall_back(store: Store) -> None:
    journey = Journey(store)
    journey.open({"step": "team"})
    assert journey.current == "start"
    journey.go("<script>")
    assert journey.current == "start"
    assert journey.nav_buttons["team"].disabled


def test_joining_a_team_workshop_as_leader(store: Store) -> None:
    workshop, _ = open_workshop(store, "Ward leaders", "team", ["team"])
    key = issue_leader_key(store, workshop)
    journey = Journey(store)
    journey.open({"w": workshop.code.lower(), "l": key})
    assert journey.start.joining is not None
    assert journey.start.as_leader
    assert "Ward leaders" in texts(journey.view)
    assert content.ui("journey.leader.joining") in texts(journey.view)
    start(journey)
    participant = store.participant(journey.session.token or "")
    assert (participant.workshop, participant.role) == (workshop.code, "leader")
    assert journey.steps == ("start", "team", "plan")
    journey.go("team")
    rating = next(w for w in _walk(journey.body) if "trace-rating-widget" in w._dom_classes)
    rate(rating, "task.team.s1", 3)
    rows = store.workshop_answers(workshop.code)
    assert set(rows["rater"]) == {"leader"}


@pytest.mark.parametrize(("exercises", "steps", "reflects"), [
    (("reflection", "priorities", "action_plan"), ("start", "team", "plan"), True),
    (("reflection",), ("start", "team"), True),
    (("action_plan",), ("start", "team", "plan"), False),
    ((), ("start", "team"), False),
])
def test_a_workshop_participant_does_the_exercises_it_chose(
        store: Store, exercises: tuple[str, ...], steps: tuple[str, ...], reflects: bool) -> None:
    workshop, _ = open_workshop(store, "Ratings day", "cohort", ["team"], exercises=exercises)
    journey = Journey(store)
    journey.open({"w": workshop.code})
    start(journey)
    assert journey.steps == steps
    journey.go("team")
    page = journey.body.children[0]
    assert any("trace-rating-widget" in w._dom_classes for w in _walk(page))
    assert any("trace-reflect" in w._dom_classes for w in _walk(page)) is reflects
    assert (content.ui("journey.reflect.heading") in texts(page)) is reflects
    if "plan" in steps:  # the plan step holds only the chosen exercises
        journey.go("plan")
        plan = journey.body.children[0]
        for kind, css in (("priorities", "trace-priorities"), ("action_plan", "trace-actions")):
            assert any(css in w._dom_classes for w in _walk(plan)) is (kind in exercises)


def test_unknown_workshop_code_is_a_plain_message(store: Store) -> None:
    journey = Journey(store)
    journey.open({"w": "ZZZZZZ"})
    assert journey.start.joining is None
    assert content.ui("workshop.join.not_found").split(".")[0] in texts(journey.body)


def test_erase_removes_the_workbook(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey)
    token = journey.session.token or ""
    store.save(token, {"task.self.s1": 2})
    journey.start.refresh()
    erase = next(w for w in _walk(journey.view) if "trace-erase" in w._dom_classes)
    erase.click()
    next(w for w in _walk(journey.view) if "trace-erase-confirm" in w._dom_classes).click()
    assert not journey.session.is_open
    with pytest.raises(Exception, match="could not find"):
        store.participant(token)


def test_a_workshop_participant_can_share_a_reflection(store: Store) -> None:
    workshop, _ = open_workshop(store, "Cohort day", "cohort", ["self"])
    journey = Journey(store)
    journey.open({"w": workshop.code})
    start(journey)
    journey.go("self")
    rate_space(journey, "self")
    area = next(w for w in _walk(journey.body) if "trace-text-field" in w._dom_classes
                or getattr(w, "rows", None) == 4)
    area.value = "We start before we agree."
    journey.go("start")  # moving on saves the text at once
    share = next(w for w in _walk(journey._built["self"].view)
                 if "trace-share" in w._dom_classes)
    share.value = True
    shared = group.shared_texts(store.workshop_answers(workshop.code))
    assert shared["text"].tolist() == ["We start before we agree."]
    share.value = False
    assert group.shared_texts(store.workshop_answers(workshop.code)).empty


def test_solo_learners_are_not_offered_sharing(store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey)
    journey.go("self")
    rate_space(journey, "self")
    assert not [w for w in _walk(journey.body) if "trace-share" in w._dom_classes]


def test_a_new_action_starts_on_the_first_priority_without_redrawing_the_plan(
        store: Store) -> None:
    journey = Journey(store)
    journey.open({})
    start(journey)
    journey.go("plan")
    page = journey.body.children[0]
    add = next(w for w in _walk(page) if "trace-add" in w._dom_classes)
    routes = [w for w in _walk(page) if "trace-priority-route" in w._dom_classes]
    routes[1].value = True  # route, in the second space (team)
    # The add button the learner's focus is on is still the one on the page.
    assert add in _walk(journey.body.children[0])
    add.click()
    plan = {k: v for k, v in journey.session.answers().set_index("item")["value"].items()
            if k.startswith("plan.1.")}
    assert plan["plan.1.element"] == "route"
    assert plan["plan.1.space"] == "team"


def test_a_store_down_as_the_kernel_warms_up_is_a_plain_message_then_retried(
        tmp_path: Path) -> None:
    before = settings.get()
    try:
        settings.use(before.with_(store=f"sqlite:///{tmp_path / 'no' / 'such' / 'x'}"))
        (tmp_path / "no").write_text("a file where a folder should be")
        waiting = prepare()
        assert not isinstance(waiting, Journey)
        assert content.ui("journey.store_down") in texts(waiting.view)
        assert str(tmp_path) not in texts(waiting.view)

        settings.use(before.with_(store=f"sqlite:///{tmp_path / 'store.sqlite3'}"))
        waiting.open_request()  # the visitor arrives; the store is back
        assert waiting.journey is not None
        assert waiting.view.children == (waiting.journey.view,)
        assert waiting.journey.current == "start"
    finally:
        settings.use(before)



def test_questions_come_as_soon_as_there_is_a_lowest_and_a_highest(store: Store) -> None:
    """Two conditions rated are enough for a lowest and a highest: their questions come at
    once. While the learner rates on, the new pair's questions join them and none shown is
    removed or redrawn (the learner may be typing in it: the kernel cannot tell); once the
    learner leaves the step, those not written to that are no longer the pair's go."""
    journey = Journey(store)
    journey.open({})
    start(journey)
    journey.go("team")
    c = content.get()
    rating = next(w for w in _walk(journey.body) if "trace-rating-widget" in w._dom_classes)
    seq = iter(range(1, 1000))

    def rate_cell(element: str, choice: int) -> None:
        for st in c.cell(element, "team").statements:
            rate(rating, st.id, choice, next(seq))

    def areas() -> dict[str, object]:
        return {w.description: w for w in _walk(journey._built["team"].view)
                if "trace-reflection" in w._dom_classes}

    def wanted() -> set[str]:
        pair = lowest_and_highest(scoring.cell_scores(journey.session.answers()), "team")
        assert pair is not None
        low, high = pair
        return ({p.text for p in c.cell(low, "team").prompts if p.kind != "notice"}
                | {p.text for p in c.cell(high, "team").prompts if p.kind == "notice"})

    rate_cell("task", 0)
    assert areas() == {}  # one condition has a score: no lowest and highest yet
    assert c.text("journey.reflect.waiting") in texts(journey.body)
    rate_cell("route", 4)
    first = wanted()
    shown = areas()
    assert set(shown) == first  # two conditions: questions at once, before the rest
    written = sorted(first)[0]
    shown[written].value = "We never wrote it down."  # type: ignore[attr-defined]
    for element, choice in (("task", 4), ("route", 0), ("energy", 2)):
        rate_cell(element, choice)
    assert wanted() != first  # the pair moved
    now = areas()
    assert set(now) == first | wanted()  # the new pair's questions came; none went
    assert all(now[d] is box for d, box in shown.items())  # the same boxes, not redrawn
    assert list(now)[:len(shown)] == list(shown)  # in the order they came

    journey.go("team")  # the learner is still on the step: nothing shown may go
    assert set(areas()) == first | wanted()
    journey.go("self")
    journey.go("team")  # left and back: only the pair's and the one written to
    assert set(areas()) == wanted() | {written}
    assert areas()[written] is shown[written]


def test_a_rating_redraws_the_profile_before_the_store_has_it(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chart the learner watches follows the choice at once; the statement says
    "Saved" only after the store's commit, and a failed save is still said so."""
    journey = Journey(store)
    journey.open({})
    start(journey)
    journey.go("self")
    step = journey._built["self"].step
    panel = step.profile.view
    item = content.cell(content.elements()[0].id, "self").statements[0].id
    rating = next(w for w in _walk(journey.body) if "trace-rating-widget" in w._dom_classes)
    seen: list[str] = []
    append = store.append

    def watched(rows: list) -> list:
        seen.append(panel.value)
        return append(rows)

    monkeypatch.setattr(store, "append", watched)
    after = [panel.value]
    for e in content.elements()[:2]:  # two cells with a score: a profile with bars
        for st in content.cell(e.id, "self").statements:
            rate(rating, st.id, 3, seq=len(seen) + 1)
            after.append(panel.value)
    assert seen == after[1:]  # each drawn as it is when the store is asked to keep it
    assert len(set(after)) > 2
    assert rating.answers[item][2] is True  # and saved once the store had it

    def failing(rows: list) -> list:
        raise RuntimeError("store down")

    monkeypatch.setattr(store, "append", failing)
    drawn = panel.value
    rate(rating, item, 0, seq=100)
    assert panel.value != drawn
    assert rating.answers[item] == [0, 100, False]
