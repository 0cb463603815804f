"""The learner and group reports: every section, tagged PDF/UA-1, learner text as text, the
dashboard's own figures, and no network while they are made."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import ipaddress
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pypdf
import pytest

from trace_widgets import answers, content, demo, group, report, settings, store, workshop
from trace_widgets._cli_report import add_report_command
from trace_widgets._cli_workshop import fill_demo
from trace_widgets.coach import Dashboard, workshop_summary

XSS = "<img src=x onerror=alert(1)>"
DAY = dt.date(2026, 3, 9)


# --- no network ---------------------------------------------------------------------------------


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # a Unix socket path (bytes) is local
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse every connection beyond this machine, and remember who tried."""
    tried: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            tried.append(address)
            raise OSError("the network is refused in these tests")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            tried.append(address)
            return 111
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield tried
    assert tried == [], f"a report tried to reach the network: {tried}"


def test_the_guard_refuses_the_network(no_network: list[Any]) -> None:
    with socket.socket() as s, pytest.raises(OSError, match="refused in these tests"):
        s.connect(("192.0.2.1", 80))
    assert no_network == [("192.0.2.1", 80)]
    no_network.clear()  # tried on purpose, and refused


# --- data ---------------------------------------------------------------------------------------


def learner_answers() -> tuple[str, pd.DataFrame]:
    """The demo team's first member, with reflections, priorities and a plan."""
    frame = demo.demo_answers(3, seed=4)
    token = demo.participants(frame)[1]
    mine = frame.loc[frame["participant"] == token]
    c = content.get()
    extra = [
        answers.make(token, c.cell("task", "team").prompts[0].id,
                     f"We rush.\nSecond line {XSS} #set *bold* $x$"),
        answers.make(token, c.cell("energy", "self").prompts[2].id, "Take a proper lunch."),
        answers.make(token, "plan.1.element", "route"),
        answers.make(token, "plan.1.space", "team"),
        answers.make(token, "plan.1.what", f"Agree our route {XSS}"),
        answers.make(token, "plan.1.when", "2027-01-31"),
    ]
    return token, pd.concat([mine, answers.to_frame(extra)], ignore_index=True)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def struct_kinds(data: bytes) -> list[str]:
    """The structure types of the tagged PDF, depth first (its reading order)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    out: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if "/S" in node:
                out.append(str(node["/S"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return out


def assert_tagged(data: bytes, title: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert reader.metadata is not None
    assert reader.metadata.title == title
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part\W+1", xmp), "no PDF/UA-1 identification"
    assert all(p.mediabox.width == pytest.approx(595.28, abs=0.5) for p in reader.pages)  # A4


# --- learner report -----------------------------------------------------------------------------


def test_the_learner_pdf_holds_every_section_and_is_tagged() -> None:
    c = content.get()
    _, frame = learner_answers()
    pdf = report.learner_report(frame, fmt="pdf", name="Sam", workshop="Ward leads", today=DAY)
    text = pdf_text(pdf)
    doc = report.learner_document(frame, name="Sam", workshop="Ward leads", today=DAY)
    for section in doc.sections:
        assert section.heading in text, section.id
    assert [s.id for s in doc.sections] == ["read", "profile", "grid", "extremes",
                                           "reflections", "priorities", "plan", "about"]
    for wanted in ("Prepared for Sam", "Date: 2026-03-09", "Ward leads",
                   c.cell("task", "team").prompts[0].text, "Take a proper lunch.",
                   "Agree our route", "2027-01-31"):
        assert wanted in text, wanted
    assert_tagged(pdf, c.text("report.learner.title"))
    kinds = struct_kinds(pdf)
    # Reading order: the title first, then one second-level heading per section.
    assert kinds.index("/H1") < kinds.index("/H2")
    assert kinds.count("/H1") == 1
    assert kinds.count("/H2") == len(doc.sections)
    assert kinds.count("/Figure") == 5  # four profiles and the grid, each with alt text
    assert kinds.count("/Table") == 5


def test_learner_text_is_text_in_both_formats() -> None:
    _, frame = learner_answers()
    pdf = report.learner_report(frame, fmt="pdf", name=XSS, today=DAY)
    assert XSS in pdf_text(pdf)
    assert "#set *bold* $x$" in pdf_text(pdf)  # Typst markup is printed, not obeyed
    html = report.learner_report(frame, fmt="html", name=XSS, today=DAY).decode()
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") == 3  # name, reflection, plan


def test_the_html_report_is_one_self_contained_file() -> None:
    _, frame = learner_answers()
    html = report.learner_report(frame, fmt="html", today=DAY).decode()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert html.count("<svg") == 5
    assert "@media print" in html
    assert "size: A4" in html
    assert not re.search(r"url\((?!#)", html), "only references inside the page"
    for loads in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import"):
        assert loads not in html, loads
    assert not re.search(r"<[^>]*\s(src|srcset|xlink:href)\s*=", html), "nothing is loaded"
    # The only address is the model's source, as text to follow, not something loaded.
    assert re.findall(r'href="([^"]+)"', html) == []
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "each chart's SVG ids are its own"


def test_a_learner_with_no_answers_gets_a_report_that_says_so() -> None:
    c = content.get()
    empty = answers.to_frame([])
    doc = report.learner_document(empty, today=DAY)
    text = pdf_text(report.render(doc, "pdf"))
    for key in ("report.learner.reflections.none", "report.learner.plan.none",
                "report.learner.priorities.none", "report.learner.extremes.none"):
        assert c.text(key) in text
    assert "Prepared for" not in text


def test_strongest_and_lowest_cells_follow_the_scores() -> None:
    c = content.get()
    token = "p" * 22
    rows = [answers.make(token, st.id, value if not st.reverse else 6 - value)
            for (element, space), cell in c.cells.items() if space == "team"
            for value in [{"task": 5, "route": 1}.get(element, 3)] for st in cell.statements]
    doc = report.learner_document(answers.to_frame(rows), today=DAY)
    extremes = doc.section("extremes").blocks
    strongest, lowest = extremes[1], extremes[3]
    assert isinstance(strongest, report.Items)
    assert isinstance(lowest, report.Items)
    assert strongest.items[0] == "Task in the Team space: 5.0"
    assert lowest.items[0] == "Route in the Team space: 1.0"


def test_optional_sections_appear_only_when_given() -> None:
    _, frame = learner_answers()
    plain = report.learner_document(frame, today=DAY)
    extra = report.Section("others", "What others see", (report.Para("Three raters."),))
    more = report.learner_document(frame, today=DAY, extra=[extra])
    assert "others" not in [s.id for s in plain.sections]
    assert [s.id for s in more.sections][4] == "others"
    assert "What others see" in pdf_text(report.render(more, "pdf"))


def test_one_report_is_of_one_participant() -> None:
    with pytest.raises(ValueError, match="one participant"):
        report.learner_document(demo.demo_answers(2, seed=1))
    with pytest.raises(ValueError, match="unknown report format"):
        report.render(report.learner_document(answers.to_frame([])), "docx")  # type: ignore[arg-type]


# --- group report -------------------------------------------------------------------------------


def room(n: int = 8, *, sharers: int = 5, shy: int = 4) -> pd.DataFrame:
    """A team's answers in the team and system spaces, where only two rated the system,
    ``sharers`` people shared a reflection on one prompt and ``shy`` on another."""
    c = content.get()
    frame = demo.demo_answers(n, seed=2, workshop="K7MQ4P")
    people = demo.participants(frame)
    frame = frame.loc[(frame["space"] == "team")
                      | ((frame["space"] == "system") & frame["participant"].isin(people[:2]))
                      | frame["space"].isna()]
    shared, quiet = c.cell("task", "team").prompts[0].id, c.cell("route", "team").prompts[0].id
    rows = []
    for i, person in enumerate(people[:sharers]):
        text = f"Idea {i} {XSS}" if i == 0 else f"Idea {i}"
        rows += [answers.make(person, shared, text, workshop="K7MQ4P"),
                 answers.make(person, f"share.{shared}", "yes", workshop="K7MQ4P")]
    for i, person in enumerate(people[:shy]):
        rows += [answers.make(person, quiet, f"Quiet {i}", workshop="K7MQ4P"),
                 answers.make(person, f"share.{quiet}", "yes", workshop="K7MQ4P")]
    return pd.concat([frame, answers.to_frame(rows)], ignore_index=True)


def summary_of(frame: pd.DataFrame) -> group.Summary:
    return group.summarise(frame, kind="team", spaces=["team", "system"], k=3, comment_k=5,
                           joined=9)


def test_the_group_pdf_holds_every_section_and_applies_the_floors() -> None:
    c = content.get()
    summary = summary_of(room())
    pdf = report.group_report(summary, title="Ward leads", code="K7MQ4P", today=DAY)
    text = pdf_text(pdf)
    doc = report.group_document(summary, title="Ward leads", code="K7MQ4P", today=DAY)
    assert [s.id for s in doc.sections] == ["read", "participation", "grid", "distribution",
                                           "highlights", "gap", "comments", "about"]
    for section in doc.sections:
        assert section.heading in text, section.id
    assert_tagged(pdf, "Group report: Ward leads")
    # Participation counts as the dashboard says them.
    participation = doc.section("participation").blocks[0]
    assert isinstance(participation, report.Table)
    assert [r[1] for r in participation.rows] == ["9", "8", str(summary.progress.finished)]
    # The system space (two raters) is withheld: no mean, and not even how many.
    grid = next(b for b in doc.section("grid").blocks if isinstance(b, report.Table))
    system = [r for r in grid.rows if r[1] == "System"]
    assert system
    assert all(r[2:] == ("withheld (fewer than 3)", "", "") for r in system)
    team = [r for r in grid.rows if r[1] == "Team"]
    shown = summary.grid.loc[summary.grid["space"] == "team"]
    assert [r[2] for r in team] == [f"{m:.1f}" for m in shown["mean"]]
    # The lowest and most contested cells come with the content's facilitation questions.
    for element, space in summary.highlights.lowest:
        assert c.cell(element, space).facilitation[0].text in text
    # Shared comments: the prompt five people shared on, as text; the one four shared on, not.
    assert f"Idea 0 {XSS}" in text
    assert "Quiet 0" not in text
    html = report.group_report(summary, title="Ward leads", fmt="html", today=DAY).decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert "Quiet 0" not in html


def test_a_group_report_with_too_few_people_shows_no_figure() -> None:
    c = content.get()
    summary = summary_of(room(2, sharers=2, shy=0))
    doc = report.group_document(summary, title="Pair", today=DAY)
    text = pdf_text(report.render(doc, "pdf"))
    assert c.text("report.group.distribution.none", k=3) in text
    assert c.text("report.group.highlights.none", k=3) in text
    assert c.text("report.group.gap.none", k=3) in text
    assert "Idea" not in text
    grid = next(b for b in doc.section("grid").blocks if isinstance(b, report.Table))
    assert {r[2] for r in grid.rows} == {"withheld (fewer than 3)"}


def test_the_dashboard_offers_the_report_of_what_it_shows() -> None:
    with store.open_store("sqlite://") as s:
        w, _ = workshop.open_workshop(s, "Ward leads", "team", ["team"])
        fill_demo(s, w, participants=6)
        board = Dashboard(s, w, k=3, comment_k=5)
        board.refresh()
        assert board.summary is not None
        assert workshop_summary(s, w, k=3, comment_k=5).same_as(board.summary)
        pdf = board.report("pdf")
        labels = [b.label for b in board.downloads.children]
    text = pdf_text(pdf)
    assert "Joined the workshop 6 Started answering 6" in text  # as the dashboard counts
    assert labels == [content.get().text("report.download.group_pdf"),
                      content.get().text("report.download.group_html")]


# --- the command --------------------------------------------------------------------------------


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trace-workbook")
    add_report_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'trace.sqlite3'}"
    monkeypatch.setattr(settings, "_current", settings.get().with_(store=url))
    return url


def test_the_command_writes_a_learner_report_from_a_token_on_stdin(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with store.open_store(url) as s:
        token = s.new_participant(display_name="Ana", consent=True)
        s.save(token, {"task.self.s1": 4, "task.self.p1": f"Mine {XSS}"})
    monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
    target = tmp_path / "mine.pdf"
    assert _run(["report", "--participant", "-", "--output", str(target)]) == 0
    assert target.stat().st_mode & 0o077 == 0
    text = pdf_text(target.read_bytes())
    assert "Prepared for Ana" in text
    assert f"Mine {XSS}" in text
    assert token not in text
    assert "wrote the report" in capsys.readouterr().err


def test_the_command_needs_the_coach_key_for_a_workshop_report(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with store.open_store(url) as s:
        w, key = workshop.open_workshop(s, "Ward leads", "team", ["team"])
        fill_demo(s, w, participants=4)
    monkeypatch.setattr(sys, "stdin", io.StringIO("WRONG" * 6 + "\n"))
    assert _run(["report", "--workshop", w.code, "--format", "html"]) == 1
    assert "do not match" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
    target = tmp_path / "room.html"
    assert _run(["report", "--workshop", w.code, "--format", "html", "-o", str(target)]) == 0
    page = target.read_text(encoding="utf-8")
    assert "Group report: Ward leads" in page
    assert "4 joined" not in page
    assert "<td>4</td>" in page  # joined, started: the participation table


def test_an_unknown_workbook_is_a_plain_message(url: str, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("A" * 32 + "\n"))
    assert _run(["report", "--participant", "-"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trace-workbook: ")
    assert "Traceback" not in err


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare (util-linux)")
def test_the_command_works_with_no_network_at_all(url: str, tmp_path: Path) -> None:
    """In a network namespace of its own there is no network, not even a route: the
    report (Typst, the chart renderer) is made all the same."""
    if subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode:
        pytest.skip("this machine does not allow a network namespace")
    with store.open_store(url) as s:
        token = s.new_participant(consent=True)
        s.save(token, {"task.self.s1": 4, "task.self.s2": 2, "task.self.s3": 3})
    target = tmp_path / "offline.pdf"
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "trace_widgets.cli", "report", "--participant",
         "-", "--store", url, "-o", str(target)],
        input=token + "\n", capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF-")


# --- others' views and rounds, when there are some ----------------------------------------------


def test_others_views_and_rounds_appear_only_when_there_are_some(url: str) -> None:
    from trace_widgets._report_sources import learner_report_of  # noqa: PLC0415

    c = content.get()
    team = [st.id for e in c.elements for st in c.cell(e.id, "team").statements]
    with store.open_store(url) as s:
        me = s.new_participant(consent=True, display_name="Sam")
        s.save(me, dict.fromkeys(team, 5))
        alone = pdf_text(learner_report_of(s, me, "pdf"))
        raters = [("peer", 2), ("peer", 2), ("manager", 3), ("report", 2)]
        for group_id, value in raters:
            rater = s.invite(me, group_id, ["team"])
            s.record_consent(rater)
            s.append([answers.make(rater, item, value if not c.item(item).reverse
                                   else 6 - value, rater=group_id) for item in team])
        before_closing = pdf_text(learner_report_of(s, me, "pdf"))
        s.close_raters(me)
        closed = pdf_text(learner_report_of(s, me, "pdf"))
        s.start_round(me)
        s.save(me, dict.fromkeys(team, 4))
        second = pdf_text(learner_report_of(s, me, "pdf"))
    heading, trend = c.text("report.learner.others.heading"), c.text(
        "report.learner.trend.heading")
    assert heading not in alone
    assert trend not in alone
    assert heading not in before_closing  # others' views wait for the round to close
    assert heading in closed
    assert c.text("raters.blind_spot") in closed  # 5 against about 2.3, in every team cell
    assert c.text("raters.withheld", floor=3) in closed  # two peers: below their floor
    assert c.text("raters.grid.heading") in closed  # the 5 x 4 gap grid and its rows
    assert c.text("raters.grid.withheld") in closed  # the self space: not asked this time
    assert "(" + c.text("raters.blind_spot") + ")" in closed
    assert trend not in closed
    assert trend in second
