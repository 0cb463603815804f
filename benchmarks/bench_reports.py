"""Benchmark the reports: a learner's PDF and a 40-person group report, against a floor.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reports.py            # 30 runs of each
    .venv/bin/python benchmarks/bench_reports.py --runs 10 --no-save

Goals: the learner's PDF p95 under 1 s, the group report of a 40-person workshop (its
summary read from the answers, as ``trace-workbook report --workshop`` does) p95 under 2 s.
The floor, measured in the same run on the same machine, is Typst compiling a trivial tagged
PDF/UA-1 document (a title, a language, one line): what any PDF costs here. Each result is
also given as a ratio to it, so a run on a busier machine is still comparable. A second
floor is one small chart drawn to SVG (what every chart in a report costs at least): a
learner report draws five, a group report three. Appends to
``benchmarks/results/reports.json`` (the newest run last).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import typst  # noqa: E402

from benchmarks._harness import percentiles, timed  # noqa: E402
from trace_widgets import answers, chart_draw, charts, content, demo, group, report  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "reports.json"
KEEP_RUNS = 50
LEARNER_GOAL_S = 1.0
GROUP_GOAL_S = 2.0
GROUP_SIZE = 40
TRIVIAL = (b'#set document(title: "Floor")\n#set text(lang: "en", font: "Libertinus Serif")\n'
           b"A trivial tagged document.\n")


def learner_answers() -> pd.DataFrame:
    """A member of a 12-person team who rated everything, reflected in two cells and
    planned two actions: a full learner report (four profiles, the grid, text)."""
    c = content.get()
    frame = demo.demo_answers(12, seed=7)
    token = demo.participants(frame)[1]
    extra = [answers.make(token, c.cell("task", "team").prompts[0].id, "We rush. " * 40),
             answers.make(token, c.cell("energy", "self").prompts[2].id, "Lunch. " * 20)]
    for n in (1, 2):
        extra += [answers.make(token, f"plan.{n}.element", "route"),
                  answers.make(token, f"plan.{n}.space", "team"),
                  answers.make(token, f"plan.{n}.what", "Agree the next three steps. " * 5)]
    mine = frame.loc[frame["participant"] == token]
    return pd.concat([mine, answers.to_frame(extra)], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args()
    runs = args.runs

    mine = learner_answers()
    room = demo.demo_answers(GROUP_SIZE, seed=8, workshop="BENCH")
    spaces = [s.id for s in content.spaces()]

    def summary() -> group.Summary:
        return group.summarise(room, kind="team", spaces=spaces, k=3, comment_k=5,
                               joined=GROUP_SIZE)

    def trivial() -> bytes:
        out = typst.compile(TRIVIAL, pdf_standards=["ua-1"], ignore_system_fonts=True)
        assert isinstance(out, bytes)
        return out

    cold = {"learner_pdf_first_s": round(timed(lambda: report.learner_report(mine), 1)[0], 4)}
    ready = summary()
    learner_doc = report.learner_document(mine)
    group_doc = report.group_document(ready, title="Bench")
    small = charts.heatmap(pd.DataFrame({"element": ["task"], "space": ["self"],
                                         "score": [3.0]}))
    steps: dict[str, Callable[[], Any]] = {
        "floor_trivial_pdf": trivial,
        "floor_one_chart_svg": lambda: chart_draw.to_svg(small),
        "learner_pdf": lambda: report.learner_report(mine, fmt="pdf"),
        "learner_html": lambda: report.learner_report(mine, fmt="html"),
        "learner_document": lambda: report.learner_document(mine),
        "learner_typst_only": lambda: report.to_pdf(learner_doc),
        "group_pdf_from_answers": lambda: report.group_report(summary(), title="Bench"),
        "group_pdf_from_summary": lambda: report.group_report(ready, title="Bench"),
        "group_html_from_summary": lambda: report.group_report(ready, title="Bench",
                                                                fmt="html"),
        "group_typst_only": lambda: report.to_pdf(group_doc),
    }
    # Interleaved, so a burst of load from elsewhere on the machine hits every step alike.
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(runs):
        for name, fn in steps.items():
            times[name] += timed(fn, 1)
    results = {name: percentiles(t) for name, t in times.items()}
    floor = results["floor_trivial_pdf"]["p50"]
    chart_floor = results["floor_one_chart_svg"]["p50"]
    for r in results.values():
        r["p95_over_floor"] = round(r["p95"] / floor, 1) if floor else None
        r["p95_over_chart_floor"] = round(r["p95"] / chart_floor, 1) if chart_floor else None
    sizes = {"learner_pdf_bytes": len(report.learner_report(mine)),
             "group_pdf_bytes": len(report.group_report(ready, title="Bench"))}
    goals = {"learner_pdf_p95_under_1s": results["learner_pdf"]["p95"] < LEARNER_GOAL_S,
             "group_40_p95_under_2s": results["group_pdf_from_answers"]["p95"] < GROUP_GOAL_S}

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"cores: {os.cpu_count()} (usable {usable})  {platform.platform()}")
    print(f"  first learner PDF in this process (starts the chart engine): "
          f"{cold['learner_pdf_first_s']:.3f} s")
    for name, r in results.items():
        print(f"  {name:26s} p50 {r['p50']:7.4f} s   p95 {r['p95']:7.4f} s   "
              f"p95/floor {r['p95_over_floor']:6.1f}   p95/chart {r['p95_over_chart_floor']:5.1f}")
    for goal, met in goals.items():
        print(f"  goal {goal}: {'met' if met else 'MISSED'}")

    record = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cores": {"logical": os.cpu_count(), "usable": usable},
        "platform": platform.platform(),
        "versions": {"python": platform.python_version(), "typst": _typst_version()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "runs": runs, "group_size": GROUP_SIZE, "cold": cold, "results": results,
        "sizes": sizes, "goals": goals,
    }
    if not args.no_save:
        save(record)
        print(f"results appended to {RESULTS.relative_to(ROOT)}")


def _typst_version() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version("typst")


def save(record: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, Any]] = []
    if RESULTS.is_file():
        try:
            history = list(json.loads(RESULTS.read_text(encoding="utf-8")).get("runs", []))
        except (json.JSONDecodeError, AttributeError):
            history = []
    history = [*history, record][-KEEP_RUNS:]
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"latest": record, "runs": history}, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(RESULTS)


if __name__ == "__main__":
    main()
