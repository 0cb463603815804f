"""The coach's views as HTML text: pure functions of a :class:`~trace_widgets.group.Summary`.

Everything here is project text (content) and numbers, escaped all the same; the only
participant text is a shared reflection, which is escaped and never read as markup.
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from .. import charts, group
from .. import content as content_mod
from .._theme import accent_style

# A sequential blue ramp (ColorBrewer "Blues", as the charts' heatmap uses), light to dark.
_BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
          "#08519c", "#08306b")
# Leave out the near-white end, as the charts do: a low score must still look filled.
_EXTENT = (0.12, 0.95)
_INK = "#1a1a1a"
_WHITE = "#ffffff"
_BAR_HEIGHT = 28  # px of the tallest bar in a cell's little distribution

STYLE = f"""<style>
.trace-coach-grid {{ border-collapse: separate; border-spacing: 6px; margin: 0.5rem 0; }}
.trace-coach-grid caption {{ text-align: left; color: #52606d; padding-bottom: 0.25rem; }}
.trace-coach-grid th {{ font-size: 1.1rem; padding: 0.25rem 0.5rem; text-align: left; }}
.trace-coach-grid tbody td {{ min-width: 10rem; height: 7rem; vertical-align: top;
  padding: 0.5rem 0.6rem; border-radius: 6px; border: 2px solid transparent;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
.trace-coach-grid tbody td[data-state="withheld"] {{ border: 2px dashed #7b8794; color: #52606d;
  font-style: italic; background: #ffffff; }}
.trace-coach-grid tbody td[data-highlight] {{ box-shadow: 0 0 0 4px #e69f00; }}
.trace-coach-mean {{ display: block; font-size: 1.9rem; font-weight: 700; line-height: 1.1; }}
.trace-coach-figures {{ display: block; font-size: 0.9rem; white-space: nowrap; }}
.trace-coach-marks {{ display: block; font-size: 0.9rem; font-weight: 700; }}
.trace-coach-bars {{ display: flex; align-items: flex-end; gap: 3px;
  height: {_BAR_HEIGHT}px; margin-top: 0.3rem; }}
.trace-coach-bars span {{ display: block; width: 14px; background: currentColor;
  min-height: 2px; opacity: 0.85; }}
.trace-coach-code {{ font-size: 2.6rem; font-weight: 700; letter-spacing: 0.2em;
  font-family: "Liberation Mono", "DejaVu Sans Mono", monospace; }}
.trace-coach-join {{ align-items: baseline; gap: 1rem; flex-wrap: wrap; }}
.trace-coach-join > *, .trace-coach-join-link {{ min-width: 0; max-width: 100%; }}
.trace-coach .widget-checkbox {{ width: auto; max-width: 100%; height: auto; }}
.trace-coach .widget-checkbox .widget-label-basic {{ white-space: normal; width: auto; }}
.trace-coach .widget-checkbox .widget-label-basic span {{ white-space: normal; }}
.trace-coach-comments li {{ margin: 0.25rem 0; white-space: pre-wrap; }}
.trace-coach-prompts {{ color: #1f2933; }}
.trace-coach-warning {{ color: #a61b1b; font-weight: 700; }}
.trace-browser-link {{ color: #1d4e89; text-decoration: underline; overflow-wrap: anywhere; }}
.trace-coach-change td[data-state="withheld"] {{ color: #52606d; font-style: italic; }}
.trace-coach-change td, .trace-coach-change th {{ padding: 0.3rem 0.6rem; }}
.trace-coach-key input {{ font-family: "Liberation Mono", "DejaVu Sans Mono", monospace; }}
</style>"""
"""Styles of the coach's views (class names ``trace-coach-*``), shown once per page."""


def _c(content: content_mod.Content | None) -> content_mod.Content:
    return content if content is not None else content_mod.get()


def _hex(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _mix(a: str, b: str, t: float) -> str:
    ra, rb = _hex(a), _hex(b)
    return "#" + "".join(f"{round(255 * (x + (y - x) * t)):02x}" for x, y in zip(ra, rb,
                                                                                 strict=True))


def _luminance(colour: str) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def cell_colours(mean: float, low: int = 1, high: int = 5) -> tuple[str, str]:
    """Background and text colour for a cell with this mean: darker blue for higher scores,
    and whichever of ink or white reads better on it.

    Examples
    --------
    >>> cell_colours(1.0)[1], cell_colours(5.0)[1]
    ('#1a1a1a', '#ffffff')
    """
    share = min(max((mean - low) / (high - low), 0.0), 1.0)
    t = _EXTENT[0] + share * (_EXTENT[1] - _EXTENT[0])
    pos = t * (len(_BLUES) - 1)
    i = min(int(pos), len(_BLUES) - 2)
    background = _mix(_BLUES[i], _BLUES[i + 1], pos - i)
    text = _INK if _contrast(background, _INK) >= _contrast(background, _WHITE) else _WHITE
    return background, text


def _number(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.1f}"


def grid_html(summary: group.Summary, *, content: content_mod.Content | None = None) -> str:
    """The group's TRACE grid as a table: one coloured cell per condition and space.

    A shown cell has the mean, how many people, the spread and a small bar per scale point;
    a withheld cell says only "fewer than k". Each cell carries ``data-element``,
    ``data-space`` and ``data-state`` (``shown`` or ``withheld``), and ``data-highlight``
    when it is among the lowest or most contested.

    Examples
    --------
    >>> from trace_widgets import demo, group
    >>> s = group.summarise(demo.demo_answers(2, seed=1), kind="team", spaces=["team"],
    ...                     k=3, comment_k=5)
    >>> 'data-state="withheld"' in grid_html(s), 'data-state="shown"' in grid_html(s)
    (True, False)
    """
    c = _c(content)
    names = {s.id: s.name for s in c.spaces}
    marks: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for cell in summary.highlights.lowest:
        marks.setdefault(cell, []).append(("lowest", c.text("coach.grid.lowest")))
    for cell in summary.highlights.contested:
        marks.setdefault(cell, []).append(("contested", c.text("coach.grid.contested")))
    rows = summary.grid.set_index(["element", "space"])
    counts = group.count_columns(c)
    head = "".join(f'<th scope="col">{escape(names[s])}</th>' for s in summary.spaces)
    body = []
    for e in c.elements:
        tds = []
        for s in summary.spaces:
            row = rows.loc[(e.id, s)]
            tds.append(_cell_html(c, row, element=e.id, space=s, counts=counts,
                                  marks=marks.get((e.id, s), []), k=summary.k))
        body.append(f'<tr><th scope="row" class="trace-accent trace-accent-name" '
                    f'{accent_style(e.id)}>{escape(e.name)}</th>{"".join(tds)}</tr>')
    caption = escape(c.text("coach.grid.caption"))
    return (f'<table class="trace-coach-grid"><caption>{caption}</caption>'
            f'<thead><tr><td></td>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _cell_html(c: content_mod.Content, row: pd.Series, *, element: str, space: str,
               counts: list[str], marks: list[tuple[str, str]], k: int) -> str:
    where = f'data-element="{escape(element)}" data-space="{escape(space)}"'
    e_name, s_name = c.element(element).name, c.space(space).name
    if bool(row["withheld"]):
        spoken = c.text("coach.grid.withheld_spoken", element=e_name, space=s_name, k=k)
        return (f'<td {where} data-state="withheld" title="{escape(spoken)}">'
                f'{escape(c.text("coach.grid.withheld", k=k))}</td>')
    background, ink = cell_colours(float(row["mean"]), c.scale.low, c.scale.high)
    n = int(row["n"])
    sd = float(row["sd"])
    spread = (c.text("coach.grid.no_spread") if math.isnan(sd)
              else c.text("coach.grid.spread", sd=_number(sd)))
    given = [int(row[col]) for col in counts]
    tallest = max(*given, 1)
    points = range(c.scale.low, c.scale.high + 1)
    spoken_counts = ", ".join(c.text("coach.grid.count_spoken", count=g, point=p)
                              for g, p in zip(given, points, strict=True))
    bars = "".join(f'<span style="height:{round(_BAR_HEIGHT * g / tallest)}px"></span>'
                   for g in given)
    bars_label = c.text("coach.grid.mean_spoken", element=e_name, space=s_name,
                        mean=_number(float(row["mean"])), n=n, sd=_number(sd),
                        counts=spoken_counts)
    highlight = " ".join(kind for kind, _ in marks)
    mark_text = " · ".join(text for _, text in marks)
    return (
        f'<td {where} data-state="shown"'
        + (f' data-highlight="{escape(highlight)}"' if marks else "")
        + f' style="background:{background};color:{ink}">'
        f'<span class="trace-coach-mean">{_number(float(row["mean"]))}</span>'
        f'<span class="trace-coach-figures">{escape(c.text("coach.grid.n", n=n))} · '
        f"{escape(spread)}</span>"
        + (f'<span class="trace-coach-marks">{escape(mark_text)}</span>' if marks else "")
        + f'<span class="trace-coach-bars" role="img" aria-label="{escape(bars_label)}">'
        f"{bars}</span></td>"
    )


def highlights_html(summary: group.Summary, *,
                    content: content_mod.Content | None = None) -> str:
    """The lowest and the most contested shown cells, each with the content's facilitation
    prompts (questions a coach can ask the room).

    Examples
    --------
    >>> from trace_widgets import demo, group
    >>> s = group.summarise(demo.demo_answers(8, seed=1), kind="team", spaces=["team"],
    ...                     k=3, comment_k=5)
    >>> "trace-coach-prompts" in highlights_html(s)
    True
    """
    c = _c(content)
    rows = summary.grid.set_index(["element", "space"])
    parts = [f'<h2>{escape(c.text("coach.highlights.heading"))}</h2>']
    if not summary.highlights.lowest:
        parts.append(f'<p>{escape(c.text("coach.highlights.none", k=summary.k))}</p>')
        return f'<div class="trace-coach-highlights">{"".join(parts)}</div>'
    sections = (("lowest", "coach.highlights.lowest", summary.highlights.lowest),
                ("contested", "coach.highlights.contested", summary.highlights.contested))
    for kind, key, cells in sections:
        parts.append(f'<h3>{escape(c.text(key))}</h3>')
        if not cells:
            parts.append(f'<p>{escape(c.text("coach.highlights.no_contested"))}</p>')
            continue
        items = []
        for element, space in cells:
            row = rows.loc[(element, space)]
            cell = c.cell(element, space)
            label = c.text("coach.highlights.cell", element=c.element(element).name,
                           space=c.space(space).name, mean=_number(float(row["mean"])),
                           n=int(row["n"]), sd=_number(float(row["sd"])))
            prompts = "".join(f"<li>{escape(f.text)}</li>" for f in cell.facilitation)
            items.append(f'<li data-element="{escape(element)}" data-space="{escape(space)}">'
                         f"<strong>{escape(label)}</strong>"
                         f'<ul class="trace-coach-prompts">{prompts}</ul></li>')
        parts.append(f'<ul class="trace-coach-{kind}">{"".join(items)}</ul>')
    return f'<div class="trace-coach-highlights">{"".join(parts)}</div>'


def comments_html(summary: group.Summary, *,
                  content: content_mod.Content | None = None) -> str:
    """The shared reflections that passed the comment floor, escaped, per prompt.

    Examples
    --------
    >>> from trace_widgets import demo, group
    >>> s = group.summarise(demo.demo_answers(2, seed=1), kind="team", spaces=["team"],
    ...                     k=3, comment_k=5)
    >>> "trace-coach-comments" in comments_html(s)
    True
    """
    c = _c(content)
    prompts = {p.id: (cell, p) for cell in c.cells.values() for p in cell.prompts}
    if not summary.comments:
        return (f'<div class="trace-coach-comments"><p>'
                f'{escape(c.text("coach.comments.none"))}</p></div>')
    parts = []
    for shared in summary.comments:
        cell, prompt = prompts[shared.prompt]
        where = f"{c.element(cell.element).name} · {c.space(cell.space).name}"
        # Participants' words: escaped, so they can only ever be text.
        texts = "".join(f"<li>{escape(t)}</li>" for t in shared.texts)
        count = c.text("coach.comments.count", count=len(shared.texts))
        parts.append(f'<section data-prompt="{escape(shared.prompt)}">'
                     f"<h3>{escape(prompt.text)}</h3>"
                     f'<p class="trace-muted">{escape(where)} · {escape(count)}</p>'
                     f"<ul>{texts}</ul></section>")
    return f'<div class="trace-coach-comments">{"".join(parts)}</div>'


def progress_text(summary: group.Summary, *,
                  content: content_mod.Content | None = None) -> str:
    """How many joined, started and finished, as one line of plain text.

    Examples
    --------
    >>> from trace_widgets import demo, group
    >>> s = group.summarise(demo.demo_answers(4, seed=1), kind="team", spaces=["team"],
    ...                     k=3, comment_k=5)
    >>> progress_text(s)
    '4 joined, 4 started answering, 4 have rated every statement'
    """
    c = _c(content)
    return c.text("coach.progress", joined=summary.progress.joined,
                  started=summary.progress.started, finished=summary.progress.finished)


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "\u2212")


def change_html(summary: group.Summary, *,
                content: content_mod.Content | None = None) -> str:
    """Each cell's group average in the round before and the round now, and the change,
    with a one-line summary; empty in a workshop's first round.

    Only figures the release rule published appear (``summary.grids``): a round's cell that
    is withheld says "not shown yet", and so does its change.

    Examples
    --------
    >>> from trace_widgets import demo, group
    >>> room = demo.demo_answers(6, seed=1)
    >>> s = group.summarise(room, kind="team", spaces=["team"], k=3, comment_k=5, round=2,
    ...                     earlier={1: room})
    >>> html = change_html(s)
    >>> 'data-state="shown"' in html, "+0.0" in html
    (True, True)
    """
    change = summary.change
    if change is None:
        return ""
    c = _c(content)
    first, last = int(change["round_from"].iloc[0]), int(change["round_to"].iloc[0])
    withheld = escape(c.text("coach.change.withheld"))

    def figure(mean: float, n: int) -> str:
        if math.isnan(mean):
            return f'<td data-state="withheld">{withheld}</td>'
        return (f'<td data-state="shown">'
                f'{escape(c.text("coach.change.cell", mean=_number(mean), n=n))}</td>')

    rows = []
    for r in change.to_dict("records"):
        moved = (f'<td data-state="withheld">{withheld}</td>' if r["withheld"] else
                 f'<td data-state="shown"><strong>{_signed(float(r["change"]))}</strong></td>')
        rows.append(f'<tr data-element="{escape(str(r["element"]))}" '
                    f'data-space="{escape(str(r["space"]))}">'
                    f'<th scope="row">{escape(c.element(str(r["element"])).name)}</th>'
                    f'<td>{escape(c.space(str(r["space"])).name)}</td>'
                    f'{figure(float(r["mean_from"]), int(r["n_from"]))}'
                    f'{figure(float(r["mean_to"]), int(r["n_to"]))}{moved}</tr>')
    head = "".join(f'<th scope="col">{escape(t)}</th>' for t in (
        c.text("chart.condition"), c.text("chart.space"),
        c.text("chart.round.name", round=first), c.text("chart.round.name", round=last),
        c.text("coach.change.change")))
    means = group.round_means({r: g for r, g in summary.grids.items() if r in (first, last)})
    said = (charts.trend_summary(means, content=c) if not change["withheld"].all()
            else c.text("coach.change.none"))
    caption = escape(c.text("coach.change.caption", first=first, last=last))
    return (f'<p class="trace-coach-change-summary">{escape(said)}</p>'
            f'<table class="trace-table trace-coach-change"><caption>{caption}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
