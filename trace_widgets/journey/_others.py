"""Others' views in the Plan step: invite raters by group, see who has answered (how many,
never who), close the round, then see self against others, group by group, at their floors.

The figures appear only once the learner closes the round to raters: from then on they
cannot change with one more answer, so no sequence of views can reveal one rater.
"""

from __future__ import annotations

import logging
from html import escape

import ipywidgets as widgets
import pandas as pd

from .. import charts, group, others
from .. import content as content_mod
from .._browser import LinkBox
from .._ui import para as _para
from ..answers import AnswerError
from ..chart_view import ChartPanel
from ..store import Store, StoreError, rater_release_scope
from ._session import Session

log = logging.getLogger(__name__)


def group_table(view: pd.DataFrame, *, spaces: list[str],
                content: content_mod.Content | None = None) -> pd.DataFrame:
    """Self, each group and all others per cell as one table: a mean, or why it is withheld.

    Parameters
    ----------
    view
        The output of :func:`trace_widgets.others.views`.
    spaces
        The spaces to list (those raters rated).

    Returns
    -------
    DataFrame
        Index (condition, space) names; one column per group (names from the content),
        each a mean to one decimal or the withheld note with the group's floor.
    """
    c = content if content is not None else content_mod.get()
    floors = {g.id: g.floor for g in c.raters.groups}
    floors[others.ALL_OTHERS] = c.raters.all_others_floor
    order = [others.SELF, *floors]
    rows = view.loc[view["space"].isin(spaces)].copy()

    def shown(r: pd.Series) -> str:
        if r["withheld"]:
            floor = floors.get(r["group"], 1)
            # One is enough for a named group (the manager): withheld, it did not answer.
            return c.text("raters.withheld" if floor > 1 else "raters.not_answered",
                          floor=floor)
        return f"{r['mean']:.1f}" if pd.notna(r["mean"]) else c.text("chart.no_score")

    rows["text"] = rows.apply(shown, axis=1)
    table = rows.pivot(index=["element", "space"], columns="group", values="text")
    table = table[[g for g in order if g in table.columns]]
    table.columns = pd.Index([c.text(f"raters.group.{g}") for g in table.columns])
    index = pd.MultiIndex.from_product([[e.id for e in c.elements], spaces])
    table = table.reindex(index)
    table.index = pd.MultiIndex.from_tuples(
        [(c.element(e).name, c.space(s).name) for e, s in table.index],
        names=[c.text("chart.condition"), c.text("chart.space")])
    return table


def comment_lines(table: pd.DataFrame, *, content: content_mod.Content | None = None
                  ) -> list[tuple[str, tuple[str, ...]]]:
    """Raters' comments as the learner reads them: per space, a line for each group shown
    (with how many wrote) and its comments, then one line naming the anonymous groups not
    shown. Those are named whether or not anyone in them wrote, so the page never says that
    one or two people of a group did; an unnamed manager who wrote nothing is not listed.
    Nothing at all when no group's comments can be shown anywhere.

    Parameters
    ----------
    table
        The output of :func:`trace_widgets.others.comments`.

    Examples
    --------
    >>> import pandas as pd
    >>> from trace_widgets import others
    >>> about = pd.DataFrame({"participant": ["a", "b"], "exercise": ["rater_comment"] * 2,
    ...                       "space": ["team"] * 2, "rater": ["manager", "peer"],
    ...                       "value": ["Steady.", "Kind."]})
    >>> comment_lines(others.comments(about, spaces=["team"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Team: Line manager (1)', ('Steady.',)),
     ('Team: not shown, as too few wrote one: Peers (fewer than 3), People you lead
       (fewer than 3), Others (fewer than 3)', ())]
    """
    c = content if content is not None else content_mod.get()
    if table["withheld"].all():
        return []
    floors = {g.id: g.floor for g in c.raters.groups}
    lines: list[tuple[str, tuple[str, ...]]] = []
    for space, rows in table.groupby("space", sort=False):
        where = c.space(str(space)).name
        hidden = []
        for r in rows.to_dict("records"):
            name = c.text(f"raters.group.{r['group']}")
            if not r["withheld"]:
                said = c.text("raters.comments.group", group=name, count=r["n"])
                lines.append((c.text("raters.comments.space", space=where, said=said),
                              tuple(str(t) for t in r["comments"])))
            elif not r["named"]:
                hidden.append(c.text("raters.comments.withheld_group", group=name,
                                     floor=floors[str(r["group"])]))
        if hidden:
            said = c.text("raters.comments.withheld", groups=", ".join(hidden))
            lines.append((c.text("raters.comments.space", space=where, said=said), ()))
    return lines


def comments_html(lines: list[tuple[str, tuple[str, ...]]], *,
                  content: content_mod.Content | None = None) -> str:
    """:func:`comment_lines` as HTML, every rater's text escaped (it is never markup).

    Examples
    --------
    >>> comments_html([("Team: Peers (3)", ("<b>a</b>", "b", "c"))])  # doctest: +ELLIPSIS
    '<p>...</p><p class="trace-comment-group">Team: Peers (3)</p><ul...><li>&lt;b&gt;a...'
    """
    c = content if content is not None else content_mod.get()
    parts = [f"<p>{escape(c.text('raters.comments.intro'))}</p>"]
    if not lines:
        parts.append(f"<p>{escape(c.text('raters.comments.none'))}</p>")
    for line, said in lines:
        parts.append(f'<p class="trace-comment-group">{escape(line)}</p>')
        if said:
            parts.append('<ul class="trace-comments">'
                         + "".join(f"<li>{escape(t)}</li>" for t in said) + "</ul>")
    return "".join(parts)


_SAVE_ATTEMPTS = 8


def rater_views(store: Store, token: str, mine: pd.DataFrame, *,
                round: int | None = None,  # noqa: A002
                about: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the learner may see of their raters in a round (default: now), by the one
    publication rule: read what was shown last, apply :func:`trace_widgets.others.release`
    to the raters' current answers, keep the new release, then show it
    (:func:`trace_widgets.others.released_views`). The Plan step and the learner's report
    both come here, so they show one release.

    Parameters
    ----------
    store, token
        The store and the learner's token.
    mine
        The learner's own current answers of that round.
    about
        The raters' answers of that round (:meth:`Store.about`), when the caller has them
        already (it shows their comments too): read from the store otherwise.

    Raises
    ------
    StoreError
        The store is not available, or other views kept winning (rare; try again).
    """
    learner = store.participant(token)
    wanted = learner.round if round is None else round
    scope = rater_release_scope(learner.token, wanted)
    if about is None:
        about = store.about(learner.token, round=wanted)
    cells = others.rater_cells(mine, about)
    for _ in range(_SAVE_ATTEMPTS):
        found = store.release_state(scope)
        version, previous = (0, None) if found is None else (
            found[0], group.Release.from_json(found[1]))
        published = others.release(cells, previous)
        text = published.to_json()
        if (found is not None and text == found[1]) or store.save_release_state(
                scope, text, expected=version):
            return others.released_views(cells, published)
    raise StoreError("error.generic")


def _space_label(space: str, c: content_mod.Content) -> str:
    """A space as the learner chooses it for raters: its name, or what its raters' own
    statements are about (the self space: the learner as a leader)."""
    bank = c.raters.instruments.get(space)
    return c.text(f"raters.instrument.{bank}") if bank else c.space(space).name


class OthersPanel:
    """The others' views section of the Plan step, for a learner on their own."""

    def __init__(self, session: Session) -> None:
        self.session = session
        c = content_mod.get()
        rules = c.raters
        chosen = set(rules.chosen or rules.spaces)
        self.space_boxes = {
            s: widgets.Checkbox(value=s in chosen, description=_space_label(s, c), indent=False,
                                layout=widgets.Layout(width="auto"))
            for s in rules.spaces}
        for s, box in self.space_boxes.items():
            box.add_class(f"trace-rater-space-{s}")
        self.link = LinkBox()
        self.link_note = widgets.Label()
        self.link_note.add_class("trace-link-note")
        self.invite_buttons = {}
        for g in rules.groups:
            button = widgets.Button(description=c.text(
                "raters.invite.button", group=c.text(f"raters.group.{g.id}")),
                layout=widgets.Layout(width="auto"))
            button.add_class("trace-invite")
            button.add_class(f"trace-invite-{g.id}")
            button.on_click(lambda _b, group=g.id: self.invite(group))
            self.invite_buttons[g.id] = button
        self.counts = widgets.HTML()
        self.counts.add_class("trace-rater-counts")
        self.close_button = widgets.Button(description=c.text("raters.close.button"),
                                           layout=widgets.Layout(width="auto"))
        self.close_button.add_class("trace-close-raters")
        self.close_button.on_click(lambda _b: self.close_round())
        self.check_button = widgets.Button(description=c.text("raters.counts.check"),
                                           layout=widgets.Layout(width="auto"))
        self.check_button.add_class("trace-check-raters")
        self.check_button.on_click(lambda _b: self.refresh())
        self.message = widgets.Label()
        self.message.add_class("trace-message")
        self.results = widgets.VBox()
        self.results.add_class("trace-others-results")
        self.gap_chart = ChartPanel()
        self.groups = widgets.HTML()
        self.groups.add_class("trace-others-groups")
        self.grid = widgets.HTML()
        self.grid.add_class("trace-others-grid")
        self.summary = widgets.HTML()  # a paragraph that wraps (a Label does not)
        self.comments = widgets.HTML()
        self.comments.add_class("trace-others-comments")
        self.summary.add_class("trace-others-summary")
        self.view = widgets.VBox([
            _para(c.text("raters.invite.intro")),
            _para(c.text("raters.invite.floors", floor=rules.groups[1].floor,
                         all=rules.all_others_floor)),
            _para(c.text("raters.manager_named"), "trace-manager-note"),
            widgets.Label(c.text("raters.invite.spaces")),
            widgets.HBox(list(self.space_boxes.values())),
            widgets.HBox(list(self.invite_buttons.values()), layout=widgets.Layout(
                flex_flow="row wrap")),
            self.link, self.link_note,
            self.counts, widgets.HBox([self.check_button, self.close_button]), self.message,
            self.results,
        ])
        self.view.add_class("trace-others")
        self.refresh()

    # -- inviting ------------------------------------------------------------------------

    def invite(self, group: str) -> None:
        c = content_mod.get()
        spaces = [s for s, box in self.space_boxes.items() if box.value]
        try:
            token = self.session.store.invite(self.session.token or "", group, spaces)
        except AnswerError:
            self.message.value = c.text("raters.invite.need_space")
            return
        except StoreError as exc:
            self.message.value = str(exc)
            return
        name = c.text(f"raters.group.{group}")
        # Shown once, to hand on to one person; the learner never sees it again.
        self.link.show(c.text("raters.invite.link_label", group=name), r=token)
        self.link_note.value = c.text("raters.invite.link_note", group=name)
        self.message.value = ""
        self.refresh()

    def close_round(self) -> None:
        try:
            self.session.store.close_raters(self.session.token or "")
        except StoreError as exc:
            self.message.value = str(exc)
            return
        self.link.show("")
        self.link_note.value = ""
        self.refresh()

    # -- what the learner sees -------------------------------------------------------------

    def refresh(self) -> None:
        c = content_mod.get()
        token = self.session.token or ""
        counts = others.responses(self.session.store.rater_counts(token))
        closed = self.session.store.raters_closed(token)
        table = pd.DataFrame({
            c.text("raters.counts.invited"): counts["invited"].to_numpy(),
            c.text("raters.counts.responded"): counts["responded"].to_numpy(),
        }, index=pd.Index([c.text(f"raters.group.{g}") for g in counts["group"]]))
        # Named on the columns, "Group" heads the row names' column; named on the index,
        # pandas gives it a header row of its own, empty but for that word.
        table.columns.name = c.text("raters.counts.group")
        caption = c.text("raters.counts.closed" if closed else "raters.counts.open",
                         round=self.session.round)
        self.counts.value = (f"<p>{escape(caption)}</p>"
                             + table.to_html(escape=True, border=0, classes="trace-table"))
        invited = int(counts["invited"].sum())
        self.close_button.layout.display = "none" if closed or not invited else None
        self.check_button.layout.display = "none" if closed or not invited else None
        for button in self.invite_buttons.values():
            button.disabled = closed
        if closed:
            self._show_results()
        else:
            self.results.children = (_para(c.text("raters.results.wait")),) if invited else ()

    def _show_results(self) -> None:
        c = content_mod.get()
        token = self.session.token or ""
        spaces = list(c.raters.spaces)
        try:
            # Read once: the figures and the comments come from the same answers.
            about = self.session.store.about(token)
            view = rater_views(self.session.store, token, self.session.answers(), about=about)
        except StoreError as exc:
            self.message.value = str(exc)
            return
        gap = others.gaps(view)
        # The spaces the round's raters rated (the learner chose them per link).
        rated = view.loc[(view["group"] == others.ALL_OTHERS) & (view["n"] > 0), "space"]
        spaces = [sp for sp in spaces if sp in set(rated)] or spaces
        you, everyone = c.text("raters.group.self"), c.text("raters.group.all_others")
        self.summary.value = f"<p>{escape(others.summary(gap.loc[gap['space'].isin(spaces)]))}</p>"
        self.gap_chart.show(
            charts.gap(gap, self_label=you, others_label=everyone, spaces=spaces),
            charts.gap_table(gap, self_label=you, others_label=everyone, spaces=spaces))
        table = group_table(view, spaces=spaces)
        self.groups.value = table.to_html(escape=True, border=0, classes="trace-table",
                                          index_names=False)
        self.grid.value = (f"<p>{escape(c.text('raters.grid.intro'))}</p>"
                           + others.gap_grid(gap).to_html(escape=True, border=0,
                                                          classes="trace-table"))
        self.comments.value = comments_html(
            comment_lines(others.comments(about, spaces=spaces)))
        flagged = gap.loc[gap["flag"].notna()]
        marks = [c.text(f"raters.{f}") + ": " + c.text(
            "raters.summary.cell", element=c.element(str(e)).name, space=c.space(str(s)).name)
            for e, s, f in zip(flagged["element"], flagged["space"], flagged["flag"],
                               strict=True)]
        flags = widgets.HTML("<ul>" + "".join(f"<li>{escape(m)}</li>" for m in marks)
                             + "</ul>" if marks else "")
        flags.add_class("trace-others-flags")
        self.results.children = (
            widgets.HTML(f"<h3>{escape(c.text('raters.results.heading'))}</h3>"),
            self.summary, flags, self.gap_chart.view,
            widgets.HTML(f"<h3>{escape(c.text('raters.grid.heading'))}</h3>"), self.grid,
            widgets.HTML(f"<h3>{escape(c.text('raters.results.groups'))}</h3>"), self.groups,
            widgets.HTML(f"<h3>{escape(c.text('raters.comments.heading'))}</h3>"),
            self.comments,
        )
