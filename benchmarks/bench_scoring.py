"""Benchmark scoring at 100,000 participants and SVG rendering of the charts.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scoring.py            # full size
    .venv/bin/python benchmarks/bench_scoring.py --participants 10000 --svg-runs 5

Prints the results and appends them to ``benchmarks/results/scoring.json`` (the newest run
last; older runs are kept so a slowdown shows). Goals: group figures (``group_cells`` + ``gap``)
for 100,000 participants x 20 cells in under one second; others' views (``others.views_wide``,
every floor) for 100,000 learners with 5 raters each and 3 rounds in under two seconds,
reported as a ratio to the code before it was made fast (``others.py`` of ``--before``, read
from git, timed in the same run, turn about, on the same frame, and checked to give an
identical frame) and to the group figures measured in the same run.

Profile a step with pyinstrument (``pip install pyinstrument``, not a dependency)::

    .venv/bin/python -m pyinstrument benchmarks/bench_scoring.py --participants 30000 --no-save
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trace_widgets import content, others, scoring  # noqa: E402
from trace_widgets.answers import COLUMNS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "scoring.json"
KEEP_RUNS = 50
GROUP_GOAL_S = 1.0
OTHERS_GOAL_S = 2.0
RATERS_EACH = 5
ROUNDS = 3
WORKSHOP_SIZE = 20  # one leader per workshop of 20, the rest members
# main before others' views were vectorised (views_wide 8.7 s at 100,000 learners, under load).
BEFORE = "285c49ba29f47e3ef5e4f9d48400775fa53eb6dc"


def cores() -> dict[str, int | None]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"logical": os.cpu_count(), "usable": usable}


def synthetic_answers(participants: int, seed: int = 0) -> pd.DataFrame:
    """Every participant rates every statement once, in time order, as the store returns them.

    About 5% of ratings are "not sure"; one participant in 20 is a leader.
    """
    c = content.get()
    statements = [s for _, s in c.statements()]
    n_items = len(statements)
    n = participants * n_items
    rng = np.random.default_rng(seed)
    tokens = np.array([f"{i:022x}" for i in range(participants)], dtype=object)
    values = rng.integers(c.scale.low, c.scale.high + 1, n).astype(object)
    values[rng.random(n) < 0.05] = None
    rater = np.where(np.arange(participants) % WORKSHOP_SIZE == 0, "leader", "member")
    start = pd.Timestamp("2025-01-06 09:00", tz="UTC")
    specs = [c.item(s.id) for s in statements]
    return pd.DataFrame({
        "participant": np.repeat(tokens, n_items),
        "workshop": np.repeat([f"W{i // WORKSHOP_SIZE:06d}" for i in range(participants)],
                              n_items),
        "exercise": "rating",
        "item": np.tile(np.array([s.id for s in statements], dtype=object), participants),
        "element": np.tile(np.array([s.element for s in specs], dtype=object), participants),
        "space": np.tile(np.array([s.space for s in specs], dtype=object), participants),
        "rater": np.repeat(rater, n_items),
        "round": 1,
        "value": values,
        "at": start + pd.to_timedelta(np.arange(n), unit="ms"),
    }, columns=list(COLUMNS))


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_s": round(statistics.median(ordered), 4), "p95_s": round(p95, 4),
            "min_s": round(ordered[0], 4), "runs": len(ordered)}


def time_shuffled(answers: pd.DataFrame, runs: int) -> list[float]:
    """cell_scores on rows in random order: the time sort can no longer coast."""
    c = content.get()
    shuffled = answers.sample(frac=1.0, random_state=1)
    return timed(lambda: scoring.cell_scores(shuffled, c), runs)[0]


def bench_scoring(participants: int, runs: int) -> tuple[dict[str, Any], pd.DataFrame]:
    c = content.get()
    started = time.perf_counter()
    answers = synthetic_answers(participants)
    build_s = time.perf_counter() - started
    print(f"synthetic answers: {len(answers):,} rows ({participants:,} participants x "
          f"{len(answers) // participants} items) built in {build_s:.1f} s")

    item_times, _ = timed(lambda: scoring.item_scores(answers, c), runs)
    cell_times, cells = timed(lambda: scoring.cell_scores(answers, c), runs)
    shuffled_times = time_shuffled(answers, max(1, runs // 2))
    group_times, groups = timed(lambda: scoring.group_cells(cells), runs * 2)
    gap_times, _ = timed(lambda: scoring.gap(cells, "leader"), runs * 2)
    both = [g + p for g, p in zip(group_times, gap_times, strict=True)]
    element_times, _ = timed(lambda: scoring.element_scores(cells), runs)

    result = {
        "participants": participants,
        "answer_rows": len(answers),
        "cell_rows": len(cells),
        "item_scores": summary(item_times),
        "cell_scores": summary(cell_times),
        "cell_scores_shuffled_rows": summary(shuffled_times),
        "group_cells": summary(group_times),
        "gap": summary(gap_times),
        "group_cells_plus_gap": summary(both),
        "element_scores": summary(element_times),
        "group_goal_s": GROUP_GOAL_S,
        "group_goal_met": statistics.median(both) < GROUP_GOAL_S,
    }
    assert int(groups["n"].sum()) == int(cells["score"].notna().sum())
    return result, cells


def synthetic_rater_cells(participants: int, seed: int = 0) -> pd.DataFrame:
    """Cell scores of ``participants`` learners and their raters in every round, as
    :func:`scoring.cell_scores` returns them (one row per person, round and cell), with a
    ``subject`` column saying whose leadership each row rates.

    Each learner rates all 20 cells; their 5 raters (a line manager, peers, people they lead
    and others, in one of a few mixes) rate the 15 cells of the team, organisation and system
    spaces. About 5% of rater cells have no score (fewer than half the statements answered).
    """
    c = content.get()
    rng = np.random.default_rng(seed)
    groups = ["self", *others.group_ids()]
    mixes = np.array([[1, 2, 2, 2, 3], [1, 2, 2, 3, 4], [2, 2, 2, 3, 3], [1, 3, 3, 3, 4]])
    n_el, n_sp = len(c.elements), len(c.spaces)
    # The spaces a learner's raters rate unless asked for more (team, organisation, system:
    # the figure the goal was set on; the self space as a leader is the learner's choice).
    chosen = c.raters.chosen or c.raters.spaces
    rated = [n for n, s in enumerate(c.spaces) if s.id in chosen]
    # Self rows: subject x round x cell.
    self_units = participants * ROUNDS
    self_cell = np.tile(np.arange(n_el * n_sp), self_units)
    self_unit = np.repeat(np.arange(self_units), n_el * n_sp)
    # Rater rows: subject x round x rater x rated cell.
    rated_cells = np.array([e * n_sp + s for e in range(n_el) for s in rated])
    rater_units = self_units * RATERS_EACH
    rater_cell = np.tile(rated_cells, rater_units)
    rater_unit = np.repeat(np.arange(rater_units), len(rated_cells))
    mix = rng.integers(0, len(mixes), participants)
    rater_group = mixes[mix].repeat(ROUNDS, axis=0).ravel()  # per rater unit
    unit = np.concatenate([self_unit, rater_unit // RATERS_EACH])
    cell = np.concatenate([self_cell, rater_cell])
    group = np.concatenate([np.zeros(len(self_unit), dtype=np.int64),
                            rater_group[rater_unit]])
    score = np.round(rng.uniform(1, 5, len(unit)), 2)
    score[(group > 0) & (rng.random(len(unit)) < 0.05)] = np.nan
    subjects = pd.Index([f"p-{i:016x}" for i in range(participants)])
    return pd.DataFrame({
        "subject": pd.Categorical.from_codes((unit // ROUNDS).astype(np.int32),
                                             categories=subjects),
        "round": pd.Categorical.from_codes((unit % ROUNDS).astype(np.int8),
                                           categories=list(range(1, ROUNDS + 1))),
        "rater": pd.Categorical.from_codes(group.astype(np.int8), categories=groups),
        "element": pd.Categorical.from_codes((cell // n_sp).astype(np.int8),
                                             categories=[e.id for e in c.elements]),
        "space": pd.Categorical.from_codes((cell % n_sp).astype(np.int8),
                                           categories=[s.id for s in c.spaces]),
        "score": score,
    })


def others_before(commit: str) -> Any:
    """``trace_widgets/others.py`` as it was at ``commit``, loaded beside today's (its
    relative imports resolve in today's package), or None when git cannot give it."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:trace_widgets/others.py"],
            capture_output=True, check=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("trace_widgets._others_before", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "trace_widgets"
    sys.modules[spec.name] = module  # dataclasses look their module up there
    exec(compile(source, f"{commit[:7]}:trace_widgets/others.py", "exec"), module.__dict__)
    return module


def bench_others(participants: int, runs: int, group_s: float, before: str) -> dict[str, Any]:
    started = time.perf_counter()
    cells = synthetic_rater_cells(participants)
    build_s = time.perf_counter() - started
    print(f"synthetic rater cells: {len(cells):,} rows ({participants:,} learners x "
          f"{RATERS_EACH} raters x {ROUNDS} rounds) built in {build_s:.1f} s")
    old = others_before(before)

    def now() -> pd.DataFrame:
        return others.views_wide(cells, by=["subject", "round"])

    # Turn about, so that a busy spell on a shared machine weighs on both alike; CPU time
    # (user + system) beside the wall clock, as the wall clock waits for a shared CPU.
    times: list[float] = []
    old_times: list[float] = []
    cpu: list[float] = []
    old_cpu: list[float] = []
    wide = old_wide = None
    for _ in range(runs):
        started = time.process_time()
        t, wide = timed(now, 1)
        cpu.append(time.process_time() - started)
        times += t
        if old is not None:
            started = time.process_time()
            t, old_wide = timed(lambda: old.views_wide(cells, by=["subject", "round"]), 1)
            old_cpu.append(time.process_time() - started)
            old_times += t
    median = statistics.median(times)
    assert wide is not None
    assert len(wide) == participants * ROUNDS * 20
    assert int(wide["n_self"].sum()) == participants * ROUNDS * 20
    if old_wide is not None:
        pd.testing.assert_frame_equal(wide, old_wide, check_exact=True)
    return {
        "learners": participants, "raters_each": RATERS_EACH, "rounds": ROUNDS,
        "cell_rows": len(cells), "views_wide": summary(times), "views_wide_cpu": summary(cpu),
        "before": {"commit": before, "views_wide": summary(old_times),
                   "views_wide_cpu": summary(old_cpu), "identical": old_wide is not None,
                   "ratio_now_to_before": round(median / statistics.median(old_times), 3),
                   "cpu_ratio_now_to_before": round(statistics.median(cpu)
                                                    / statistics.median(old_cpu), 3)}
        if old_times else None,
        "ratio_to_group_cells_plus_gap": round(median / group_s, 2),
        "others_goal_s": OTHERS_GOAL_S, "others_goal_met": median < OTHERS_GOAL_S,
        "shown_all_others": round(float(wide["mean_all_others"].notna().mean()), 3),
    }


def print_others(result: dict[str, Any]) -> None:
    s, cpu = result["views_wide"], result["views_wide_cpu"]
    print(f"  {'others.views_wide':28s} median {s['median_s']:8.3f} s   p95 {s['p95_s']:8.3f} s"
          f"   CPU {cpu['median_s']:.3f} s   ({result['ratio_to_group_cells_plus_gap']}x "
          "group_cells + gap)")
    if result["before"] is not None:
        b = result["before"]
        print(f"  {'  before (' + b['commit'][:7] + ')':28s} median "
              f"{b['views_wide']['median_s']:8.3f} s   p95 {b['views_wide']['p95_s']:8.3f} s"
              f"   CPU {b['views_wide_cpu']['median_s']:.3f} s")
        print(f"  now / before: wall {b['ratio_now_to_before']}, CPU "
              f"{b['cpu_ratio_now_to_before']} (identical frames)")
    verdict = "met" if result["others_goal_met"] else "MISSED"
    print(f"  others goal (< {OTHERS_GOAL_S} s): {verdict}")


def bench_svg(cells: pd.DataFrame, runs: int) -> dict[str, Any]:
    # Imported here so the cold numbers include loading Altair and vl-convert's engine.
    started = time.perf_counter()
    from trace_widgets import chart_draw, charts  # noqa: PLC0415
    import_s = time.perf_counter() - started

    c = content.get()
    one = cells.loc[cells["participant"] == cells["participant"].iloc[0]]
    group = scoring.group_cells(cells.iloc[: 20 * 200])
    gaps = scoring.gap(cells.iloc[: 20 * 200], "leader")
    sittings = one.assign(round=1)
    later = one.assign(round=2, score=one["score"] + 0.5)
    makers: dict[str, Callable[[], Any]] = {
        "heatmap": lambda: charts.heatmap(one, content=c),
        "profile": lambda: charts.profile(one, content=c),
        "profile_one_space": lambda: charts.profile(one, space="team", content=c),
        "group_heatmap": lambda: charts.heatmap(group, value="mean", content=c),
        "gap": lambda: charts.gap(gaps, content=c),
        "distribution": lambda: charts.distribution(cells.iloc[: 20 * 200], content=c),
        "trend": lambda: charts.trend(pd.concat([sittings, later]), content=c),
    }
    out: dict[str, Any] = {"import_charts_s": round(import_s, 3)}
    for name, make in makers.items():
        chart = make()
        cold_s = timed(lambda chart=chart: chart_draw.to_svg(chart), 1)[0][0]
        build_times, _ = timed(make, min(runs, 10))
        svg_times, svg = timed(lambda chart=chart: chart_draw.to_svg(chart), runs)
        out[name] = {"cold_first_s": round(cold_s, 4), "build": summary(build_times),
                     "to_svg": summary(svg_times), "svg_bytes": len(svg)}
    return out


def save(record: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, Any]] = []
    if RESULTS.is_file():
        try:
            loaded = json.loads(RESULTS.read_text(encoding="utf-8"))
            history = list(loaded.get("runs", []))
        except (json.JSONDecodeError, AttributeError):
            history = []
    history = [*history, record][-KEEP_RUNS:]
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"latest": record, "runs": history}, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(RESULTS)


def versions() -> dict[str, str]:
    import altair  # noqa: PLC0415
    import vl_convert  # noqa: PLC0415

    return {"python": platform.python_version(), "pandas": pd.__version__,
            "numpy": np.__version__, "altair": altair.__version__,
            "vl_convert": vl_convert.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="repeats of each scoring step")
    parser.add_argument("--svg-runs", type=int, default=30, help="repeats of each SVG render")
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument("--before", default=BEFORE,
                        help="the commit whose others.py is timed beside today's ('' for none)")
    parser.add_argument("--only-others", action="store_true",
                        help="time others' views alone (no item scores, no SVG)")
    args = parser.parse_args()

    print(f"cores: {cores()}  machine: {platform.machine()}  {platform.platform()}")
    if args.only_others:
        print_others(bench_others(args.participants, args.runs, float("nan"), args.before))
        return
    scoring_result, cells = bench_scoring(args.participants, args.runs)
    for key in ("item_scores", "cell_scores", "cell_scores_shuffled_rows", "group_cells", "gap",
                "group_cells_plus_gap", "element_scores"):
        s = scoring_result[key]
        print(f"  {key:28s} median {s['median_s']:8.3f} s   p95 {s['p95_s']:8.3f} s")
    verdict = "met" if scoring_result["group_goal_met"] else "MISSED"
    print(f"  group goal (< {GROUP_GOAL_S} s): {verdict}")
    group_s = scoring_result["group_cells_plus_gap"]["median_s"]
    others_result = bench_others(args.participants, args.runs, group_s, args.before)
    print_others(others_result)

    svg_result = bench_svg(cells, args.svg_runs)
    print(f"  import charts: {svg_result['import_charts_s']:.2f} s")
    for name, r in svg_result.items():
        if isinstance(r, dict):
            t = r["to_svg"]
            print(f"  to_svg {name:18s} cold {r['cold_first_s']:6.3f} s   p50 {t['median_s']:6.3f}"
                  f" s   p95 {t['p95_s']:6.3f} s   build {r['build']['median_s']:.3f} s")

    record = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cores": cores(),
        "platform": platform.platform(),
        "versions": versions(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "scoring": scoring_result,
        "others": others_result,
        "svg": svg_result,
    }
    print(f"  peak RSS: {record['peak_rss_mb']} MB")
    if not args.no_save:
        save(record)
        print(f"results appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
