"""The learner's report: one person's answers and the content in, a :class:`Document` out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import charts, others, scoring
from .. import content as content_mod
from ..exercises import ActionPlanState, PrioritiesState
from ._model import (
    Block,
    Document,
    Fields,
    Figure,
    Heading,
    Items,
    Para,
    Said,
    Section,
    figure,
    table_of,
)

EXTREMES = 3
"""How many strongest and lowest cells the report names."""


def learner_document(answers: pd.DataFrame, *, name: str | None = None,
                     workshop: str | None = None, today: dt.date | None = None,
                     history: pd.DataFrame | None = None, about: pd.DataFrame | None = None,
                     raters: pd.DataFrame | None = None, extra: Sequence[Section] = (),
                     content: content_mod.Content | None = None) -> Document:
    """The learner's report as a document, ready for :func:`trace_widgets.report.render`.

    Parameters
    ----------
    answers
        One participant's answers (:meth:`trace_widgets.store.Store.current` or
        ``history``): :data:`trace_widgets.answers.COLUMNS`.
    name
        The first name they gave, shown on the cover (left out when None or blank).
    workshop
        The title of the workshop they answered in, if any.
    today
        The date on the cover (default: today, UTC).
    history
        Every answer of the workbook, every round (:meth:`Store.history`): with more than
        one round rated, a section on the change across rounds.
    about
        Others' ratings about the learner in this round (:meth:`Store.about`), given only
        once the learner has closed the round to raters: a section on self against others,
        every group withheld below its floor (:func:`trace_widgets.others.views`).
    raters
        What the learner may see of those ratings by the publication rule, as the Plan step
        shows it (:func:`trace_widgets.journey._others.rater_views`); when given, the
        section shows these figures rather than working them out from ``about``.
    extra
        More optional sections, placed after those; give only sections that have data,
        already past their floors.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    Document
        Sections ``read``, ``profile``, ``grid``, ``extremes``, ``others`` and ``trend``
        (only when there is data for them), the ``extra`` ones, ``reflections``,
        ``priorities``, ``plan`` and ``about``.

    Raises
    ------
    ValueError
        When ``answers`` holds more than one participant's rows.

    Examples
    --------
    >>> from trace_widgets import demo
    >>> frame = demo.demo_answers(2, seed=1)
    >>> mine = frame.loc[frame["participant"] == demo.participants(frame)[0]]
    >>> doc = learner_document(mine, name="Sam", today=dt.date(2026, 1, 5))
    >>> doc.cover[0], [s.id for s in doc.sections][:4]
    ('Prepared for Sam', ['read', 'profile', 'grid', 'extremes'])
    """
    c = content if content is not None else content_mod.get()
    people = answers["participant"].astype(str).unique() if len(answers) else np.array([])
    if len(people) > 1:
        raise ValueError(content_mod.ui("report.error.one_participant"))
    token = str(people[0]) if len(people) else ""
    cells = scoring.cell_scores(answers, c)
    day = today or dt.datetime.now(dt.timezone.utc).date()
    cover = [c.text("report.learner.for", name=name.strip())] if name and name.strip() else []
    cover += [c.text("report.date", date=day.isoformat()),
              c.text("report.workbook", title=c.about.title)]
    if workshop:
        cover.append(c.text("report.workshop", title=workshop))
    cover.append(c.text("report.learner.private"))
    optional = [_others(answers, about, c, raters) if about is not None else None,
                _trend(history, c) if history is not None else None]
    sections = [
        _read(c), _profile(cells, c), _grid(cells, c), _extremes(cells, c),
        *_other_instruments(answers, c),
        *(s for s in optional if s is not None), *extra,
        _reflections(answers, c), _priorities(answers, token, cells, c),
        _plan(answers, token, c), about_section(c),
    ]
    return Document(title=c.text("report.learner.title"), lang=c.text("report.language"),
                    cover=tuple(cover), sections=tuple(sections), kind="learner")


def _read(c: content_mod.Content) -> Section:
    s = c.scale
    return Section("read", c.text("report.learner.read.heading"), (
        Para(c.text("report.learner.read.scale", low=s.low, high=s.high,
                    low_label=s.label(s.low), high_label=s.label(s.high))),
        Para(c.text("report.learner.read.score")),
        Para(c.text("report.learner.read.missing")),
        Para(c.text("report.learner.read.use")),
        Para(c.text("report.learner.read.charts"), muted=True),
    ))


def _scored(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.loc[cells["score"].notna()]


def _profile(cells: pd.DataFrame, c: content_mod.Content) -> Section:
    blocks: list[Block] = [Para(c.text("report.learner.profile.intro"))]
    scored = _scored(cells)
    for s in c.spaces:
        mine = scored.loc[scored["space"].astype(str) == s.id]
        if mine.empty:
            blocks.append(Para(c.text("report.learner.profile.none", space=s.name), muted=True))
            continue
        blocks.append(figure(charts.profile(cells, space=s.id, content=c),
                             charts.profile_table(cells, space=s.id, content=c), content=c))
    return Section("profile", c.text("report.learner.profile.heading"), tuple(blocks))


def _grid(cells: pd.DataFrame, c: content_mod.Content) -> Section:
    chart: Figure = figure(charts.heatmap(cells, content=c),
                           charts.heatmap_table(cells, content=c), content=c)
    return Section("grid", c.text("report.learner.grid.heading"),
                   (Para(c.text("report.learner.grid.intro")), chart))


def _other_instruments(answers: pd.DataFrame, c: content_mod.Content) -> list[Section]:
    """A grid for each other instrument the learner rated themselves on (a pulse journey):
    its scores are its own, never pooled with the main instrument's."""
    own = answers.loc[(answers["exercise"] == scoring.RATING) & (answers["rater"] == "self")]
    rated = set(own["instrument"].astype(str)) if "instrument" in own.columns else set()
    sections = []
    for inst in c.instruments.values():
        if inst.main or inst.id not in rated:
            continue
        cells = scoring.cell_scores(answers, c, instrument=inst.id)
        chart = figure(charts.heatmap(cells, content=c), charts.heatmap_table(cells, content=c),
                       content=c)
        sections.append(Section(f"grid-{inst.id}", c.text(
            "report.learner.instrument.heading", name=inst.name), (
            Para(c.text("report.learner.instrument.intro", name=inst.name,
                        statements=len(inst.statements()))), chart)))
    return sections


def _extremes(cells: pd.DataFrame, c: content_mod.Content) -> Section:
    heading = c.text("report.learner.extremes.heading")
    scored = _scored(cells).reset_index(drop=True)
    if len(scored) < 2:
        return Section("extremes", heading, (Para(c.text("report.learner.extremes.none")),))
    # Ties go to the cell that comes first in the grid (content order), as on the dashboard.
    ordered = scored.assign(order=np.arange(len(scored)))
    count = min(EXTREMES, len(scored) // 2)
    high = ordered.assign(neg=-ordered["score"]).sort_values(["neg", "order"], kind="stable")
    low = ordered.sort_values(["score", "order"], kind="stable")

    def named(frame: pd.DataFrame) -> Items:
        return Items(tuple(
            c.text("report.learner.extremes.cell", element=c.element(str(e)).name,
                   space=c.space(str(s)).name, score=f"{float(x):.1f}")
            for e, s, x in zip(frame["element"], frame["space"], frame["score"], strict=True)))

    return Section("extremes", heading, (
        Heading(c.text("report.learner.extremes.strongest")), named(high.head(count)),
        Heading(c.text("report.learner.extremes.lowest")), named(low.head(count)),
    ))


def _others(mine: pd.DataFrame, about: pd.DataFrame, c: content_mod.Content,
            released: pd.DataFrame | None = None) -> Section | None:
    """Self against others, as the Plan step shows it once the round is closed: each group
    at its floor, blind spots and hidden strengths, one chart per space rated."""
    from ..journey._others import (  # noqa: PLC0415 - the Plan step's own table and lines
        comment_lines,
        group_table,
    )

    if about.empty:
        return None
    if released is not None:
        view = released
    else:
        view = others.views(others.rater_cells(mine, about, content=c))
    gap = others.gaps(view)
    rated = set(view.loc[(view["group"] == others.ALL_OTHERS) & (view["n"] > 0), "space"])
    spaces = [s for s in c.raters.spaces if s in rated]
    if not spaces:
        return None
    key = "report.learner.others"
    gap = gap.loc[gap["space"].isin(spaces)]
    blocks: list[Block] = [Para(c.text(f"{key}.intro")), Para(others.summary(gap, content=c))]
    flagged = gap.loc[gap["flag"].notna()]
    if not flagged.empty:
        blocks += [Heading(c.text(f"{key}.flags")), Items(tuple(
            c.text(f"raters.{f}") + ": " + c.text(
                "raters.summary.cell", element=c.element(str(e)).name, space=c.space(str(s)).name)
            for e, s, f in zip(flagged["element"], flagged["space"], flagged["flag"],
                               strict=True)))]
    you, everyone = c.text("raters.group.self"), c.text("raters.group.all_others")
    for space in spaces:
        rows = gap.loc[gap["space"] == space]
        if rows["mean_others"].isna().all():
            continue
        blocks.append(figure(
            charts.gap(rows, self_label=you, others_label=everyone, spaces=[space],
                       title=c.text(f"{key}.title", space=c.space(space).name)),
            charts.gap_table(rows, self_label=you, others_label=everyone, spaces=[space]),
            content=c))
    blocks += [Heading(c.text("raters.grid.heading")), Para(c.text("raters.grid.intro")),
               table_of(others.gap_grid(others.gaps(view), content=c),
                        c.text("raters.grid.caption"), content=c)]
    blocks += [Heading(c.text("raters.results.groups")),
               table_of(group_table(view, spaces=spaces, content=c), c.text(f"{key}.groups"),
                        content=c)]
    lines = comment_lines(others.comments(about, spaces=spaces, rules=c.raters), content=c)
    blocks += [Heading(c.text("raters.comments.heading")), Para(c.text("raters.comments.intro"))]
    if not lines:
        blocks.append(Para(c.text("raters.comments.none"), muted=True))
    for line, said in lines:
        blocks += [Para(line, strong=True), *(Said("", text) for text in said)]
    return Section("others", c.text(f"{key}.heading"), tuple(blocks))


def _trend(history: pd.DataFrame, c: content_mod.Content) -> Section | None:
    """How the scores moved from round to round, once more than one round is rated."""
    rounds = scoring.round_scores(history, c)
    if rounds.empty or rounds["round"].nunique() < 2:
        return None
    table = charts.trend_table(rounds, content=c)
    table = table.loc[table.notna().any(axis=1)]  # only the cells rated in some round
    return Section("trend", c.text("report.learner.trend.heading"), (
        Para(charts.trend_summary(rounds, content=c)),
        figure(charts.trend(rounds, content=c), table, content=c),
    ))


def _current(answers: pd.DataFrame) -> dict[str, object]:
    """The latest value of each item (rows at the same time: the later one in the frame)."""
    if answers.empty:
        return {}
    at = pd.to_datetime(answers["at"], utc=True).to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((np.arange(len(answers)), at.astype(np.int64)))
    latest = answers.iloc[order].drop_duplicates("item", keep="last")
    return dict(zip(latest["item"].astype(str), latest["value"], strict=True))


def _reflections(answers: pd.DataFrame, c: content_mod.Content) -> Section:
    current = _current(answers)
    blocks: list[Block] = []
    for cell in c.cells.values():
        said = [Said(p.text, str(current[p.id])) for p in cell.prompts
                if isinstance(current.get(p.id), str) and str(current[p.id]).strip()]
        if said:
            blocks.append(Heading(c.text("report.learner.reflections.cell",
                                         element=c.element(cell.element).name,
                                         space=c.space(cell.space).name)))
            blocks += said
    for ex in c.exercises.values():  # a study's own questions (exercises/*.yaml)
        if ex.of is None or ex.describe is None:
            continue
        said = [Said(ex.describe(spec, c), str(current[i])) for i, spec in c.items.items()
                if spec.exercise == ex.id and spec.kind == "text"
                and isinstance(current.get(i), str) and str(current[i]).strip()]
        if said:
            blocks.append(Heading(c.text(ex.heading) if ex.heading else ex.id))
            blocks += said
    if not blocks:
        blocks.append(Para(c.text("report.learner.reflections.none")))
    return Section("reflections", c.text("report.learner.reflections.heading"), tuple(blocks))


def _score_text(cells: pd.DataFrame, element: str, space: str, c: content_mod.Content) -> str:
    row = cells.loc[(cells["element"].astype(str) == element)
                    & (cells["space"].astype(str) == space), "score"]
    if row.empty or pd.isna(row.iloc[0]):
        return c.text("report.no_score")
    return f"{float(row.iloc[0]):.1f}"


def _priorities(answers: pd.DataFrame, token: str, cells: pd.DataFrame,
                c: content_mod.Content) -> Section:
    lines = []
    for s in c.spaces:
        chosen = PrioritiesState.from_answers(answers, token, s.id, scores={}).chosen \
            if token else ()
        if chosen:
            names = ", ".join(c.text("report.learner.priorities.choice",
                                     element=c.element(e).name,
                                     score=_score_text(cells, e, s.id, c)) for e in chosen)
            lines.append(c.text("report.learner.priorities.space", space=s.name, chosen=names))
    heading = c.text("report.learner.priorities.heading")
    if not lines:
        return Section("priorities", heading, (Para(c.text("report.learner.priorities.none")),))
    return Section("priorities", heading,
                   (Para(c.text("report.learner.priorities.intro")), Items(tuple(lines))))


def _plan(answers: pd.DataFrame, token: str, c: content_mod.Content) -> Section:
    heading = c.text("report.learner.plan.heading")
    state = ActionPlanState.from_answers(answers, token) if token else None
    if state is None or state.count == 0:
        return Section("plan", heading, (Para(c.text("report.learner.plan.none")),))
    blocks: list[Block] = []
    for n in range(1, state.count + 1):
        blocks.append(Heading(c.text("report.learner.plan.action", n=n)))
        blocks.append(Fields(tuple((f.label, _field_text(c, f.kind, state.value(n, f.id)))
                                   for f in c.action_plan.fields)))
    return Section("plan", heading, tuple(blocks))


def _field_text(c: content_mod.Content, kind: str, value: object) -> str:
    if value is None or value == "":
        return c.text("report.learner.plan.not_set")
    text = str(value)
    if kind == "element":
        return c.element(text).name
    if kind == "space":
        return c.space(text).name
    return text


def about_section(c: content_mod.Content) -> Section:
    """The model's attribution, with its source, at the end of every report."""
    return Section("about", c.text("report.about.heading"), (
        Para(c.about.attribution),
        Para(c.text("report.about.source", source=c.about.source_name,
                    url=c.about.source_url), muted=True),
    ))
