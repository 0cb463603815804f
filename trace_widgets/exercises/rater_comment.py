"""A rater's comment: one optional free text per space a rater rates, about the learner.

Only raters answer it (their page shows it under each space's statements); the learner
sees the comments of a group word for word, in no particular order and never with a name,
and only once at least the group's floor of raters have written one in that space
(:func:`trace_widgets.others.comments`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .. import content
from ..answers import Answer, check_typed, make
from . import registry
from ._base import stored
from ._save import Saver
from ._text import TextField

__all__ = ["KIND", "KIND_ID", "comment_field", "item_id"]

KIND_ID = "rater_comment"


def item_id(space: str) -> str:
    """The comment item of a space.

    Examples
    --------
    >>> item_id("team")
    'rater_comment.team'
    """
    return f"{KIND_ID}.{space}"


def comment_field(token: str, space: str, *, rater: str, answers: pd.DataFrame,
                  saver: Saver, label: str, round: int = 1) -> TextField:  # noqa: A002
    """The comment box of ``space`` for the rater ``token`` (rating in ``round``),
    showing what they kept.

    Examples
    --------
    >>> from trace_widgets.exercises import ManualScheduler, Saver
    >>> kept, clock = [], ManualScheduler()
    >>> field = comment_field("r" * 22, "team", rater="peer", answers=pd.DataFrame(),
    ...                       saver=Saver(kept.extend, scheduler=clock), label="Comment")
    >>> field.area.value = "Clear priorities."
    >>> clock.flush()
    >>> kept[0].item, kept[0].rater, kept[0].value
    ('rater_comment.team', 'peer', 'Clear priorities.')
    """
    item = item_id(space)
    value = stored(answers, token, (item,)).get(item, (None, None))[0] if len(answers) else None
    kept = {"text": "" if value is None else str(value)}

    def commit(text: object) -> Answer:
        row = make(token, item, text, rater=rater, round=round)
        kept["text"] = "" if row.value is None else str(row.value)
        return row

    return TextField(label=label, current=lambda: kept["text"], commit=commit, saver=saver,
                     counter=True, rows=3, css_class="trace-rater-comment")


def _items(c: registry.ItemsContext) -> Iterator[content.ItemSpec]:
    for sp in c.spaces:
        yield content.ItemSpec(item_id(sp.id), KIND_ID, "text", None, sp.id)


def _describe(spec: content.ItemSpec, c: content.Content) -> str:
    assert spec.space is not None  # one item per space
    return c.text("research.item.rater_comment", space=c.space(spec.space).name)


KIND = registry.ExerciseKind(id=KIND_ID, items=_items, check=check_typed, describe=_describe)
"""Raters' comments: not a step of the learner's journey (the rater's page shows it)."""
