"""Make the report pictures in docs/: page images of a demo learner's and a demo workshop's
PDF report (pdftoppm, from poppler-utils), and the two PDFs themselves in a folder you name.

Run: .venv/bin/python docs/make_report_pages.py [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trace_widgets import answers, content, demo, group, report  # noqa: E402

DOCS = ROOT / "docs"
DAY = dt.date(2026, 12, 1)


def learner() -> bytes:
    c = content.get()
    frame = demo.demo_answers(8, seed=11)
    token = demo.participants(frame)[2]
    mine = frame.loc[frame["participant"] == token]
    said = [
        answers.make(token, c.cell("route", "team").prompts[1].id,
                     "We plan in our heads and rarely write the next steps down."),
        answers.make(token, c.cell("energy", "self").prompts[2].id,
                     "Block out a proper lunch break twice a week."),
        answers.make(token, "plan.1.element", "route"),
        answers.make(token, "plan.1.space", "team"),
        answers.make(token, "plan.1.what", "Agree the next three steps at Monday's huddle."),
        answers.make(token, "plan.1.who", "The whole team"),
        answers.make(token, "plan.1.when", "2027-01-31"),
    ]
    frame = pd.concat([mine, answers.to_frame(said)], ignore_index=True)
    return report.learner_report(frame, name="Sam", workshop="Ward leaders", today=DAY)


def group_pdf() -> bytes:
    c = content.get()
    frame = demo.demo_answers(25, seed=11, workshop="K7MQ4P")
    prompt = c.cell("route", "team").prompts[0].id
    ideas = ["We agree the goal, then everyone improvises the route.",
             "Nobody owns the plan once the meeting ends.", "Our weekly huddle helps.",
             "Changes of direction come by email and get lost.",
             "We check progress only when something goes wrong."]
    shared = []
    for person, idea in zip(demo.participants(frame), ideas, strict=False):
        shared += [answers.make(person, prompt, idea, workshop="K7MQ4P"),
                   answers.make(person, f"share.{prompt}", "yes", workshop="K7MQ4P")]
    frame = pd.concat([frame, answers.to_frame(shared)], ignore_index=True)
    summary = group.summarise(frame, kind="team", spaces=[s.id for s in c.spaces], k=3,
                              comment_k=5, joined=26)
    return report.group_report(summary, title="Ward leaders", code="K7MQ4P", today=DAY)


def page_image(pdf: Path, page: int, target: Path) -> None:
    stem = target.with_suffix("")
    command = ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page),
               "-singlefile", str(pdf), str(stem)]
    subprocess.run(command, check=True)  # noqa: S603 - poppler-utils on our own files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="also keep the two PDFs in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        made = {"learner": Path(tmp) / "learner.pdf", "group": Path(tmp) / "group.pdf"}
        made["learner"].write_bytes(learner())
        made["group"].write_bytes(group_pdf())
        page_image(made["learner"], 1, DOCS / "report-learner-page1.png")
        page_image(made["group"], 2, DOCS / "report-group-page2.png")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for pdf in made.values():
                shutil.copy(pdf, args.keep / pdf.name)
    print("wrote docs/report-*.png")  # noqa: T201


if __name__ == "__main__":
    main()
