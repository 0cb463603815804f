"""Each role's consent text against where that role's answers really appear; leaders chosen.

Four roles (``privacy.ROLES``): a learner alone, a cohort participant, a team member and a
team leader. For each, one person ("X") with scores nobody else gives, a reflection they
keep and one they share, joins a real workshop (or none) among enough others; then every
view a coach or an operator has is produced (the dashboard's widgets, the aggregate CSV,
``workshop results``, the group report, the workshop export), and what is found there
decides which claims the consent must make. The claims the start step shows for that role
must be exactly those.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from html import escape
from pathlib import Path

import ipywidgets as widgets
import pytest
import test_store

from trace_widgets import cli, content, group, privacy, report, settings, store, workshop
from trace_widgets.coach import Dashboard
from trace_widgets.journey import Journey
from trace_widgets.store import LeaderTakenError

pg_server = test_store.pg_server
store_url = test_store.store_url

K, COMMENT_K = 3, 3
OTHERS = 6
SECRET, SHARED = "KEPT-TO-MYSELF-7731", "SHARED-WITH-THE-ROOM-4410"


@pytest.fixture(autouse=True)
def floors() -> Iterator[None]:
    before = settings.get()
    settings.use(settings.Settings.from_env({}).with_(anonymity_k=K, comment_k=COMMENT_K))
    yield
    settings.use(before)


@pytest.fixture
def s(store_url: str) -> Iterator[store.Store]:
    with store.open_store(store_url) as opened:
        yield opened


def _walk(widget: object) -> list[object]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _walk(child)
    return found


def tree_text(root: widgets.Widget) -> str:
    return "\n".join(json.dumps(w.get_state(), default=str) for w in _walk(root)
                     if isinstance(w, widgets.Widget))


def _rate(s: store.Store, token: str, element: str, space: str, score: int) -> None:
    rater = s.participant(token).role or "self"
    cell = content.cell(element, space)
    s.save(token, {st.id: 6 - score if st.reverse else score for st in cell.statements},
           rater=rater)


def _reflect(s: store.Store, token: str, text: str, *, share: bool, prompt: int = 0) -> None:
    prompt_id = content.cell("task", "team").prompts[prompt].id
    values: dict[str, object] = {prompt_id: text}
    if share:
        values[group.SHARE_PREFIX + prompt_id] = group.SHARE_YES
    s.save(token, values)


def where_x_appears(s: store.Store, role: str) -> set[str]:
    """Play the role and look in every view: the claims its consent has to make."""
    kind = {"solo": None, "cohort": "cohort", "member": "team", "leader": "team"}[role]
    made = None
    if kind is not None:
        made, _ = workshop.open_workshop(s, "Consent check", kind, ["team"])
    x_role = workshop.participant_role(made, leader=role == "leader") if made else None
    x = s.new_participant(workshop=made.code if made else None, role=x_role, consent=True)
    _rate(s, x, "task", "team", 1)  # X alone gives 1
    _reflect(s, x, SECRET, share=False, prompt=0)
    _reflect(s, x, SHARED, share=True, prompt=1)
    room = made if made is not None else workshop.open_workshop(s, "Other room", "team",
                                                                ["team"])[0]
    for n in range(OTHERS):
        lead = n == 0 and role != "leader"
        other = s.new_participant(workshop=room.code, consent=True,
                                  role=workshop.participant_role(room, leader=lead))
        _rate(s, other, "task", "team", 5)
        _reflect(s, other, f"another view {n}", share=True, prompt=1)
    target = room
    summary = workshop.group_summary(s, target)
    board = Dashboard(s, target)
    board.refresh()
    sheet = group.aggregates_csv(summary)
    rows = list(csv.DictReader(io.StringIO(sheet)))
    task = next(r for r in rows if r["element"] == "task")
    html = report.group_report(summary, title=target.title, code=target.code,
                               fmt="html").decode()
    screen = tree_text(board.view)
    coach_sees = "\n".join([screen, sheet, html])
    export = s.export(workshop=target.code, fmt="json")

    claims = {"privacy.claim.operator"}  # every workbook: the operator's exports and erase
    assert x not in export  # the workbook code never leaves the store in a workshop export
    assert x not in coach_sees
    if made is None:
        # Alone: none of X's answers reaches the workshop's views or export.
        assert int(task["n"]) == OTHERS
        assert SHARED not in coach_sees
        assert store.pseudonym(x) not in export
        assert json.loads(s.export(participant=x, fmt="json"))  # theirs, by their code
        return claims | {"privacy.claim.own_private"}
    assert store.pseudonym(x) in export  # the operator's export holds X's rows, pseudonymous
    assert int(task["n"]) == OTHERS + 1  # X counts in the group figures
    claims |= {"privacy.claim.group_only"}
    # Reflections: the kept one nowhere; the shared one only among enough others.
    assert SECRET not in coach_sees
    if SHARED in coach_sees:
        claims.add("privacy.claim.reflections")
    # X's own score (1, which nobody else gives) shown as a figure of its own?
    own = {f"{1:.2f}"}
    figures = {task.get(col, "") for col in ("mean", "leader_mean", "members_mean")}
    gap = summary.gap.set_index("element").loc["task"] if summary.gap is not None else None
    if figures & own or (gap is not None and float(gap["mean_self"]) == 1.0):
        claims.add("privacy.claim.leader_shown")
    else:
        claims.add("privacy.claim.own_hidden")
    if gap is not None and role == "member":
        # X is in the members' average beside the leader.
        assert int(gap["n_others"]) == OTHERS
        claims.add("privacy.claim.members_average")
    return claims


def consent_shown(s: store.Store, role: str) -> tuple[str, ...]:
    """The who-sees-what paragraphs the start step shows to someone about to join as ``role``."""
    journey = Journey(s)
    query: dict[str, str] = {}
    if role != "solo":
        made, _ = workshop.open_workshop(s, "Joining", "team" if role in ("member", "leader")
                                         else "cohort", ["team"])
        query["w"] = made.code
        if role == "leader":
            query["l"] = workshop.issue_leader_key(s, made)
    journey.open(query)
    return tuple(str(w.value)[3:-4] for w in _walk(journey.start.view)
                 if isinstance(w, widgets.HTML) and "trace-consent-who" in w._dom_classes)


@pytest.mark.parametrize("role", privacy.ROLES)
def test_each_role_is_told_exactly_where_its_answers_appear(s: store.Store, role: str) -> None:
    found = where_x_appears(s, role)
    assert set(privacy.CLAIMS[role]) == found
    shown = consent_shown(s, role)
    assert shown == tuple(escape(t) for t in privacy.consent_claims(
        role, k=K, comment_k=COMMENT_K, content=content.get()))


def test_no_consent_text_promises_a_leader_anonymity() -> None:
    """The old text told leaders the coach never sees "your own answers"."""
    leader = " ".join(privacy.consent_claims("leader", k=K, comment_k=COMMENT_K))
    assert content.ui("privacy.claim.own_hidden") not in leader
    assert "not anonymous" in leader


# --- leaders are chosen, not claimed -----------------------------------------------------------


def test_a_team_gets_one_leader_code_kept_as_a_hash(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Team day", "team", ["team"])
    key = workshop.issue_leader_key(s, made)
    found = s.workshop(made.code)
    assert found is not None
    assert found.leader_key_hash is not None
    assert key not in found.leader_key_hash
    assert key not in repr(found)
    with pytest.raises(store.StoreError, match="only once"):
        workshop.issue_leader_key(s, made)  # shown once: never made again
    cohort, _ = workshop.open_workshop(s, "Cohort day", "cohort", ["team"])
    with pytest.raises(store.StoreError, match="only once"):
        workshop.issue_leader_key(s, cohort)
    for wrong in ("WRONG", "", None, key + "X"):
        with pytest.raises(workshop.LeaderAccessError) as denied:
            workshop.check_leader(s, made.code, wrong)
        assert str(denied.value) == content.ui("workshop.leader.denied")
    with pytest.raises(workshop.LeaderAccessError):
        workshop.check_leader(s, cohort.code, key)  # another workshop's code: same message


def test_a_second_leader_is_refused_in_the_store(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Team day", "team", ["team"])
    s.new_participant(workshop=made.code, role="leader", consent=True)
    with pytest.raises(LeaderTakenError) as taken:
        s.new_participant(workshop=made.code, role="leader", consent=True)
    assert str(taken.value) == content.ui("workshop.leader.taken")
    assert s.workshop_size(made.code) == 1
    s.new_participant(workshop=made.code, role="member", consent=True)  # members: any number


def _click(view: widgets.Widget, css: str) -> None:
    next(w for w in _walk(view) if isinstance(w, widgets.Button) and css in w._dom_classes
         ).click()


def _agree_and_start(journey: Journey) -> str:
    view = journey.start.view
    next(w for w in _walk(view) if isinstance(w, widgets.Checkbox)
         and "trace-consent-agree" in w._dom_classes).value = True
    _click(view, "trace-start")
    messages = [str(w.value) for w in _walk(view) if isinstance(w, widgets.Label)
                and "trace-message" in w._dom_classes and w.value]
    return " ".join(messages)


def test_the_leader_link_works_once_and_a_ticked_box_no_longer_exists(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Team day", "team", ["team"])
    key = workshop.issue_leader_key(s, made)
    member = Journey(s)
    member.open({"w": made.code})
    assert not member.start.as_leader
    assert not any("trace-join-leader" in getattr(w, "_dom_classes", ())
                   for w in _walk(member.start.view))
    assert _agree_and_start(member) == ""
    assert s.participant(member.session.token or "").role == "member"

    first, second = Journey(s), Journey(s)
    first.open({"w": made.code, "l": key})
    second.open({"w": made.code, "l": key})
    assert first.start.as_leader
    assert second.start.as_leader
    assert _agree_and_start(first) == ""
    assert s.participant(first.session.token or "").role == "leader"
    assert _agree_and_start(second) == content.ui("workshop.leader.taken")
    assert not second.session.is_open


def test_a_leader_code_typed_on_the_start_step(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Team day", "team", ["team"])
    key = workshop.issue_leader_key(s, made)
    journey = Journey(s)
    journey.open({"w": made.code})
    assert journey.start.claim_leader("NOT-IT") == content.ui("workshop.leader.denied")
    assert not journey.start.as_leader
    assert journey.start.claim_leader(key.lower()) is None
    assert content.ui("journey.leader.joining") in tree_text(journey.start.view)


def test_workshop_new_prints_a_leader_link_for_a_team_only(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert cli.main(["workshop", "new", "--title", "Team", "--kind", "team", "--spaces",
                     "team", "--store", url, "--base-url", "http://h:1/voila/render/"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "leader link:" in x)
    code = next(x for x in out.splitlines() if "join code:" in x).split()[-1]
    key = next(x for x in out.splitlines() if "leader code:" in x).split()[-1]
    assert line.split()[-1] == workshop.leader_link(code, key, "http://h:1/voila/render/")
    with store.open_store(url) as s:
        assert workshop.check_leader(s, code, key).code == code
    assert cli.main(["workshop", "new", "--title", "Cohort", "--spaces", "team",
                     "--store", url]) == 0
    assert "leader" not in capsys.readouterr().out
