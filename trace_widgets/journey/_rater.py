"""The rater's page: someone a learner invited rates their leadership by their own link.

No account: the link is the rater's key. The page says whose leadership they rate (the
learner's first name, if they gave one), what is kept and who sees it, asks for consent,
then shows the statements of the spaces the learner chose, the same items the learner
rated. A rater can come back by the same link, and erase their answers with it.
"""

from __future__ import annotations

import dataclasses
import logging

import ipywidgets as widgets

from .. import content as content_mod
from .._ui import heading as _heading
from .._ui import para as _para
from ..answers import Answer
from ..exercises import space_rating_view
from ..exercises._rating_control import not_sure
from ..exercises._save import Saver
from ..exercises._widgets import close_tree, status_bar
from ..exercises.rater_comment import comment_field
from ..store import RaterLink, RaterLinkClosedError, Store, StoreError

log = logging.getLogger(__name__)


class RaterPage:
    """The page for one rater link; ``view`` is its widget."""

    def __init__(self, store: Store, token: str) -> None:
        self.store = store
        self.token = token
        self.view = widgets.VBox()
        self.view.add_class("trace-rater-page")
        self.message = widgets.Label()
        self.message.add_class("trace-message")
        self.refresh()

    def _link(self) -> RaterLink | None:
        try:
            return self.store.rater_link(self.token)
        except StoreError:
            log.exception("reading a rater link failed")
            return None

    def refresh(self) -> None:
        c = content_mod.get()
        for old in self.view.children:
            if old is not self.message:
                close_tree(old)
        link = self._link()
        if link is None:
            self.view.children = (_heading(c.text("raters.page.title_unknown"), 1),
                                  _para(c.text("raters.page.not_found"), "trace-notice"))
            return
        whose = link.first_name or c.text("raters.page.someone")
        named = next(g.named for g in c.raters.groups if g.id == link.group)
        floor = next(g.floor for g in c.raters.groups if g.id == link.group)
        parts: list[widgets.Widget] = [
            _heading(c.text("raters.page.title", name=whose), 1),
            _para(c.text("raters.page.intro", name=whose,
                         role=c.text(f"raters.page.as.{link.group}"))),
            _para(c.text("raters.page.named", name=whose) if named
                  else c.text("raters.page.anonymous", name=whose, others=floor - 1),
                  "trace-rater-privacy"),
            _para(c.text("raters.page.kept")),
            # The words of the choice the rating control shows, not the model's long ones.
            _para(c.text("raters.page.not_sure", not_sure=not_sure())),
        ]
        if not link.is_open:
            parts.append(_para(c.text("raters.page.closed"), "trace-rater-closed"))
        elif link.consent_at is None:
            parts.append(self._consent(c))
        else:
            parts += self._ratings(c, link, whose)
        parts += [self._erase(c), self.message]
        self.view.children = tuple(parts)

    def _consent(self, c: content_mod.Content) -> widgets.Widget:
        agree = widgets.Checkbox(value=False, description=c.text("raters.page.agree"),
                                 indent=False, layout=widgets.Layout(width="auto"))
        agree.add_class("trace-rater-agree")
        start = widgets.Button(description=c.text("raters.page.start"), button_style="primary")
        start.add_class("trace-rater-start")

        def begin(_: widgets.Button) -> None:
            if not agree.value:
                self.message.value = c.text("raters.page.need_consent")
                return
            try:
                self.store.record_consent(self.token)
            except StoreError as exc:
                self.message.value = str(exc)
                return
            self.message.value = ""
            self.refresh()

        start.on_click(begin)
        box = widgets.VBox([agree, start])
        box.add_class("trace-card")
        return box

    def _ratings(self, c: content_mod.Content, link: RaterLink, whose: str
                 ) -> list[widgets.Widget]:
        current = self.store.current(self.token)

        def save(rows: list[Answer]) -> None:
            try:
                # A link rates in the round of the learner it was made in.
                self.store.append([dataclasses.replace(a, round=link.round) for a in rows])
            except RaterLinkClosedError:
                self.refresh()
                raise

        parts: list[widgets.Widget] = [
            _para(c.text("raters.page.saved"), "trace-rater-saved"),
        ]
        # One saver for the comments: a comment is saved a moment after the last keystroke.
        comment_saver = Saver(save)
        self.comment_saver = comment_saver
        for space in link.spaces:
            sp = c.space(space)
            bank = c.raters.instruments.get(space, "")
            view = space_rating_view(self.token, space, save, answers=current,
                                     rater=link.group, instrument=bank)
            field = comment_field(self.token, space, rater=link.group, answers=current,
                                  saver=comment_saver, round=link.round,
                                  label=c.text("raters.page.comment", name=whose,
                                               space=sp.name))
            title = (c.text(f"raters.page.instrument.{bank}", name=whose) if bank
                     else c.text("raters.page.space", space=sp.name, name=whose))
            parts += [_heading(title, 2),
                      _para(c.text(f"raters.page.space.{space}", name=whose)), view.widget,
                      field.box]
        parts.append(status_bar(comment_saver))
        parts.append(_para(c.text("raters.page.done", name=whose), "trace-rater-done"))
        return parts

    def _erase(self, c: content_mod.Content) -> widgets.Widget:
        erase = widgets.Button(description=c.text("raters.page.erase"))
        erase.add_class("trace-rater-erase")
        confirm = widgets.Button(description=c.text("raters.page.erase_confirm"),
                                 button_style="danger",
                                 layout=widgets.Layout(display="none", width="auto"))
        confirm.add_class("trace-rater-erase-confirm")

        def ask(_: widgets.Button) -> None:
            self.message.value = c.text("raters.page.erase_warning")
            confirm.layout.display = "flex"

        def really(_: widgets.Button) -> None:
            try:
                count = self.store.erase(self.token)
            except StoreError as exc:
                self.message.value = str(exc)
                return
            for old in self.view.children:
                if old is not self.message:
                    close_tree(old)
            self.view.children = (_para(c.text("raters.page.erased", count=count),
                                        "trace-rater-erased"),)

        erase.on_click(ask)
        confirm.on_click(really)
        return widgets.HBox([erase, confirm])
