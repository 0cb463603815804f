"""The research export: keyed pseudonyms, no free text unless asked, the floor, the codebook."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect, text, update

from tests.unit.test_store import pg_server, store_url  # noqa: F401 - fixtures
from trace_widgets import (
    _migrations,
    answers,
    cli,
    content,
    demo,
    psychometrics,
    research,
    settings,
    store,
)

SECRET_TEXT = "my manager never listens"


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default = f"sqlite:///{tmp_path / 'default' / 'trace.sqlite3'}"
    monkeypatch.setattr(settings, "_current", settings.get().with_(store=default,
                                                                   anonymity_k=3))


def _fill(s: store.Store, code: str, kind: str, n: int, seed: int) -> list[str]:
    s.create_workshop(code, f"Workshop {code}", kind, ["self", "team"], "h" * 64)
    frame = demo.demo_answers(n, seed=seed, workshop=code)
    tokens = []
    for person in demo.participants(frame):
        t = s.new_participant(workshop=code, consent=True)
        mine = frame.loc[frame["participant"] == person]
        values = dict(zip(mine["item"], mine["value"], strict=True))
        values["task.team.p1"] = SECRET_TEXT
        values["plan.1.what"] = "=HYPERLINK(1)"
        s.save(t, values)
        tokens.append(t)
    return tokens


@pytest.fixture
def filled(store_url: str) -> Iterator[tuple[store.Store, dict[str, list[str]]]]:  # noqa: F811
    with store.open_store(store_url) as s:
        tokens = {"TEAMA": _fill(s, "TEAMA", "team", 6, 1),
                  "COHB": _fill(s, "COHB", "cohort", 4, 2),
                  "PAIR": _fill(s, "PAIR", "team", 2, 3)}
        yield s, tokens


def _everything(made: research.Export) -> str:
    return "\n".join(made.files().values())


def test_pseudonyms_are_keyed_stable_and_never_a_token(
        filled: tuple[store.Store, dict[str, list[str]]], store_url: str) -> None:  # noqa: F811
    s, tokens = filled
    first = research.export(s)
    everything = _everything(first)
    every_token = [t for ts in tokens.values() for t in ts]
    assert not any(t in everything for t in every_token)
    assert s.research_key().hex() not in everything
    # Not the coach's plain hash either: that one anyone with the token can compute.
    assert not any(store.pseudonym(t) in everything for t in every_token)
    names = set(first.long["participant"])
    assert names == set(first.wide["participant"])
    assert all(n.startswith(research.PREFIX) and len(n) == 22 for n in names)
    assert names.isdisjoint(every_token)
    key = s.research_key()
    assert names == {research.pseudonym(key, t) for t in tokens["TEAMA"] + tokens["COHB"]}
    # The key is kept: another export, from the store opened again, gives the same names.
    with store.open_store(store_url) as again:
        second = research.export(again, workshops=["COHB"])
    assert set(second.long["participant"]) == {research.pseudonym(key, t)
                                               for t in tokens["COHB"]}


def test_a_person_keeps_one_pseudonym_across_workshops() -> None:
    token = "T" * 32
    rows = [answers.make(token, "task.self.s1", 4, workshop="W1"),
            answers.make(token, "task.self.s1", 2, workshop="W2"),
            answers.make("U" * 32, "task.self.s1", 3, workshop="W2")]
    long = research.long_layout(answers.to_frame(rows), key=b"k" * 32)
    by_workshop = long.groupby("workshop")["participant"].agg(set)
    assert by_workshop["W1"] < by_workshop["W2"]
    other = research.long_layout(answers.to_frame(rows), key=b"j" * 32)
    assert set(other["participant"]).isdisjoint(long["participant"])


def test_free_text_only_when_asked(filled: tuple[store.Store, dict[str, list[str]]]) -> None:
    s, _ = filled
    without = research.export(s)
    assert "text" not in without.long.columns
    assert SECRET_TEXT not in _everything(without)
    assert "HYPERLINK" not in _everything(without)
    assert without.metadata["free_text"] is False
    with_text = research.export(s, include_text=True)
    assert SECRET_TEXT in set(with_text.long["text"])
    csv_text = with_text.files()[research.FILES["long"]]
    assert "'=HYPERLINK(1)" in csv_text  # a spreadsheet would run it as a formula
    back = research.read_long(io.StringIO(csv_text))
    assert "=HYPERLINK(1)" in set(back["value"].dropna().astype(str))


def test_the_floor_leaves_out_small_workshops_and_says_so(
        filled: tuple[store.Store, dict[str, list[str]]]) -> None:
    s, _ = filled
    made = research.export(s)
    assert set(made.long["workshop"]) == {"TEAMA", "COHB"}
    assert made.metadata["anonymity_floor"] == 3
    assert made.metadata["withheld_workshops"] == 1
    assert "fewer than 3 people" in made.files()[research.FILES["markdown"]]
    stricter = research.export(s, k=5)
    assert set(stricter.long["workshop"]) == {"TEAMA"}
    assert json.loads(stricter.files()[research.FILES["metadata"]])["anonymity_floor"] == 5
    kinds = made.long.drop_duplicates("workshop").set_index("workshop")["workshop_kind"]
    assert kinds.to_dict() == {"TEAMA": "team", "COHB": "cohort"}


def test_the_codebook_covers_every_column_and_item(
        filled: tuple[store.Store, dict[str, list[str]]]) -> None:
    s, _ = filled
    c = content.get()
    made = research.export(s, include_text=True, history=True)
    book = made.codebook
    variables = set(book.loc[book["section"] == "variable", "name"])
    items = book.loc[book["section"] == "item"].set_index("name")
    statements = [st.id for _, st in c.statements()]
    assert set(made.long.columns) <= variables
    assert set(made.wide.columns) - set(statements) <= variables
    assert set(statements) <= set(items.index)
    assert set(made.long["item"]) <= set(items.index)
    assert book["label"].astype(bool).all()  # every variable and item has its wording
    for cell, st in c.statements():
        row = items.loc[st.id]
        assert (row["label"], row["element"], row["space"], row["reverse"]) == (
            st.text, cell.element, cell.space, int(st.reverse))
        assert row["condition"] == c.element(cell.element).condition
        assert row["values"].startswith("1 = " + c.scale.points[0].label)
        assert (row["instrument"], row["version"]) == research.instrument(c)
    md = made.files()[research.FILES["markdown"]]
    assert all(f"`{name}`" in md for name in book["name"])


def test_every_item_in_content_has_its_kinds_label() -> None:
    """Each kind labels its own items (``ExerciseKind.describe``); none is left empty."""
    c = content.get()
    long = pd.DataFrame({"item": list(c.items),
                         "instrument": [s.instrument for s in c.items.values()]})
    book = research.codebook(long, pd.DataFrame(), c)
    labels = book.loc[book["section"] == "item"].set_index("name")["label"]
    assert set(labels.index) == set(c.items)
    assert sorted(labels.index[labels == ""]) == []
    assert {c.items[i].exercise for i in labels.index} == {
        "rating", "reflection", "priorities", "action_plan", "rater_comment"}
    prompt = c.cell("task", "self").prompts[0]
    assert labels[prompt.id] == prompt.text
    assert labels["share." + prompt.id] == c.text("research.item.share", prompt=prompt.text)
    team = c.space("team").name
    assert labels["priorities.team"] == c.text("research.item.priorities", space=team)
    assert labels["rater_comment.team"] == c.text("research.item.rater_comment", space=team)
    field = c.action_plan.fields[0]
    assert labels[f"plan.2.{field.id}"] == c.text("research.item.plan", n=2, label=field.label)


def test_wide_layout_has_the_latest_value_as_given() -> None:
    t = "T" * 32
    at = pd.Timestamp("2026-01-01", tz="UTC")
    rows = [answers.make(t, "task.self.s2", 5, at=at),
            answers.make(t, "task.self.s2", 4, at=at + pd.Timedelta(minutes=1)),
            answers.make(t, "task.self.s1", None, at=at)]
    wide = research.wide_layout(research.long_layout(answers.to_frame(rows), key=b"k" * 32))
    assert len(wide) == 1
    assert wide.loc[0, "task.self.s2"] == 4  # as given: reverse scoring is the analyst's
    assert pd.isna(wide.loc[0, "task.self.s1"])


def test_reliability_from_an_export_equals_reliability_from_the_store(
        filled: tuple[store.Store, dict[str, list[str]]]) -> None:
    s, _ = filled
    made = research.export(s)
    back = research.read_long(io.StringIO(made.files()[research.FILES["long"]]))
    raw = pd.concat([s.workshop_answers(w, pseudonymous=False) for w in ("TEAMA", "COHB")])
    mine = psychometrics.reliability(back).scales
    theirs = psychometrics.reliability(raw).scales
    pd.testing.assert_frame_equal(mine, theirs)


def test_cli_exports_and_prints_reliability(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with store.open_store(url) as s:
        _fill(s, "TEAMA", "team", 5, 4)
    out = tmp_path / "export"
    assert cli.main(["research", "export", "--store", url, "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(research.FILES.values())
    assert all(p.stat().st_mode & 0o077 == 0 for p in out.iterdir())
    capsys.readouterr()
    assert cli.main(["research", "reliability", "--input", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "task.self" in printed
    assert "alpha" in printed
    table = pd.read_csv(out / "reliability.csv")
    assert set(table["level"]) == {"scale", "item"}
    assert cli.main(["research", "reliability", "--input", str(tmp_path / "none.csv")]) == 1
    assert cli.main(["research", "export", "--store", url, "-o", str(out),
                     "--workshop", "NOPE"]) == 1


def test_a_version_7_store_gains_the_research_key_table(store_url: str) -> None:  # noqa: F811
    with store.open_store(store_url) as s, s._engine.begin() as conn:
        conn.execute(text("DROP TABLE research_keys"))
        conn.execute(update(_migrations.schema_version).values(version=7))
    with store.open_store(store_url) as s:
        with s._engine.connect() as conn:
            assert inspect(conn).has_table("research_keys")
            assert _migrations.version(conn) == _migrations.LATEST
        key = s.research_key()
        assert len(key) == 32
        assert s.research_key() == key


def test_solo_learners_and_their_raters_with_subject_pseudonyms(store_url: str) -> None:  # noqa: F811
    with store.open_store(store_url) as s:
        me = s.new_participant(consent=True)
        s.save(me, {"task.self.s1": 4, "task.team.s1": 5})
        raters = []
        for n in range(3):
            r = s.invite(me, "peer", ["team"])
            s.record_consent(r)
            s.save(r, {"task.team.s1": 2 + n}, rater="peer")
            raters.append(r)
        assert research.export(s).long.empty  # outside workshops only when asked
        made = research.export(s, solo=True)
        key = s.research_key()
        everything = _everything(made)
        assert not any(t in everything for t in [me, *raters])
    long = made.long
    rated = long.loc[long["rater"] == "peer"]
    assert set(rated["participant"]) == {research.pseudonym(key, r) for r in raters}
    assert set(rated["subject"]) == {research.pseudonym(key, me)}
    assert set(long.loc[long["rater"] == "self", "subject"]) == {""}
    assert made.metadata["solo"] is True
    assert "subject" in set(made.codebook["name"])
    assert set(made.wide["rater"]) == {"self", "peer"}


def test_each_round_keeps_its_own_current_answer() -> None:
    t = "T" * 32
    at = pd.Timestamp("2026-01-01", tz="UTC")
    rows = answers.to_frame([answers.make(t, "task.self.s1", 2, at=at),
                             answers.make(t, "task.self.s1", 5, at=at + pd.Timedelta(days=90))])
    rows.loc[1, "round"] = 2
    wide = research.wide_layout(research.long_layout(rows, key=b"k" * 32))
    assert wide.set_index("round")["task.self.s1"].to_dict() == {1: 2, 2: 5}


def test_demo_export_loads_like_a_file(tmp_path: Path) -> None:
    made = research.demo_export(2, 6)
    made.write(tmp_path)
    from_file = research.load(tmp_path)
    assert set(from_file["workshop"]) == {"DEMO1", "DEMO2"}
    assert from_file["participant"].str.startswith(research.PREFIX).all()
    pd.testing.assert_frame_equal(
        psychometrics.reliability(from_file).scales,
        psychometrics.reliability(research.load(tmp_path / research.FILES["long"])).scales)
    assert len(research.load(None)) > 0
