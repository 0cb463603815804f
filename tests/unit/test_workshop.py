"""Workshops: join codes, coach keys and their hashes, opening, checking and joining."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator

import pandas as pd
import pytest

from trace_widgets import _cli_workshop, content, store, workshop
from trace_widgets.answers import AnswerError


@pytest.fixture
def s() -> Iterator[store.Store]:
    with store.open_store("sqlite://") as opened:
        yield opened


# --- codes and keys ---------------------------------------------------------------------------


def test_join_codes_are_short_and_unambiguous() -> None:
    codes = {workshop.new_join_code() for _ in range(2_000)}
    assert len(codes) > 1_990  # random: practically no repeats
    assert all(len(c) == 6 for c in codes)
    assert not set("".join(codes)) & set("0O1IL")
    assert set("".join(codes)) <= set(workshop.ALPHABET)


def test_coach_keys_have_at_least_128_random_bits() -> None:
    keys = {workshop.new_coach_key() for _ in range(200)}
    assert len(keys) == 200
    key = keys.pop()
    assert len(key) * 5 >= 128  # base32: 5 bits per character
    assert key == workshop.normalise_key(key)


def test_a_key_hash_is_salted_and_checked_in_constant_form() -> None:
    key = workshop.new_coach_key()
    first, second = workshop.hash_key(key), workshop.hash_key(key)
    assert first != second  # a new salt each time
    assert key not in first
    assert workshop.verify_key(key, first)
    assert workshop.verify_key(key, second)
    assert workshop.verify_key(f" {key.lower()[:8]}-{key[8:]} ", first)  # as typed
    assert not workshop.verify_key(workshop.new_coach_key(), first)
    assert not workshop.verify_key("", workshop.hash_key(""))  # an empty key never opens
    for broken in ("", "sha256$", "sha256$zz$00", "md5$00$00", first.replace("sha256", "x")):
        assert not workshop.verify_key(key, broken)
    assert not workshop.verify_key(None, first)


@pytest.mark.parametrize(("typed", "code"), [
    ("k7mq4p", "K7MQ4P"),
    (" K7M-Q4P ", "K7MQ4P"),
    ("K7M Q4P", "K7MQ4P"),
    ("K7M–Q4P", "K7MQ4P"),  # an en dash, as phones autocorrect
    ("Ｋ７ＭＱ４Ｐ", "K7MQ4P"),  # full-width characters
    ("http://10.0.0.5:8866/voila/render/app.ipynb?w=k7mq4p", "K7MQ4P"),
    ("app.ipynb?w=K7MQ4P&step=team", "K7MQ4P"),
    ("", ""),
    ("   ", ""),
    ("K7MQ4P!", ""),
    ("<b>K7</b>", ""),
    ("A" * 17, ""),
    (None, ""),
    (123456, ""),
])
def test_normalise_code(typed: object, code: str) -> None:
    assert workshop.normalise_code(typed) == code


def test_links() -> None:
    assert workshop.join_link("K7MQ4P") == "app.ipynb?w=K7MQ4P"
    assert workshop.dashboard_link("K7MQ4P", "KEY2") == "coach.ipynb?w=K7MQ4P&k=KEY2"
    assert workshop.join_link("A&B", "http://h/") == "http://h/app.ipynb?w=A%26B"


# --- opening and checking ---------------------------------------------------------------------


def test_open_workshop_keeps_only_a_hash_of_the_key(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "  Ward leads  ", "team", ["team", "self"])
    kept = s.workshop(made.code)
    assert kept is not None
    assert kept.title == "Ward leads"
    assert kept.spaces == ("self", "team")  # content order
    assert key not in kept.coach_key_hash
    assert workshop.verify_key(key, kept.coach_key_hash)
    assert set(made.code) <= set(workshop.ALPHABET)


def test_a_taken_random_code_is_retried(s: store.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = workshop.open_workshop(s, "One", "cohort", ["self"])
    offered = iter([first.code, first.code, "ZZZZZZ"])
    monkeypatch.setattr(workshop, "new_join_code", lambda: next(offered))
    second, _ = workshop.open_workshop(s, "Two", "cohort", ["self"])
    assert second.code == "ZZZZZZ"


def test_a_chosen_code_that_is_taken_is_an_error(s: store.Store) -> None:
    workshop.open_workshop(s, "One", "cohort", ["self"], code="REHRS2")
    with pytest.raises(store.StoreError, match="taken"):
        workshop.open_workshop(s, "Two", "cohort", ["self"], code="REHRS2")


@pytest.mark.parametrize(("title", "kind", "spaces", "field"), [
    ("", "cohort", ["self"], "title"),
    ("Day", "solo", ["self"], "kind"),
    ("Day", "cohort", [], "spaces"),
    ("Day", "cohort", ["self", "moon"], "spaces"),
])
def test_open_workshop_refuses_bad_input(s: store.Store, title: str, kind: str,
                                         spaces: list[str], field: str) -> None:
    with pytest.raises(AnswerError) as caught:
        workshop.open_workshop(s, title, kind, spaces)
    assert caught.value.field == field


def test_check_coach_says_the_same_for_a_wrong_code_or_key(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "Day", "cohort", ["self"])
    other, other_key = workshop.open_workshop(s, "Other", "cohort", ["self"])
    assert workshop.check_coach(s, made.code.lower(), key.lower()).code == made.code
    messages = set()
    for code, k in [(made.code, "WRONG"), ("NOSUCH", key), (made.code, other_key),
                    (other.code, key), ("", key), (made.code, ""), (None, None),
                    ("<script>", key)]:
        with pytest.raises(workshop.CoachAccessError) as caught:
            workshop.check_coach(s, code, k)
        messages.add(str(caught.value))
    assert messages == {content.get().text("workshop.coach_denied")}


def test_a_closed_workshop_still_opens_its_dashboard(s: store.Store) -> None:
    made, key = workshop.open_workshop(s, "Day", "cohort", ["self"])
    s.close_workshop(made.code)
    assert not workshop.check_coach(s, made.code, key).is_open


# --- joining ----------------------------------------------------------------------------------


def test_find_open_workshop(s: store.Store) -> None:
    made, _ = workshop.open_workshop(s, "Day", "team", ["team"])
    assert workshop.find_open_workshop(s, f"{made.code[:3]}-{made.code[3:]}").code == made.code
    with pytest.raises(workshop.JoinError, match="could not find"):
        workshop.find_open_workshop(s, "NOSUCH")
    with pytest.raises(workshop.JoinError, match="could not find"):
        workshop.find_open_workshop(s, "")
    s.close_workshop(made.code)
    with pytest.raises(workshop.JoinError, match="closed"):
        workshop.find_open_workshop(s, made.code)


def test_roles_and_steps(s: store.Store) -> None:
    team, _ = workshop.open_workshop(s, "Team", "team", ["organisation", "team"])
    cohort, _ = workshop.open_workshop(s, "Cohort", "cohort", ["self"])
    assert workshop.participant_role(team, leader=True) == "leader"
    assert workshop.participant_role(team) == "member"
    assert workshop.participant_role(cohort, leader=True) is None
    assert workshop.journey_steps(team) == ("start", "team", "organisation", "plan")
    token = s.new_participant(workshop=team.code, role=workshop.participant_role(team),
                              consent=True)
    assert s.participant(token).role == "member"


# --- the command line -------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="trace-workbook")
    _cli_workshop.add_workshop_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def store_url(tmp_path: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path}/cli.sqlite3"


def test_cli_workshop_new_prints_code_link_and_key_once(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["workshop", "new", "--title", "Ward leads", "--kind", "team",
                  "--spaces", "team,self", "--base-url", "https://trace.example/voila/render",
                  "--store", store_url])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    fields = dict(line.strip().split(":  ", 1) for line in out.splitlines() if ":  " in line)
    code, key = fields["join code"], fields["coach key"]
    assert fields["join link"] == f"https://trace.example/voila/render/app.ipynb?w={code}"
    assert fields["dashboard"].endswith(f"coach.ipynb?w={code}&k={key}")
    assert out.count(key) == 2  # the key, and the dashboard link that holds it
    with store.open_store(store_url) as s:
        made = workshop.check_coach(s, code, key)
    assert (made.kind, made.spaces, made.exercises) == ("team", ("self", "team"),
                                                        store.EXERCISES)
    assert store.EXERCISES == ("reflection", "priorities", "action_plan")


def test_cli_workshop_new_for_ratings_only(store_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["workshop", "new", "--title", "Quick pulse", "--exercises", "",
                  "--code", "PULSE2", "--store", store_url])
    assert args.handler(args) == 0
    args = parse(["workshop", "new", "--title", "Typo", "--exercises", "reflection,dance",
                  "--store", store_url])
    assert args.handler(args) == 1
    assert "exercises" in capsys.readouterr().err
    with store.open_store(store_url) as s:
        assert s.workshop("PULSE2").exercises == ()  # type: ignore[union-attr]


def test_cli_close_and_results(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["demo", "--workshop", "--code", "REHRS2", "--participants", "4",
                  "--spaces", "team", "--store", store_url])
    assert args.handler(args) == 0
    capsys.readouterr()
    args = parse(["workshop", "results", "REHRS2", "--store", store_url])
    assert args.handler(args) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table["withheld"]) == ["no"] * 5
    args = parse(["workshop", "close", "rehrs2", "--store", store_url])
    assert args.handler(args) == 0
    assert "closed workshop REHRS2" in capsys.readouterr().err
    with store.open_store(store_url) as s:
        assert not s.workshop("REHRS2").is_open  # type: ignore[union-attr]
    args = parse(["workshop", "close", "NOSUCH", "--store", store_url])
    assert args.handler(args) == 1


def test_cli_demo_fills_a_workshop_through_the_store(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["demo", "--workshop", "--participants", "25", "--seed", "7",
                  "--store", store_url])
    assert args.handler(args) == 0
    out, err = capsys.readouterr()
    code = next(line.split(":  ")[1].strip() for line in out.splitlines()
                if "join code" in line)
    assert "25 demo participants" in err
    with store.open_store(store_url) as s:
        made = s.workshop(code)
        assert made is not None
        assert "(demo data)" in made.title
        frame = s.workshop_answers(code)
    assert frame["participant"].nunique() == 25
    assert sorted(frame["rater"].unique()) == ["leader", "member"]
    assert (frame.groupby("participant")["rater"].nunique() == 1).all()
    # Fill it again: 10 more join the same demo.
    args = parse(["demo", "--workshop", "--code", code, "--participants", "10",
                  "--store", store_url])
    assert args.handler(args) == 0
    with store.open_store(store_url) as s:
        again = s.workshop_answers(code)
    assert again["participant"].nunique() == 35
    assert again.loc[again["rater"] == "leader", "participant"].nunique() == 1  # one leader


def test_cli_demo_never_fills_a_real_workshop(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with store.open_store(store_url) as s:
        workshop.open_workshop(s, "Real people", "cohort", ["self"], code="REAL22")
    args = parse(["demo", "--workshop", "--code", "REAL22", "--store", store_url])
    assert args.handler(args) == 1
    assert "not a demo workshop" in capsys.readouterr().err
    with store.open_store(store_url) as s:
        assert s.workshop_answers("REAL22").empty


def test_cli_demo_bounds_and_cohort(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["demo", "--workshop", "--participants", "0", "--store", store_url])
    assert args.handler(args) == 1
    args = parse(["demo", "--workshop", "--participants", "3", "--kind", "cohort",
                  "--spaces", "self", "--code", "COHRT3", "--store", store_url])
    assert args.handler(args) == 0
    with store.open_store(store_url) as s:
        frame = s.workshop_answers("COHRT3")
    assert set(frame["rater"]) == {"self"}
    assert set(frame["space"]) == {"self"}
