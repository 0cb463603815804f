"""Benchmark the full reliability table (every scale and statement) at 10,000 participants.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reliability.py                 # 10,000 participants
    .venv/bin/python benchmarks/bench_reliability.py --participants 2000 --runs 3

Goal: ``psychometrics.reliability`` (alpha with Feldt's interval, omega from a one-factor
ML fit, item statistics, for 20 cells and 5 conditions across spaces) over 10,000
participants in under 2 s. The floor measured in the same run is
``scoring.item_scores`` on the same answers (the scoring every analysis needs first); the
result is reported as a ratio to it as well, so a slower machine does not move the goal.
Appends to ``benchmarks/results/reliability.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trace_widgets import content, psychometrics, scoring  # noqa: E402
from trace_widgets.answers import COLUMNS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "reliability.json"
KEEP_RUNS = 50
GOAL_S = 2.0


def factor_answers(participants: int, seed: int = 0) -> pd.DataFrame:
    """Every participant rates every statement once: a common factor per person and
    condition, reverse-worded statements answered the other way round, 5% "not sure"."""
    c = content.get()
    cells = [(cell, s) for cell, s in c.statements()]
    elements = [e.id for e in c.elements]
    n_items = len(cells)
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 0.9, (participants, len(elements)))
    element_of = np.array([elements.index(cell.element) for cell, _ in cells])
    reverse = np.array([s.reverse for _, s in cells])
    agree = np.clip(np.rint(3.3 + trait[:, element_of]
                            + rng.normal(0, 0.6, (participants, n_items))), 1, 5)
    given = np.where(reverse, 6 - agree, agree).astype(np.int64).ravel().astype(object)
    given[rng.random(given.size) < 0.05] = None
    tokens = np.array([f"{i:022x}" for i in range(participants)], dtype=object)
    start = pd.Timestamp("2025-01-06 09:00", tz="UTC")
    return pd.DataFrame({
        "participant": np.repeat(tokens, n_items),
        "workshop": np.repeat([f"W{i // 20:06d}" for i in range(participants)], n_items),
        "exercise": "rating",
        "item": np.tile(np.array([s.id for _, s in cells], dtype=object), participants),
        "element": np.tile(np.array([cell.element for cell, _ in cells], dtype=object),
                           participants),
        "space": np.tile(np.array([cell.space for cell, _ in cells], dtype=object),
                         participants),
        "rater": "self",
        "value": given,
        "at": start + pd.to_timedelta(np.arange(given.size), unit="ms"),
    }, columns=list(COLUMNS))


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args()

    c = content.get()
    answers = factor_answers(args.participants)
    print(f"{len(answers):,} answer rows ({args.participants:,} participants)")
    floor_times, _ = timed(lambda: scoring.item_scores(answers, c), args.runs)
    rel_times, rel = timed(lambda: psychometrics.reliability(answers, c), args.runs)
    floor_s, rel_s = statistics.median(floor_times), statistics.median(rel_times)
    scales = rel.scales
    record = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "participants": args.participants,
        "answer_rows": len(answers),
        "scales": len(scales),
        "items": len(rel.items),
        "floor_item_scores_median_s": round(floor_s, 4),
        "reliability_median_s": round(rel_s, 4),
        "reliability_max_s": round(max(rel_times), 4),
        "ratio_to_floor": round(rel_s / floor_s, 2),
        "goal_s": GOAL_S,
        "goal_met": rel_s < GOAL_S,
        "alpha_min": round(float(scales["alpha"].min()), 3),
        "omega_min": round(float(scales["omega"].min()), 3),
        "runs": args.runs,
    }
    print(f"  floor (scoring.item_scores)  median {floor_s:6.3f} s")
    print(f"  psychometrics.reliability    median {rel_s:6.3f} s   max {max(rel_times):6.3f} s"
          f"   = {rel_s / floor_s:.2f} x the floor")
    print(f"  goal (< {GOAL_S} s): {'met' if rel_s < GOAL_S else 'MISSED'}   "
          f"alpha >= {record['alpha_min']}, omega >= {record['omega_min']}")
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        history: list[dict[str, Any]] = []
        if RESULTS.is_file():
            history = list(json.loads(RESULTS.read_text(encoding="utf-8")).get("runs", []))
        history = [*history, record][-KEEP_RUNS:]
        RESULTS.write_text(json.dumps({"latest": record, "runs": history}, indent=2) + "\n",
                           encoding="utf-8")
        print(f"results appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
