"""Synthetic answers for galleries, demos and tests: a small team rating the TRACE grid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import answers as answers_mod
from . import content as content_mod
from .answers import Answer
from .group import LEADER, MEMBER

__all__ = ["ROUND_GAP", "START", "STRUCTURES", "CollectingSink", "demo_answers", "participants"]

_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone.utc)
"""When the demo workshop's first round begins."""
ROUND_GAP = dt.timedelta(days=91)
"""The time between rounds (a quarter)."""


class CollectingSink:
    """A save sink that keeps every row it is given, in order (for demos and tests).

    Examples
    --------
    >>> from trace_widgets import answers
    >>> sink = CollectingSink()
    >>> sink([answers.make("p" * 22, "task.self.s1", 4)])
    >>> len(sink.rows), sink.frame()["value"].tolist()
    (1, [4])
    """

    def __init__(self) -> None:
        self.rows: list[Answer] = []

    def __call__(self, rows: list[Answer]) -> None:
        self.rows.extend(rows)

    def frame(self) -> pd.DataFrame:
        """The rows kept so far, as a tidy answers frame."""
        return _frame(self.rows)


def _frame(rows: Iterable[Answer]) -> pd.DataFrame:
    kept = list(rows)
    frame = answers_mod.to_frame(kept)
    # Keep ints as ints: a value column of ints and None would otherwise become floats.
    frame["value"] = pd.Series([a.value for a in kept], dtype=object, index=frame.index)
    return frame


def _token(rng: np.random.Generator) -> str:
    return "".join(rng.choice(_ALPHABET, size=22))


STRUCTURES = ("team", "factor", "noise")
"""How :func:`demo_answers` makes ratings: ``team`` (a team's levels and leniencies),
``factor`` (a strong common factor per person and condition) or ``noise`` (no structure)."""


def demo_answers(n_participants: int = 12, *, seed: int = 0, workshop: str = "DEMO",
                 rounds: int = 1, structure: str = "team") -> pd.DataFrame:
    """A team's answers: ratings of every statement, some history, and priorities.

    The first participant is the team's leader (rater ``leader``), the rest rate as
    ``member``. Each cell has a true team level; people differ in leniency, the leader rates
    a little higher than the team (a realistic self-other gap), reverse-worded statements
    are answered the other way round, about 6% of answers are "not sure" (more in the system
    space), one member stops before the system space, and a few answers are changed later
    (two rows, the later one current). Each participant then picks their one or two weakest
    conditions per space as priorities. With ``sittings`` > 1 the team answers again every
    quarter and improves a little each time.

    Parameters
    ----------
    n_participants
        People in the team (at least 1).
    seed
        Seed of the random generator: the same seed gives the same frame.
    workshop
        The workshop code on every row ("" for solo answers).
    rounds
        How many rounds the team rates (1-4).
    structure
        One of :data:`STRUCTURES`. ``team`` (the default) is described above. ``factor``
        adds, for each person, a strong level of their own for each condition (shared by
        its statements in every space), so the scales are reliable (alpha and omega well
        over 0.7). ``noise`` answers every statement uniformly at random, so they are not
        (alpha near 0). Both keep "not sure", reverse wording, history and priorities.

    Returns
    -------
    DataFrame
        :data:`trace_widgets.answers.COLUMNS`; ``value`` is object (int, str or None).

    Examples
    --------
    >>> frame = demo_answers(4, seed=1)
    >>> sorted(frame["rater"].unique().tolist())
    ['leader', 'member']
    >>> frame["participant"].nunique()
    4
    """
    if not 1 <= n_participants <= 2000:
        raise ValueError("n_participants must be between 1 and 2000")
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {', '.join(STRUCTURES)}")
    if not 1 <= rounds <= 4:
        raise ValueError("rounds must be between 1 and 4")
    c = content_mod.get()
    rng = np.random.default_rng(seed)
    level = {key: float(np.clip(rng.normal(3.3, 0.55), 1.8, 4.4)) for key in c.cells}
    people = [(_token(rng), LEADER if i == 0 else MEMBER, rng.normal(0, 0.35))
              for i in range(n_participants)]
    # A person's own level of each condition: the common factor of its statements.
    trait = {(token, e.id): float(rng.normal(0, 0.9)) if structure == "factor" else 0.0
             for token, _, _ in people for e in c.elements}
    rows: list[Answer] = []
    # Each person's sitting: where its ratings end, then its priorities (worked out below).
    sittings: list[tuple[int, str, str, dt.datetime, int]] = []
    for sitting in range(rounds):
        for i, (token, rater, leniency) in enumerate(people):
            t = START + sitting * ROUND_GAP + dt.timedelta(minutes=float(rng.uniform(0, 90)))
            offset = leniency + (0.4 if rater == LEADER else 0.0) + 0.25 * sitting
            stops = i == 2 and sitting == 0  # one member leaves before the system space
            for (element, space), cell in c.cells.items():
                if stops and space == "system":
                    continue
                not_sure = 0.12 if space == "system" else 0.05
                mean = level[(element, space)] + offset + trait[(token, element)]
                noise = 0.6 if structure == "factor" else 0.8
                for st in cell.statements:
                    t += dt.timedelta(seconds=float(rng.uniform(8, 40)))
                    value = (_noise(rng, not_sure) if structure == "noise"
                             else _rating(rng, mean, st.reverse, not_sure, noise))
                    if rng.random() < 0.05:  # answered once, then changed a minute later
                        first = _rating(rng, mean, st.reverse, 0, noise)
                        rows.append(_make(token, st.id, first, workshop=workshop,
                                          rater=rater, at=t, round=sitting + 1))
                        t += dt.timedelta(seconds=60)
                    rows.append(_make(token, st.id, value, workshop=workshop, rater=rater,
                                      at=t, round=sitting + 1))
            sittings.append((len(rows), token, rater, t, sitting + 1))
    return _frame(_with_priorities(rows, sittings, workshop))


def _with_priorities(rows: list[Answer], sittings: list[tuple[int, str, str, dt.datetime, int]],
                     workshop: str) -> list[Answer]:
    """``rows`` with each sitting's priorities after its ratings. The cell scores of a round
    are worked out once for everyone (per person, pandas would take most of the time)."""
    from . import scoring  # noqa: PLC0415 - scoring imports pandas machinery demos may skip

    cells: dict[tuple[str, int], pd.DataFrame] = {}
    for round_no in sorted({s[4] for s in sittings}):
        scored = scoring.cell_scores(_frame(r for r in rows if r.round == round_no))
        for token, person in scored.groupby("participant", sort=False):
            cells[(str(token), round_no)] = person
    out: list[Answer] = []
    begin = 0
    for end, token, rater, at, round_no in sittings:
        out += rows[begin:end]
        begin = end
        found = cells.get((token, round_no))
        if found is not None:
            out += _priorities(found, token, workshop, rater, at, round_no=round_no)
    return out


def _rating(rng: np.random.Generator, level: float, reverse: bool, not_sure: float,
            noise: float = 0.8) -> int | None:
    if rng.random() < not_sure:
        return None
    agree = float(np.clip(np.rint(rng.normal(level, noise)), 1, 5))
    return int(6 - agree if reverse else agree)


def _noise(rng: np.random.Generator, not_sure: float) -> int | None:
    return None if rng.random() < not_sure else int(rng.integers(1, 6))


def _make(token: str, item: str, value: object, *, workshop: str, rater: str,
          at: dt.datetime, round: int = 1) -> Answer:  # noqa: A002 (the column)
    return answers_mod.make(token, item, value, workshop=workshop, rater=rater, at=at,
                            round=round)


def _priorities(cells: pd.DataFrame, token: str, workshop: str, rater: str,
                at: dt.datetime, *, round_no: int = 1) -> list[Answer]:
    """Each space's one or two weakest conditions by the person's own current ratings.

    ``cells`` are the person's cell scores of the round.
    """
    c = content_mod.get()
    out: list[Answer] = []
    for n, space in enumerate(c.spaces, start=1):
        mine = cells.loc[(cells["space"].astype(str) == space.id) & cells["score"].notna()]
        if mine.empty:
            continue
        weakest = mine.nsmallest(2, "score")
        keep = weakest if weakest["score"].iloc[-1] < 3.5 else weakest.head(1)
        chosen = [e.id for e in c.elements if e.id in set(keep["element"].astype(str))]
        out.append(_make(token, f"priorities.{space.id}", ",".join(chosen[:c.max_priorities]),
                         workshop=workshop, rater=rater, at=at + dt.timedelta(minutes=n),
                         round=round_no))
    return out


def participants(frame: pd.DataFrame) -> list[str]:
    """The participant tokens of an answers frame, in the order they first appear.

    In :func:`demo_answers` frames the leader comes first.

    Examples
    --------
    >>> frame = demo_answers(3, seed=2)
    >>> leader = participants(frame)[0]
    >>> frame.loc[frame["participant"] == leader, "rater"].iloc[0]
    'leader'
    """
    return list(dict.fromkeys(frame["participant"].astype(str)))
