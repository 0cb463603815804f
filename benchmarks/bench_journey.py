"""The journey app's speed and size, measured in a real Voila server and a real Chromium.

- time to interactive of the app against a bare Voila page served the same way, same run
  (goal: at most 1.3x);
- step-to-step navigation in one kernel (goal: p95 under 300 ms);
- a rating change until the profile chart is redrawn (goal: p95 under 100 ms), seen in
  Chromium (from Playwright's click, and on the page's own clock from the change event to
  the frame after the redraw), and in the kernel alone (``--kernel`` prints only that);
- kernel memory per learner after a whole journey (goal: at most 150 MB).

With ``--before REV`` the same run also serves the app as it was at git revision REV (its
files from ``git archive``, run by this Python) beside today's, and measures both side by
side: time to interactive in the same rounds, and rating changes taken in turns, one on
each, so both meet the same load. Widget models, and the kernel memory of each app's
learner after the journey, are counted for both.

Run: .venv/bin/python benchmarks/bench_journey.py [--before REV]
(writes benchmarks/results/journey.json)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from _harness import (
    CHROMIUM_FLAGS,
    ROOT,
    bare_voila,
    free_port,
    percentiles,
    server,
    server_memory_mb,
    write,
)
from playwright.sync_api import Browser, Page, sync_playwright

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "8"))
POOL = 2


def time_to_interactive(page: Page, url: str, selector: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(selector, timeout=120_000)
    return time.perf_counter() - start


def checkout(rev: str, into: Path) -> Path:
    """The repository's files at ``rev`` (no .git), to serve the app as it was then."""
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV",
                        help="also measure the app at this git revision, side by side")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="trace-bench-"))
    env = {**os.environ, "TRACE_STORE": f"sqlite:///{tmp / 'store.sqlite3'}",
           "JUPYTER_PATH": str(ROOT / "trace_widgets" / "share")}
    app_port, bare_port, plain_port = free_port(), free_port(), free_port()
    app_cmd = [sys.executable, "-m", "trace_widgets.cli", "serve", "--port", str(app_port),
               "--pool-size", str(POOL)]
    plain_cmd = [*app_cmd[:-4], "--port", str(plain_port), "--pool-size", str(POOL)]
    plain_env = {**env, "TRACE_FORK_KERNELS": "0",
                 "TRACE_STORE": f"sqlite:///{tmp / 'plain.sqlite3'}"}
    bare_cmd, bare_dir = bare_voila(tmp, port=bare_port, pool=POOL)
    # The command as run, so a result can be made again the same way.
    command = " ".join([f"BENCH_ROUNDS={ROUNDS}", ".venv/bin/python",
                        "benchmarks/bench_journey.py", *sys.argv[1:]])
    results: dict[str, object] = {"command": command, "rounds": ROUNDS, "pool_size": POOL,
                                  "load_average_at_start": os.getloadavg()[0]}
    with ExitStack() as stack:
        app, pid = stack.enter_context(server(app_cmd, cwd=ROOT, env=env, port=app_port,
                                              log=tmp / "app.log"))
        bare, _ = stack.enter_context(server(bare_cmd, cwd=bare_dir, env=env, port=bare_port,
                                             log=tmp / "bare.log"))
        plain, plain_pid = stack.enter_context(server(plain_cmd, cwd=ROOT, env=plain_env,
                                                      port=plain_port, log=tmp / "plain.log"))
        before = ""
        old_results: dict[str, object] = {}
        if args.before:
            old = checkout(args.before, tmp / "before")
            old_env = {**env, "PYTHONPATH": str(old),
                       "JUPYTER_PATH": str(old / "trace_widgets" / "share"),
                       "TRACE_STORE": f"sqlite:///{tmp / 'before.sqlite3'}"}
            old_port = free_port()
            old_cmd = [*app_cmd[:-4], "--port", str(old_port), "--pool-size", str(POOL)]
            before, before_pid = stack.enter_context(server(old_cmd, cwd=old, env=old_env,
                                                            port=old_port,
                                                            log=tmp / "before.log"))
            old_results["revision"] = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", args.before], check=True,
                capture_output=True, text=True).stdout.strip()
            results["before"] = old_results
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        time.sleep(15)  # every pool warm
        pages = [(f"{bare}/", ".bare-ready", "bare_voila"),
                 (f"{app}/voila/render/app.ipynb", ".trace-consent-agree", "app"),
                 (f"{plain}/voila/render/app.ipynb", ".trace-consent-agree",
                  "app_kernels_not_forked")]
        if before:
            pages.append((f"{before}/voila/render/app.ipynb", ".trace-consent-agree", "before"))
        tti: dict[str, list[float]] = {name: [] for *_, name in pages}
        for _ in range(ROUNDS):
            for url, selector, name in pages:
                context = browser.new_context()
                tti[name].append(time_to_interactive(context.new_page(), url, selector))
                context.close()
            time.sleep(6)  # let each pool refill, as between two people arriving
        results["time_to_interactive_s"] = {
            **{name: percentiles(times) for name, times in tti.items() if name != "before"},
            **ratios(tti, "app"),
        }
        if before:
            old_results["time_to_interactive_s"] = {
                "app": percentiles(tti["before"]), **ratios(tti, "before")}

        # One learner (and, with --before, one more on the old app): start, then every step
        # twice, rating as they go.
        learners = {"app": start_learner(browser, app)}
        if before:
            learners["before"] = start_learner(browser, before)
        first, again = [], []
        redraw: dict[str, list[float]] = {name: [] for name in learners}
        in_page: dict[str, list[float]] = {name: [] for name in learners}
        steps = ["self", "team", "organisation", "system", "plan"]
        for visit in (first, again):
            for step in steps:
                for name, page in learners.items():
                    start = time.perf_counter()
                    page.locator(f"button.trace-nav-{step}").click()
                    page.wait_for_selector(f".trace-step-{step}", state="visible")
                    if name == "app":
                        visit.append(time.perf_counter() - start)
                if step != "plan" and visit is first:
                    clicked, seen = rate_space(learners, step)
                    for name in learners:
                        redraw[name] += clicked[name]
                        in_page[name] += seen[name]
        results["navigation_s"] = {"first_visit": percentiles(first),
                                   "return_visit": percentiles(again),
                                   "all": percentiles(first + again)}
        results["rating_to_chart_redrawn_s"] = percentiles(redraw["app"])
        results["rating_to_chart_redrawn_in_page_s"] = {
            **percentiles(in_page["app"]),
            "note": "the same changes timed on the page's clock: from the radio's change "
                    "event to the first frame after the chart was replaced; the figure "
                    "above also holds Playwright's click (its checks before it clicks) and "
                    "its polling",
        }
        if before:
            old_results["rating_to_chart_redrawn_s"] = percentiles(
                redraw["before"])
            old_results["rating_to_chart_redrawn_in_page_s"] = percentiles(in_page["before"])
        memory = server_memory_mb(pid)
        sizes = memory["kernels"]
        learner = max(sizes)
        results["team_step_height_px"] = step_heights(browser, app, env["TRACE_STORE"])
        results["kernel_memory_mb"] = {
            "note": "each of the app's kernels after one whole journey, resident (rss) and "
                    "proportional (pss, the honest share: pages common to all kernels are "
                    "divided among them); the largest is the learner's, the others wait in "
                    "the pool. A forked kernel includes its stand-in process.",
            "rss": sorted(round(r) for r, _ in sizes),
            "pss": sorted(round(p) for _, p in sizes),
            "learner_rss": round(learner[0]),
            "learner_pss": round(learner[1]),
            "goal_pss": 150,
            "goal_met": learner[1] <= 150,
            "stand_in_pss": memory["stand_in_pss"],
            "server_fixed_pss": memory["fixed_pss"],
            "not_forked_pss": sorted(round(p) for _, p in server_memory_mb(plain_pid)["kernels"]),
        }
        if before:
            # The old app's learner made the same journey, in turns with today's.
            old_sizes = server_memory_mb(before_pid)["kernels"]
            old_learner = max(old_sizes)
            old_results["kernel_memory_mb"] = {
                "rss": sorted(round(r) for r, _ in old_sizes),
                "pss": sorted(round(p) for _, p in old_sizes),
                "learner_rss": round(old_learner[0]), "learner_pss": round(old_learner[1])}
        browser.close()
        results["load_average_at_end"] = os.getloadavg()[0]
    results["widget_models"] = widget_models()
    results["rating_to_chart_redrawn_in_kernel"] = kernel_redraw()
    if args.before:
        old_results["widget_models"] = in_before(tmp, "--widget-models")
        old_results["rating_to_chart_redrawn_in_kernel"] = in_before(tmp, "--kernel")
    write("journey", results)


def ratios(tti: dict[str, list[float]], name: str) -> dict[str, float]:
    """Time to interactive of ``name`` as a multiple of the bare page's, in the same rounds."""
    mine, bare = percentiles(tti[name]), percentiles(tti["bare_voila"])
    return {"ratio_p50": round(mine["p50"] / bare["p50"], 2),
            "ratio_p95": round(mine["p95"] / bare["p95"], 2)}


def start_learner(browser: Browser, app: str) -> Page:
    """A new learner's page, past the start step."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{app}/voila/render/app.ipynb")
    page.wait_for_selector(".trace-consent-agree input", timeout=120_000)
    page.locator(".trace-consent-agree input").check()
    page.locator("button.trace-start").click()
    page.wait_for_selector(".trace-workbook-code", timeout=30_000)
    return page


def filled(store_url: str, space: str) -> str:
    """A workbook with every statement of ``space`` rated."""
    from trace_widgets import content  # noqa: PLC0415
    from trace_widgets.store import open_store  # noqa: PLC0415

    c = content.get()
    with open_store(store_url) as store:
        token = store.new_participant(consent=True)
        store.save(token, {st.id: 1 + i % 5 for i, st in enumerate(
            st for e in c.elements for st in c.cell(e.id, space).statements)})
    return token


def step_heights(browser: Browser, app: str, store_url: str) -> dict[str, int]:
    """How tall the Team step is (the page's whole scroll height, px), fully rated, on a wide
    screen and on a phone."""
    token = filled(store_url, "team")
    heights = {}
    for width in (1280, 360):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{app}/voila/render/app.ipynb?p={token}&step=team")
        page.wait_for_selector(".trace-step-team .trace-chart svg", timeout=120_000)
        page.wait_for_timeout(1_000)  # fonts and late layout settle
        heights[str(width)] = int(page.evaluate(
            "() => document.getElementById('rendered_cells').scrollHeight"))
        page.close()
    return heights


def widget_models() -> dict[str, int]:
    """How many widget models (each one a message and a state the page must hold) the app
    sends for a page opened on the Team step, and how many of them the step itself adds,
    counted in this process with the same code the kernel runs."""
    import ipywidgets  # noqa: PLC0415
    from ipywidgets.widgets import widget as widget_mod  # noqa: PLC0415

    from trace_widgets.journey import Journey  # noqa: PLC0415
    from trace_widgets.store import open_store  # noqa: PLC0415

    assert ipywidgets
    instances = widget_mod._instances
    with open_store("sqlite://") as store:
        token = store.new_participant(consent=True)
        before = len(instances)
        journey = Journey(store)
        chrome = len(instances)
        journey.open({"p": token, "step": "team"})
        after = len(instances)
    return {"page_opened_on_team": after - before, "team_step": after - chrome}


def kernel_redraw(rounds: int = 3) -> dict[str, object]:
    """A rating change in the kernel alone, until its profile is redrawn (no browser): the
    learner's Team step, every statement rated, then each changed ``rounds`` times. Wall
    and CPU time of the kernel's handling (check, save, scores, chart), per change."""
    from trace_widgets.journey import Journey  # noqa: PLC0415
    from trace_widgets.store import open_store  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder, \
            open_store(f"sqlite:///{folder}/store.sqlite3") as store:
        journey = Journey(store)
        journey.open({"p": store.new_participant(consent=True), "step": "team"})
        control = journey._built["team"].step.parts[0].view.control
        ids = [s.id for e in control.state.elements for s in control.state.statements(e)]
        for i, item in enumerate(ids):
            control.choose(item, i % 5)
        wall, cpu = [], []
        for r in range(rounds):
            for i, item in enumerate(ids):
                w, c = time.perf_counter(), time.process_time()
                control.choose(item, (i + 2 + r) % 5)  # no event loop: redrawn at once
                wall.append(time.perf_counter() - w)
                cpu.append(time.process_time() - c)
    return {"wall_s": percentiles(wall), "cpu_s": percentiles(cpu)}


def in_before(tmp: Path, flag: str) -> object:
    """What this script's ``flag`` prints when run on the old app's code."""
    return json.loads(subprocess.run(
        [sys.executable, __file__, flag], check=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(tmp / "before")}).stdout)


def rate_space(pages: dict[str, Page], space: str
               ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """On each page: rate every statement; then change each rating once, timing each change
    (a click on a radio) until the profile chart's SVG has been redrawn (every change moves
    a cell score). The pages take turns, change by change, so they meet the same load."""
    groups = {name: page.locator(f".trace-step-{space} fieldset.trace-rating")
              for name, page in pages.items()}
    for name, page in pages.items():
        for i in range(groups[name].count()):
            groups[name].nth(i).locator("input[type=radio]").nth(i % 5).check()
        page.wait_for_selector(f"button.trace-nav-{space}:has-text('✓')", timeout=30_000)
    times: dict[str, list[float]] = {name: [] for name in pages}
    in_page: dict[str, list[float]] = {name: [] for name in pages}
    for page in pages.values():
        page.evaluate(IN_PAGE, page.locator(f".trace-step-{space} .trace-chart-panel")
                      .element_handle())
    for i in range(next(iter(groups.values())).count()):
        for name, page in pages.items():
            chart = page.locator(f".trace-step-{space} .trace-chart-panel")
            page.wait_for_timeout(150)  # the previous redraw has settled
            before = chart.inner_html()
            choice = groups[name].nth(i).locator("input[type=radio]").nth((i + 2) % 5)
            start = time.perf_counter()
            choice.check()
            page.wait_for_function(
                "([el, old]) => el.innerHTML !== old", arg=[chart.element_handle(), before],
                timeout=20_000)
            times[name].append(time.perf_counter() - start)
            page.wait_for_function("() => window.__traceRedraw.frame", timeout=20_000)
            in_page[name].append(page.evaluate(
                "() => (window.__traceRedraw.frame - window.__traceRedraw.given) / 1000"))
    return times, in_page


IN_PAGE = """panel => {
  // The page's own clock: from the radio's change event to the first frame after the
  // chart's SVG was replaced (what the learner sees), without Playwright's click.
  window.__traceRedraw = {};
  document.addEventListener("change", () => { window.__traceRedraw = {given: performance.now()}; },
                            true);
  new MutationObserver(() => {
    const t = window.__traceRedraw;
    if (t.given && !t.drawn) {
      t.drawn = performance.now();
      requestAnimationFrame(() => { t.frame = performance.now(); });
    }
  }).observe(panel, {childList: true, subtree: true, characterData: true});
}"""


if __name__ == "__main__":
    if sys.argv[1:] == ["--widget-models"]:  # for --before, in its own process
        print(json.dumps(widget_models()))
    elif sys.argv[1:] == ["--kernel"]:  # the same, and alone: the kernel's part only
        print(json.dumps(kernel_redraw()))
    else:
        main()
