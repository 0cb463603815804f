"""An instrument with its own scale: a researcher's 7-point frequency scale ("Never" ...
"Always") beside the model's 1-5 agreement scale. Its statements check, show, score and
export on their own scale, and are never pooled with the main instrument's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sinks import Sink

from trace_widgets import answers, content, research, scoring, settings
from trace_widgets.answers import AnswerError
from trace_widgets.exercises import RatingState, rating_view

TOKEN = "f" * 22
WORDS = ("Never", "Rarely", "Occasionally", "Sometimes", "Often", "Usually", "Always")
ITEMS = ("often.task.team.1", "often.task.team.2", "often.route.team.1")


def write_instrument(folder: Path) -> Path:
    """A tmp instrument folder like the example in docs/researcher-guide.md, recorded."""
    own = folder / "often"
    own.mkdir(parents=True)
    points = "".join(f"    - {{value: {n}, label: {w}}}\n" for n, w in enumerate(WORDS, 1))
    (own / "instrument.yaml").write_text(
        "id: often\nversion: '1'\nname: How often\n"
        "description: How often the team does what each condition needs.\n"
        f"scale:\n  points:\n{points}  not_sure: Cannot say\n"
        "statements:\n"
        "  - {id: often.task.team.1, element: task, space: team,\n"
        "     text: We say out loud what we are here to achieve.}\n"
        "  - {id: often.task.team.2, element: task, space: team, reverse: true,\n"
        "     text: We start work before we agree what it is for.}\n"
        "  - {id: often.route.team.1, element: route, space: team,\n"
        "     text: We check our plan against what has happened.}\n")
    content.record_fingerprints(instruments=folder)
    return own


@pytest.fixture
def often(tmp_path: Path) -> Iterator[content.Content]:
    write_instrument(tmp_path / "mine")
    before = settings.get()
    settings.use(before.with_(instruments_dir=str(tmp_path / "mine")))
    try:
        yield content.get()
    finally:
        settings.use(before)


def test_the_instrument_loads_clean_on_its_own_scale(often: content.Content,
                                                     tmp_path: Path) -> None:
    assert content.check(instruments=tmp_path / "mine") == ()
    scale = often.scale_of("often")
    assert (scale.low, scale.high, scale.label(1), scale.label(7)) == (1, 7, "Never", "Always")
    assert often.instrument("often").own_scale
    # The rest keep the model's scale.
    assert often.scale == often.scale_of("trace") == often.scale_of("pulse")
    assert often.scale.high == 5


def test_its_statements_check_1_to_7_and_refuse_8(often: content.Content) -> None:
    for value in range(1, 8):
        assert answers.make(TOKEN, ITEMS[0], value).value == value
    assert answers.make(TOKEN, ITEMS[0], None).value is None  # "not sure"
    for value in (0, 8, 70):
        with pytest.raises(AnswerError, match=f"rating {value} is outside 1-7"):
            answers.make(TOKEN, ITEMS[0], value)
    # The main instrument's statements are still on 1-5.
    with pytest.raises(AnswerError, match="rating 6 is outside 1-5"):
        answers.make(TOKEN, "task.team.s1", 6)
    assert (row := answers.make(TOKEN, ITEMS[1], 7)).instrument == "often"
    assert row.version == "1"


def test_the_control_shows_seven_choices_with_their_labels(often: content.Content) -> None:
    sink = Sink()
    state = RatingState(TOKEN, "team", elements=("task", "route"), instrument="often")
    view = rating_view(state, sink)
    spec = view.control.widget.spec
    assert spec["choices"] == [*WORDS, "Cannot say"]
    assert view.control.values == [1, 2, 3, 4, 5, 6, 7, None]
    assert spec["intro"] == often.text("rating.intro.any_scale", not_sure="Cannot say")
    assert [s["id"] for g in spec["groups"] for s in g["statements"]] == list(ITEMS)
    view.choose(ITEMS[0], 6)  # "Always"
    view.choose(ITEMS[1], 7)  # "Cannot say"
    view.choose(ITEMS[2], 8)  # off the end: refused, nothing saved
    assert [(a.item, a.value) for a in sink.rows] == [(ITEMS[0], 7), (ITEMS[1], None)]
    assert view.saver.message == often.text("rating.rejected")
    # The main instrument's control is as before: five points and the short "not sure".
    main = rating_view(RatingState(TOKEN, "team", elements=("task",)), Sink())
    assert main.control.widget.spec["choices"] == [
        *(p.label for p in often.scale.points), often.text("rating.not_sure")]
    assert main.control.widget.spec["intro"] == often.text(
        "rating.intro", not_sure=often.text("rating.not_sure"))


def test_scoring_is_on_its_scale_and_kept_apart(often: content.Content) -> None:
    rows = [answers.make(TOKEN, ITEMS[0], 6), answers.make(TOKEN, ITEMS[1], 7),
            answers.make(TOKEN, ITEMS[2], 1)]
    rows += [answers.make(TOKEN, s.id, 5) for s in often.cell("task", "team").statements
             if not s.reverse]
    frame = answers.to_frame(rows)
    items = scoring.item_scores(frame, instrument="often")
    # A reverse-worded answer turns round on 1-7: 8 - 7 = 1.
    assert items[["item", "value", "score"]].to_dict("records") == [
        {"item": ITEMS[0], "value": 6.0, "score": 6.0},
        {"item": ITEMS[1], "value": 7.0, "score": 1.0},
        {"item": ITEMS[2], "value": 1.0, "score": 1.0}]
    cells = scoring.cell_scores(frame, instrument="often")
    assert cells[["element", "space", "score", "items"]].to_dict("records") == [
        {"element": "task", "space": "team", "score": 3.5, "items": 2},
        {"element": "route", "space": "team", "score": 1.0, "items": 1}]
    # The main instrument's scores leave the frequency answers out, and the other way round.
    main = scoring.cell_scores(frame)
    assert main[["element", "space", "score"]].to_dict("records") == [
        {"element": "task", "space": "team", "score": 5.0}]
    assert set(scoring.item_scores(frame)["item"]).isdisjoint(ITEMS)


def test_a_value_off_its_scale_is_not_scored(often: content.Content) -> None:
    # A row that slipped past the checks (an old export, a damaged store) is missing.
    frame = answers.to_frame([answers.make(TOKEN, ITEMS[0], 7)])
    frame.loc[0, "value"] = 9
    assert scoring.item_scores(frame, instrument="often")["score"].isna().all()


def test_the_codebook_gives_each_statement_its_own_scale(often: content.Content) -> None:
    rows = [answers.make(TOKEN, ITEMS[0], 2), answers.make(TOKEN, "task.team.s1", 4)]
    long = research.long_layout(answers.to_frame(rows), key=b"k" * 32)
    book = research.codebook(long, research.wide_layout(long)).set_index("name")
    assert book.loc[ITEMS[0], "values"] == "; ".join(
        f"{n} = {w}" for n, w in enumerate(WORDS, 1))
    assert book.loc["task.team.s1", "values"].startswith("1 = Strongly disagree; ")
    assert book.loc["value", "values"] == often.text("research.values.by_item")
    metadata = {"anonymity_floor": 3, "withheld_workshops": 0, "free_text": False,
                "instruments": [{"instrument": "trace", "version": "1"},
                                {"instrument": "often", "version": "1"}]}
    markdown = research.codebook_markdown(book.reset_index(), metadata)
    assert "Rating scale of often: 1 = Never; " in markdown
    assert "(Cannot say)" in markdown
    assert "Rating scale of trace: 1 = Strongly disagree; " in markdown
