"""Instruments: every answer names the instrument and version it was given against, in the
store (SQLite and PostgreSQL), its migration, exports and scoring; recorded fingerprints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text, update

from tests.unit import test_store
from trace_widgets import _migrations, answers, content, research, scoring, store
from trace_widgets.store import Store

pg_server = test_store.pg_server
store_url = test_store.store_url
_defaults = test_store._defaults

PULSE = "pulse.task.self"
FULL = ("task.self.s1", "task.self.s3", "task.self.s4")


@pytest.fixture
def s(store_url: str) -> Iterator[Store]:
    with store.open_store(store_url) as opened:
        yield opened


def test_bundled_wording_matches_the_recorded_fingerprints() -> None:
    wording = [p for p in content.check() if "fingerprint" in p.message or "recorded" in
               p.message]
    assert not wording, (
        "A statement's wording changed without a new id or version:\n"
        + "\n".join(str(p) for p in wording)
        + "\nGive a reworded statement a new id, raise the instrument's version in its "
          "instrument.yaml, run `trace-workbook content fingerprint` and commit "
          "fingerprints.yaml (docs/researcher-guide.md, 'Instruments').")


def test_the_pulse_is_one_statement_per_cell_taken_from_the_full_instrument() -> None:
    c = content.get()
    full, pulse = c.instrument("trace"), c.instrument("pulse")
    assert (full.main, len(full.statements()), pulse.main, len(pulse.statements())) == (
        True, 80, False, 20)
    assert set(pulse.cells) == set(c.cells)
    assert all(len(sts) == 1 for sts in pulse.cells.values())
    for (e, sp), (st,) in pulse.cells.items():
        taken = pulse.same_as[st.id]
        assert taken in {x.id for x in c.cell(e, sp).statements}
        assert st.id == f"pulse.{e}.{sp}"
    reverse = sum(st.reverse for st in pulse.statements())
    assert 0.25 <= reverse / 20 <= 0.4  # about a third, as in the full instrument
    assert pulse.version
    assert pulse.fingerprint != full.fingerprint


def test_every_answer_names_its_instrument_and_version() -> None:
    t = "p" * 22
    rows = [answers.make(t, "task.self.s1", 4), answers.make(t, PULSE, 2),
            answers.make(t, "task.self.p1", "A note")]
    assert [(a.instrument, a.version) for a in rows] == [("trace", "1"), ("pulse", "1"),
                                                         ("trace", "1")]
    frame = answers.to_frame(rows)
    assert list(frame.columns) == list(answers.COLUMNS)
    assert frame["instrument"].tolist() == ["trace", "pulse", "trace"]


def test_the_store_keeps_instrument_and_version(s: Store) -> None:
    t = s.new_participant(consent=True)
    s.save(t, {FULL[0]: 4, PULSE: 2, "task.self.p1": "A note"})
    for frame in (s.current(t), s.history(t)):
        got = dict(zip(frame["item"], zip(frame["instrument"], frame["version"],
                                          strict=True), strict=True))
        assert got == {FULL[0]: ("trace", "1"), PULSE: ("pulse", "1"),
                       "task.self.p1": ("trace", "1")}
    with s._engine.connect() as conn:
        stored = conn.execute(text("SELECT item, instrument, version FROM answers "
                                   "ORDER BY id")).all()
    assert [tuple(r) for r in stored] == [(FULL[0], "trace", "1"), (PULSE, "pulse", "1"),
                                          ("task.self.p1", "trace", "1")]


def test_a_forged_instrument_is_replaced_by_the_items_own(s: Store) -> None:
    t = s.new_participant(consent=True)
    real = answers.make(t, PULSE, 3)
    forged = answers.Answer(**{**real.as_row(), "instrument": "trace", "version": "9"})
    kept = s.append(forged)
    assert (kept[0].instrument, kept[0].version) == ("pulse", "1")
    assert s.history(t)["instrument"].tolist() == ["pulse"]


def test_a_version_8_store_gives_old_answers_the_bundled_instrument(store_url: str) -> None:
    with store.open_store(store_url) as s:
        t = s.new_participant(consent=True)
        s.save(t, {FULL[0]: 4, "task.self.p1": "Before instruments"})
        with s._engine.begin() as conn:  # make it as version 8 left it
            for col in ("instrument", "version"):
                conn.execute(text(f"ALTER TABLE answers DROP COLUMN {col}"))
            conn.execute(update(_migrations.schema_version).values(version=8))
    with store.open_store(store_url) as s:
        with s._engine.connect() as conn:
            assert _migrations.version(conn) == _migrations.LATEST
        frame = s.history(t)
        assert set(zip(frame["instrument"], frame["version"], strict=True)) == {("trace", "1")}
        s.save(t, {PULSE: 5})
        assert s.current(t).set_index("item").loc[PULSE, "instrument"] == "pulse"


def test_scoring_keeps_instruments_apart() -> None:
    t = "p" * 22
    rows = [answers.make(t, i, 2) for i in FULL] + [answers.make(t, PULSE, 5)]
    frame = answers.to_frame(rows)
    full = scoring.cell_scores(frame)
    pulse = scoring.cell_scores(frame, instrument="pulse")
    assert full[["element", "space", "score", "items"]].to_dict("records") == [
        {"element": "task", "space": "self", "score": 2.0, "items": 4}]
    assert pulse[["element", "space", "score", "items"]].to_dict("records") == [
        {"element": "task", "space": "self", "score": 5.0, "items": 1}]
    assert scoring.item_scores(frame, instrument="pulse")["item"].tolist() == [PULSE]
    assert scoring.round_scores(frame, instrument="pulse")["score"].tolist() == [5.0]


def test_the_research_export_carries_instrument_and_version(s: Store, tmp_path: Path) -> None:
    people = [s.new_participant(consent=True) for _ in range(3)]
    for n, t in enumerate(people):
        s.save(t, {FULL[0]: 1 + n, PULSE: 5 - n})
    found = research.export(s, solo=True)
    long = found.long
    assert set(zip(long["item"], long["instrument"], long["version"], strict=True)) == {
        (FULL[0], "trace", "1"), (PULSE, "pulse", "1")}
    # The wide file keeps each instrument in rows of its own: never one row of both.
    wide = found.wide
    for _, row in wide.iterrows():
        filled = {c for c in (FULL[0], PULSE) if not pd.isna(row[c])}
        assert filled == ({FULL[0]} if row["instrument"] == "trace" else {PULSE})
    book = found.codebook.set_index("name")
    assert tuple(book.loc[PULSE, ["instrument", "version"]]) == ("pulse", "1")
    assert book.loc[PULSE, "label"] == content.get().instrument("pulse").statements(
        "task", "self")[0].text
    assert {(i["instrument"], i["version"]) for i in found.metadata["instruments"]} == {
        ("trace", "1"), ("pulse", "1")}
    found.write(tmp_path / "out")
    header = (tmp_path / "out" / research.FILES["long"]).read_text().splitlines()[0]
    assert {"instrument", "version"} <= set(header.split(","))


def test_the_store_export_carries_instrument_and_version(s: Store) -> None:
    t = s.new_participant(consent=True)
    s.save(t, {PULSE: 3})
    csv_text = s.export(participant=t)
    header, row = csv_text.splitlines()[:2]
    assert header.split(",")[8:10] == ["instrument", "version"]
    assert row.split(",")[8:10] == ["pulse", "1"]
    back = store.read_export(csv_text, "csv")
    assert back[["instrument", "version"]].to_dict("records") == [
        {"instrument": "pulse", "version": "1"}]


def test_an_export_from_before_instruments_reads_back_with_the_items_own(s: Store) -> None:
    t = s.new_participant(consent=True)
    s.save(t, {PULSE: 3, FULL[0]: 4})
    lines = s.export(participant=t).splitlines()
    drop = [lines[0].split(",").index(c) for c in ("instrument", "version")]
    old = "\n".join(",".join(v for n, v in enumerate(line.split(",")) if n not in drop)
                    for line in lines) + "\n"
    assert "instrument" not in old
    back = store.read_export(old, "csv")
    assert dict(zip(back["item"], back["instrument"], strict=True)) == {PULSE: "pulse",
                                                                       FULL[0]: "trace"}
