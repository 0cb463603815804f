"""The coach's group report: a workshop's :class:`~trace_widgets.group.Summary` in, a
:class:`Document` out.

It takes the summary itself, not the answers, so it can only show what the dashboard shows:
the floors and the differencing rule were applied when the summary was made, by the one
function the dashboard uses. Nothing here sees a pseudonym, a token or an unshared text.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pandas as pd

from .. import charts, group
from .. import content as content_mod
from ._learner import about_section
from ._model import Block, Document, Heading, Items, Para, Said, Section, Table, figure


def group_document(summary: group.Summary, *, title: str, code: str = "",
                   today: dt.date | None = None,
                   content: content_mod.Content | None = None) -> Document:
    """The group report of one workshop, ready for :func:`trace_widgets.report.render`.

    Parameters
    ----------
    summary
        What the coach may see, exactly as the dashboard has it
        (:meth:`trace_widgets.coach.Dashboard.compute` ``.summary``).
    title
        The workshop's title.
    code
        The workshop's join code (shown on the cover; not a secret).
    today
        The date on the cover (default: today, UTC).
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    Document
        Sections ``read``, ``participation``, ``grid``, ``change`` (from a workshop's
        second round), ``distribution``, ``highlights``, ``gap`` (team workshops),
        ``comments`` and ``about``. In a later round the grid and what follows it are that
        round's.

    Examples
    --------
    >>> from trace_widgets import demo, group
    >>> s = group.summarise(demo.demo_answers(6, seed=1), kind="team", spaces=["team"],
    ...                     k=3, comment_k=5)
    >>> doc = group_document(s, title="Ward leads", today=dt.date(2026, 1, 5))
    >>> doc.title, [x.id for x in doc.sections][:3]
    ('Group report: Ward leads', ['read', 'participation', 'grid'])
    """
    c = content if content is not None else content_mod.get()
    day = today or dt.datetime.now(dt.timezone.utc).date()
    spaces = ", ".join(c.space(s).name for s in summary.spaces)
    cover = [c.text("report.date", date=day.isoformat()),
             c.text("report.workshop", title=f"{title} ({code})" if code else title),
             c.text("report.group.kind", kind=c.text(f"workshop.kind_name.{summary.kind}")),
             c.text("report.group.spaces", spaces=spaces),
             c.text("report.group.for")]
    sections = [_read(summary, c), _participation(summary, c), _grid(summary, c),
                *((_change(summary, c),) if summary.change is not None else ()),
                _distribution(summary, c), _highlights(summary, c)]
    if summary.gap is not None:
        sections.append(_gap(summary, c))
    sections += [_comments(summary, c), about_section(c)]
    return Document(title=c.text("report.group.title", title=title),
                    lang=c.text("report.language"), cover=tuple(cover),
                    sections=tuple(sections), kind="group")


def _read(summary: group.Summary, c: content_mod.Content) -> Section:
    s = c.scale
    return Section("read", c.text("report.group.read.heading"), (
        Para(c.text("report.group.read.floor", k=summary.k)),
        Para(c.text("report.group.read.mean", low=s.low, high=s.high,
                    low_label=s.label(s.low), high_label=s.label(s.high))),
        Para(c.text("report.group.read.comments", k=summary.comment_k)),
        Para(c.text("report.group.read.charts"), muted=True),
    ))


def _participation(summary: group.Summary, c: content_mod.Content) -> Section:
    p = summary.progress
    key = "report.group.participation"
    table = Table(c.text(f"{key}.caption"),
                  (c.text(f"{key}.what"), c.text(f"{key}.count")),
                  ((c.text(f"{key}.joined"), str(p.joined)),
                   (c.text(f"{key}.started"), str(p.started)),
                   (c.text(f"{key}.finished"), str(p.finished))))
    return Section("participation", c.text(f"{key}.heading"), (table,))


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return "–" if math.isnan(number) else f"{number:.1f}"


def _shown_means(summary: group.Summary) -> pd.DataFrame:
    """Cell means for the heatmap: withheld cells have none (NaN), so they say no score."""
    grid = summary.grid
    return pd.DataFrame({"element": grid["element"].astype(str),
                         "space": grid["space"].astype(str),
                         "score": np.where(grid["withheld"].to_numpy(dtype=bool), np.nan,
                                           grid["mean"].to_numpy(dtype=float))})


def _grid(summary: group.Summary, c: content_mod.Content) -> Section:
    means = _shown_means(summary)
    # Only the spaces of the workshop: a cohort run on "team" has one column, not four.
    cut = _of_spaces(summary, c)
    chart = figure(charts.heatmap(means, content=cut), charts.heatmap_table(means, content=cut),
                   content=c)
    key = "report.group.grid"
    withheld = c.text(f"{key}.withheld", k=summary.k)
    rows = []
    for row in summary.grid.to_dict("records"):
        cell = (c.element(str(row["element"])).name, c.space(str(row["space"])).name)
        if bool(row["withheld"]):
            rows.append((*cell, withheld, "", ""))  # not even how many: the dashboard's rule
        else:
            rows.append((*cell, _number(row["mean"]), str(int(row["n"])), _number(row["sd"])))
    table = Table(c.text(f"{key}.table"),
                  (c.text("chart.condition"), c.text("chart.space"), c.text(f"{key}.mean"),
                   c.text(f"{key}.n"), c.text(f"{key}.sd")), tuple(rows))
    return Section("grid", c.text(f"{key}.heading"),
                   (Para(c.text(f"{key}.intro", k=summary.k)), chart, table))


def _change(summary: group.Summary, c: content_mod.Content) -> Section:
    """Each cell's group average in the round before and the round now, with the change:
    a chart of every round's shown figures, its table, and a text summary."""
    change = summary.change
    assert change is not None  # only from a second round
    key = "report.group.change"
    first, last = int(change["round_from"].iloc[0]), int(change["round_to"].iloc[0])
    intro = Para(c.text(f"{key}.intro", first=first, last=last, k=summary.k))
    if change["withheld"].all():
        return Section("change", c.text(f"{key}.heading"),
                       (intro, Para(c.text(f"{key}.none", k=summary.k))))
    means = group.round_means(summary.grids)
    cut = _of_spaces(summary, c)
    names = (c.text("chart.round.name", round=first), c.text("chart.round.name", round=last))
    table = pd.DataFrame(
        {names[0]: change["mean_from"].to_numpy(dtype=float),
         names[1]: change["mean_to"].to_numpy(dtype=float),
         # Signed, so a fall reads as one without the chart.
         c.text("coach.change.change"): [None if math.isnan(x) else f"{x:+.1f}"
                                         for x in change["change"].to_numpy(dtype=float)]},
        index=pd.MultiIndex.from_arrays(
            [[c.element(str(e)).name for e in change["element"]],
             [c.space(str(s)).name for s in change["space"]]],
            names=[c.text("chart.condition"), c.text("chart.space")]))
    chart = figure(charts.trend(means, content=cut,
                                title=c.text(f"{key}.title", first=first, last=last)),
                   table, content=c)
    return Section("change", c.text(f"{key}.heading"), (
        intro, Para(charts.trend_summary(means, content=cut)), chart))


def _of_spaces(summary: group.Summary, c: content_mod.Content) -> content_mod.Content:
    """The content cut to the workshop's spaces, so a grid of one space has one column
    (as on the dashboard), not three more that say "no score"."""
    return replace(c, spaces=tuple(s for s in c.spaces if s.id in summary.spaces))


def _distribution(summary: group.Summary, c: content_mod.Content) -> Section:
    key = "report.group.distribution"
    # One row per released rating in a shown cell: the counts the floor already passed.
    scores = group.released_scores(summary.grid, content=c)
    if scores.empty:
        return Section("distribution", c.text(f"{key}.heading"),
                       (Para(c.text(f"{key}.none", k=summary.k)),))
    cut = _of_spaces(summary, c)
    table = charts.distribution_table(scores, content=cut)
    shown = [(c.element(str(r["element"])).name, c.space(str(r["space"])).name)
             for r in summary.grid.to_dict("records") if not bool(r["withheld"])]
    table = table.loc[table.index.isin(shown)]
    chart = figure(charts.distribution(scores, content=cut), table, content=c)
    return Section("distribution", c.text(f"{key}.heading"),
                   (Para(c.text(f"{key}.intro")), chart))


def _highlights(summary: group.Summary, c: content_mod.Content) -> Section:
    key = "report.group.highlights"
    heading = c.text(f"{key}.heading")
    if not summary.highlights.lowest:
        return Section("highlights", heading, (Para(c.text(f"{key}.none", k=summary.k)),))
    rows = summary.grid.set_index(["element", "space"])
    blocks: list[Block] = []
    for sub, cells in (("lowest", summary.highlights.lowest),
                       ("contested", summary.highlights.contested)):
        blocks.append(Heading(c.text(f"{key}.{sub}")))
        if not cells:
            blocks.append(Para(c.text(f"{key}.no_contested")))
            continue
        for element, space in cells:
            row = rows.loc[(element, space)]
            blocks.append(Para(c.text(f"{key}.cell", element=c.element(element).name,
                                      space=c.space(space).name, mean=_number(row["mean"]),
                                      n=int(row["n"]), sd=_number(row["sd"])), strong=True))
            blocks.append(Para(c.text(f"{key}.questions"), muted=True))
            blocks.append(Items(tuple(f.text for f in c.cell(element, space).facilitation)))
    return Section("highlights", heading, tuple(blocks))


def _gap(summary: group.Summary, c: content_mod.Content) -> Section:
    key = "report.group.gap"
    gap = summary.gap
    assert gap is not None  # only team workshops have this section
    if gap["withheld"].all():
        return Section("gap", c.text(f"{key}.heading"),
                       (Para(c.text(f"{key}.none", k=summary.k)),))
    leader, members = c.text("coach.gap.leader"), c.text("coach.gap.members")
    blocks: list[Block] = [Para(c.text(f"{key}.intro", k=summary.k))]
    # One chart per space: side by side, four panels would shrink to unreadable type on A4.
    for space in summary.spaces:
        rows = gap.loc[gap["space"].astype(str) == space]
        if rows["withheld"].all():
            continue
        blocks.append(figure(
            charts.gap(rows, self_label=leader, others_label=members, spaces=[space],
                       title=c.text("report.group.gap.title", space=c.space(space).name)),
            charts.gap_table(rows, self_label=leader, others_label=members, spaces=[space]),
            content=c))
    return Section("gap", c.text(f"{key}.heading"), tuple(blocks))


def _comments(summary: group.Summary, c: content_mod.Content) -> Section:
    key = "report.group.comments"
    heading = c.text(f"{key}.heading")
    if not summary.comments:
        return Section("comments", heading, (Para(c.text(f"{key}.none", k=summary.comment_k)),))
    prompts = {p.id: (cell, p) for cell in c.cells.values() for p in cell.prompts}
    blocks: list[Block] = []
    for shared in summary.comments:
        cell, prompt = prompts[shared.prompt]
        blocks.append(Heading(prompt.text))
        blocks.append(Para(c.text(f"{key}.where", element=c.element(cell.element).name,
                                  space=c.space(cell.space).name, count=len(shared.texts)),
                           muted=True))
        blocks += [Said("", text) for text in shared.texts]
    return Section("comments", heading, tuple(blocks))
