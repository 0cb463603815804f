"""Coach mode's speed: the live dashboard, the anonymity rule at scale, and a room joining.

1. Dashboard refresh over a workshop of 40 participants (in process, file SQLite store):
   one refresh = read the answers, apply the anonymity rule, render every view; timed when
   an answer changed since the last refresh and when nothing did (p50/p95).
2. The group aggregation (the anonymity rule: grid, leader gap, highlights) over the cell
   scores of 100,000 participants x 20 cells (goal: under 1 s), and the whole summary from
   8 million answer rows (scoring included) for comparison.
3. A real server (``trace-workbook serve --pool-size N``) and Chromium: the coach's page,
   how long an answer takes to reach the projector, and 30 participants opening
   ``app.ipynb?w=CODE`` within 10 s: p95 time to interactive (goal: under 3 s with the
   kernel pool), measured in Chromium, with what the rush costs the server (CPU seconds,
   kernel memory) and one visitor at a time on the same warm server. Three servers: the
   default pool of 2; a pool of 30 for app.ipynb (coach.ipynb keeps 1, set with Voila's
   ``kernel_pools_config``: ``--pool-size 30`` alone would warm 30 coach kernels too); and
   a bare one-widget Voila page with a pool of 30, for comparison. A fresh server for each;
   a guard stops a server if the machine's free memory falls below 3 GB.
   Each rush is run three times. ``rush_light``: 30 light clients (``_light_client``: the
   page and the widget states, what the server owes each person, without a browser: as
   when each person brings their own laptop). ``rush_mixed``: 27 light clients and 3 real
   Chromium pages among them, end to end. ``rush``: all 30 in Chromium. Chromium's pages
   share the server's 2 cores here (each is the JupyterLab widget front end, a few CPU
   seconds under load), so the all-Chromium rush measures this machine's browsers more
   than the server: even the bare page takes about a minute there.

Run from the repository root (about 20 minutes, 17 GB of memory at the peak)::

    .venv/bin/python benchmarks/bench_coach.py
    .venv/bin/python benchmarks/bench_coach.py --quick     # a smaller, faster smoke run

Writes ``benchmarks/results/coach.json`` (a ``--quick`` run only prints).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import resource
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _harness import CHROMIUM_FLAGS, ROOT, bare_voila, free_port, percentiles, timed
from _harness import server as harness_server
from _light_client import light_join

from trace_widgets import _cli_workshop, cli, content, group, scoring, settings, store, workshop
from trace_widgets._paths import bundled, voila_share
from trace_widgets.coach import Dashboard

RESULTS = ROOT / "benchmarks" / "results" / "coach.json"
AGGREGATION_GOAL_S = 1.0
JOIN_GOAL_P95_S = 3.0
MEMORY_FLOOR_MB = 3_000
JOIN_TIMEOUT_S = 120
LIGHT_RUSH_BROWSERS = 3  # real Chromium pages among the light clients of a rush
DEFAULT = "default_pool_2"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(command: list[str], *, env: dict[str, str], cwd: Path, port: int,
           log: Path) -> Iterator[tuple[str, int]]:
    """A Voila server in its own session; yields its address and process id."""
    kernels: list[int] = []
    try:
        with harness_server(command, cwd=cwd, env=env, port=port, log=log,
                            stop_timeout=60) as (url, pid):
            try:
                yield url, pid
            finally:
                # Kernels run in sessions of their own: note them now, so none outlives
                # the server.
                kernels = [k for k in family(pid) if k != pid]
    finally:
        kill_kernels(kernels)


def is_kernel(pid: int) -> bool:
    """An ordinary kernel, or one copied from the fork server (it is named trace-kernel)."""
    return (b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes()
            or Path(f"/proc/{pid}/comm").read_text().strip() == "trace-kernel")


def kill_kernels(pids: list[int]) -> None:
    """SIGKILL these kernel processes if they are still kernels (a pid can be reused)."""
    for pid in pids:
        with contextlib.suppress(OSError):
            if is_kernel(pid):
                os.kill(pid, signal.SIGKILL)


# --- 1. the dashboard at 40 participants ------------------------------------------------------


def bench_refresh(tmp: Path, participants: int, rounds: int) -> dict[str, Any]:
    with store.open_store(f"sqlite:///{tmp / 'refresh.sqlite3'}") as s:
        made, _ = workshop.open_workshop(s, "Bench (demo data)", "team",
                                         ["self", "team", "organisation", "system"])
        _cli_workshop.fill_demo(s, made, participants=participants, seed=1)
        board = Dashboard(s, made)
        board.refresh()  # the first one warms the chart renderer
        token = s.new_participant(workshop=made.code, role="member", consent=True)
        statements = [st.id for (_, sp), cell in content.get().cells.items() if sp == "team"
                      for st in cell.statements]
        changed, unchanged, read, summarise, drawn = [], [], [], [], []
        for n in range(rounds):
            # One more answer: a mean (and the leader gap) moves, so every view is redrawn.
            s.save(token, {statements[n % len(statements)]: 1 + n % 5}, rater="member")
            start = time.perf_counter()
            drawn.append(board.show(board.compute()))
            changed.append(time.perf_counter() - start)
            unchanged += timed(board.refresh, 1)
            read += timed(lambda: s.workshop_answers(made.code), 1)
            frame = s.workshop_answers(made.code)
            summarise += timed(lambda f=frame: group.summarise(
                f, kind="team", spaces=made.spaces, k=3, comment_k=5), 1)
        rows = len(s.workshop_answers(made.code))
    return {
        "participants": participants + 1, "answer_rows": rows, "rounds": rounds,
        "refresh_after_an_answer_s": percentiles(changed),
        "refresh_nothing_new_s": percentiles(unchanged),
        "of_which_store_read_s": percentiles(read),
        "of_which_summarise_s": percentiles(summarise),
        "widgets_redrawn_after_an_answer": sorted(set(drawn)),
    }


# --- 2. the aggregation at 100,000 participants -----------------------------------------------


def bench_aggregation(participants: int, runs: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scoring import synthetic_answers  # noqa: PLC0415

    answers = synthetic_answers(participants)
    cells = scoring.cell_scores(answers)
    spaces = ["self", "team", "organisation", "system"]

    def aggregate() -> None:
        grid = group.group_grid(cells, k=3, spaces=spaces)
        group.leader_gap(cells, k=3, spaces=spaces)
        group.highlights(grid)

    aggregate()
    agg = timed(aggregate, runs)
    grid_only = timed(lambda: group.group_grid(cells, k=3, spaces=spaces), runs)
    gap_only = timed(lambda: group.leader_gap(cells, k=3, spaces=spaces), runs)
    progress = timed(lambda: group.progress(answers, spaces=spaces), max(2, runs // 2))
    whole = timed(lambda: group.summarise(answers, kind="team", spaces=spaces, k=3,
                                          comment_k=5), 2)
    return {
        "participants": participants, "answer_rows": len(answers), "cell_rows": len(cells),
        "aggregation_s": percentiles(agg),
        "of_which_group_grid_s": percentiles(grid_only),
        "of_which_leader_gap_s": percentiles(gap_only),
        "goal_s": AGGREGATION_GOAL_S,
        "goal_met": percentiles(agg)["p95"] < AGGREGATION_GOAL_S,
        "progress_from_answer_rows_s": percentiles(progress),
        "whole_summary_from_answer_rows_s": percentiles(whole),
        "note": "aggregation = the anonymity rule over cell scores (group_grid, leader_gap, "
                "highlights); the whole summary adds scoring.cell_scores over 8M rows, "
                "progress and shared reflections",
    }


# --- 3. a real server -------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, list[str]]]:
    """Every process: its parent and the fields of its stat line after the name."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(proc.name)] = (int(fields[1]), fields)
    return found


def family(root: int) -> dict[int, list[str]]:
    """The server and every process under it (kernels run in sessions of their own, so
    only the parent links tie them to the server)."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            out[pid] = procs[pid][1]
            todo += children.get(pid, [])
    return out


def server_cpu_s(root: int) -> float:
    """CPU seconds used so far by the server and its kernels (live ones)."""
    return sum(int(f[11]) + int(f[12]) for f in family(root).values()) / CLK_TCK


def kernel_rss_mb(root: int) -> list[float]:
    """Resident memory of each kernel the server started, in MB."""
    sizes = []
    for pid in family(root):
        with contextlib.suppress(OSError):
            if not is_kernel(pid):
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sizes


def wait_warm(log: Path, root: int, pools: dict[str, int], timeout: float) -> float:
    """Wait until every pool reports full and the kernels have gone quiet; return seconds."""
    start = time.monotonic()
    deadline = start + timeout
    pattern = re.compile(r"Kernel pool of (\S+) is filled with (\d+) kernel")
    while time.monotonic() < deadline:
        filled = {Path(m.group(1)).name: int(m.group(2))
                  for m in pattern.finditer(log.read_text())}
        if all(filled.get(nb, 0) >= n for nb, n in pools.items()):
            break
        time.sleep(1)
    # The kernels run the notebooks up to the request: wait for the CPU to settle.
    before = server_cpu_s(root)
    while time.monotonic() < deadline:
        time.sleep(3)
        now = server_cpu_s(root)
        if now - before < 0.3:
            break
        before = now
    return time.monotonic() - start


class MemoryGuard:
    """Stops the server if the machine runs low on memory (the machine is shared)."""

    def __init__(self, root: int, floor_mb: int = MEMORY_FLOOR_MB) -> None:
        self.root, self.floor_mb, self.tripped, self.lowest_mb = root, floor_mb, False, 10**9
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            available = available_mb()
            self.lowest_mb = min(self.lowest_mb, available)
            if available < self.floor_mb:
                self.tripped = True
                kernels = [pid for pid in family(self.root) if pid != self.root]
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.root, signal.SIGKILL)
                kill_kernels(kernels)
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def available_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


async def browser_joins(url: str, count: int, window: float, selector: str
                        ) -> list[float | None]:
    """Open ``url`` in ``count`` browser contexts spread over ``window`` seconds; each
    one's seconds to interactive, or None when it was not interactive in time."""
    return (await mixed_joins(url, count, window, selector, "", browsers=count))[1]


async def mixed_joins(url: str, count: int, window: float, selector: str, css_class: str,
                      browsers: int) -> tuple[list[float | None], list[float | None]]:
    """``count`` people over ``window`` seconds: ``browsers`` of them (spread through the
    rush) in a real Chromium, the others as light clients that ask the server for exactly
    what a page asks (see ``_light_client``). Their times, light and in Chromium."""
    from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415
    from playwright.async_api import async_playwright  # noqa: PLC0415

    real = {round(i * count / browsers) for i in range(browsers)} if browsers else set()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium",
                                          args=CHROMIUM_FLAGS)

        async def in_chromium() -> float | None:
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            page = await context.new_page()
            start = time.perf_counter()
            try:
                await page.goto(url, timeout=JOIN_TIMEOUT_S * 1000)
                left = JOIN_TIMEOUT_S - (time.perf_counter() - start)
                await page.wait_for_selector(selector, state="visible",
                                             timeout=max(left, 1) * 1000)
            except PlaywrightError:
                return None
            return time.perf_counter() - start

        async def one(i: int) -> tuple[bool, float | None]:
            await asyncio.sleep(i * window / count)
            if i in real:
                return True, await in_chromium()
            return False, await light_join(url, css_class, JOIN_TIMEOUT_S)

        done = await asyncio.gather(*(one(i) for i in range(count)))
        await browser.close()
    return [t for r, t in done if not r], [t for r, t in done if r]


def light_round(url: str, selector: str, css_class: str, root: int, *, count: int,
                window: float, browsers: int) -> dict[str, Any]:
    cpu = server_cpu_s(root)
    start = time.perf_counter()
    light, real = asyncio.run(mixed_joins(url, count, window, selector, css_class, browsers))
    wall = time.perf_counter() - start
    time.sleep(5)  # the pool refills after the rush: part of what the rush costs
    served = join_summary(light)
    chromium = join_summary(real) if real else None
    return {"participants": count, "within_s": window, "in_chromium": len(real),
            "server_ready_s": served, "in_chromium_s": chromium,
            "goal_p95_s": JOIN_GOAL_P95_S,
            "goal_met": served["p95"] < JOIN_GOAL_P95_S
            and (chromium is None or chromium["p95"] < JOIN_GOAL_P95_S),
            "wall_s": round(wall, 1), "server_cpu_s": round(server_cpu_s(root) - cpu, 1),
            "note": "server_ready: a light client's page and widget states arrived (what "
                    "the server owes each person); in_chromium: the same join in a real "
                    "browser, end to end, on the same 2 cores as the server"}


def join_summary(times: list[float | None]) -> dict[str, Any]:
    """Percentiles where a visitor who never got a working page counts as the time-out."""
    done = [t for t in times if t is not None]
    counted = [t if t is not None else float(JOIN_TIMEOUT_S) for t in times]
    return {**percentiles(counted), "not_interactive_within_s": JOIN_TIMEOUT_S,
            "not_interactive": len(times) - len(done),
            "p50_of_those_who_got_in": percentiles(done)["p50"] if done else None}


def join_round(url: str, selector: str, root: int, *, count: int, window: float
               ) -> dict[str, Any]:
    cpu = server_cpu_s(root)
    start = time.perf_counter()
    times = asyncio.run(browser_joins(url, count, window, selector))
    wall = time.perf_counter() - start
    time.sleep(5)  # the pool refills after the rush: part of what the rush costs
    summary = join_summary(times)
    return {"participants": count, "within_s": window, "time_to_interactive_s": summary,
            "goal_p95_s": JOIN_GOAL_P95_S, "goal_met": summary["p95"] < JOIN_GOAL_P95_S,
            "wall_s": round(wall, 1),
            "server_cpu_s": round(server_cpu_s(root) - cpu, 1)}


def single_joins(url: str, selector: str, log: Path, root: int, pools: dict[str, int],
                 visits: int, warm_timeout: float) -> dict[str, Any]:
    """One visitor at a time on a warm, idle server: what a person gets when the server
    is not saturated (the browser has the machine to itself too)."""
    times: list[float | None] = []
    for _ in range(visits):
        wait_warm(log, root, pools, warm_timeout)
        times += asyncio.run(browser_joins(url, 1, 0.0, selector))
    return {"time_to_interactive_s": join_summary(times)}


def coach_in_browser(base: str, code: str, key: str, store_url: str, rounds: int
                     ) -> dict[str, Any]:
    """Time to the coach's dashboard, and from an answer saved to the projector showing it."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as p, store.open_store(store_url) as s:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(f"{base}/voila/render/coach.ipynb?w={code}&k={key}", timeout=120_000)
        page.wait_for_selector(".trace-coach-grid", timeout=120_000)
        open_s = time.perf_counter() - start
        cell_items = [st.id for st in content.cell("task", "team").statements]
        grid = page.locator(".trace-coach-grid-view")
        latency = []
        for n in range(rounds):
            page.wait_for_timeout(500)
            before = grid.inner_html()
            start = time.perf_counter()
            # One more person rates a whole cell: its count ("41 people") always moves.
            token = s.new_participant(workshop=code, role="member", consent=True)
            s.save(token, dict.fromkeys(cell_items, 1 + n % 5), rater="member")
            page.wait_for_function("([el, old]) => el.innerHTML !== old",
                                   arg=[grid.element_handle(), before], timeout=30_000)
            latency.append(time.perf_counter() - start)
        browser.close()
    return {"open_dashboard_s": round(open_s, 3),
            "answer_to_projector_s": percentiles(latency),
            "note": "includes waiting for the next refresh (every 3 s): about 1.5 s on "
                    "average by design"}





@dataclass(frozen=True)
class Scenario:
    """One server set-up for a rush of participants."""

    name: str
    pool: int
    coach_pool: int | None = None
    """coach.ipynb's own pool (Voila's kernel_pools_config); None: the same as app.ipynb."""
    fill_delay: float | None = None
    """Seconds before Voila refills a pool (voila.json says 0); None: as configured."""
    bare: bool = False
    """A one-widget notebook instead of the workbook: the floor of Voila and Chromium."""


def serve(tmp: Path, store_url: str, scenario: Scenario, port: int
          ) -> tuple[list[str], dict[str, str], Path, Path, dict[str, int]]:
    """The command, environment, folder and log of a server for ``scenario``.

    ``trace-workbook serve --pool-size N`` as a coach would run it; a per-notebook pool
    goes in through a config file (there is no flag for it), and a refill delay as a Voila
    flag on the same command ``serve`` runs (voila.json's own value would win over a file).
    """
    env = {**os.environ, "TRACE_STORE": store_url}
    log = tmp / f"voila-{scenario.name}.log"
    if scenario.bare:
        cmd, folder = bare_voila(tmp, port=port, pool=scenario.pool)
        cmd.append(f"--VoilaKernelManager.fill_delay={scenario.fill_delay or 0}")
        env["JUPYTER_PATH"] = str(voila_share())
        return cmd, env, folder, log, {"bare.ipynb": scenario.pool}
    pools = cli.pool_sizes(settings.Settings.from_env(env, pool_size=scenario.pool))
    if scenario.coach_pool is not None:
        config = tmp / f"config-{scenario.name}"
        config.mkdir(exist_ok=True)
        (config / "voila.json").write_text(json.dumps({"VoilaKernelManager": {
            "kernel_pools_config": {"default": {"pool_size": scenario.pool},
                                    "coach.ipynb": {"pool_size": scenario.coach_pool}}}}))
        env["JUPYTER_CONFIG_DIR"] = str(config)
        pools["coach.ipynb"] = scenario.coach_pool
    if scenario.fill_delay is None:
        cmd = [sys.executable, "-m", "trace_widgets.cli", "serve", "--port", str(port),
               "--pool-size", str(scenario.pool)]
        return cmd, env, ROOT, log, pools
    current = settings.Settings.from_env(env, port=port, pool_size=scenario.pool)
    cmd = [*cli.voila_command(current),
           f"--VoilaKernelManager.fill_delay={scenario.fill_delay}"]
    child = settings.child_env(current, jupyter_path=str(voila_share()))
    child.update({k: v for k, v in env.items() if k == "JUPYTER_CONFIG_DIR"})
    return cmd, child, bundled("notebooks", cli.APP_NOTEBOOK), log, pools


def run_scenario(entry: dict[str, Any], tmp: Path, store_url: str, scenario: Scenario, *,
                 room: str, coach: tuple[str, str] | None, joiners: int, window: float,
                 coach_rounds: int, visits: int, warm_timeout: float) -> None:
    """One server: warm it, time the coach (first scenario), one visitor, then the rush."""
    port = free_port()
    cmd, env, cwd, log, pools = serve(tmp, store_url, scenario, port)
    with server(cmd, env=env, cwd=cwd, port=port, log=log) as (base, root):
        guard = MemoryGuard(root)
        try:
            entry["warm_up_s"] = round(wait_warm(log, root, pools, warm_timeout), 1)
            warm = kernel_rss_mb(root)
            entry["kernels_warm"] = {"count": len(warm), "total_rss_mb": round(sum(warm))}
            if coach is not None:
                entry["coach"] = coach_in_browser(base, coach[0], coach[1], store_url,
                                                  coach_rounds)
            if scenario.bare:
                url, selector = f"{base}/", ".bare-ready"
            else:
                url = f"{base}/voila/render/app.ipynb?w={room}"
                selector = ".trace-consent-agree input"
            if scenario.fill_delay is None:
                # (With a delayed refill, a kernel these visitors take would come back
                # only after the delay: the rush would find the pool short.)
                entry["one_visitor_at_a_time"] = single_joins(url, selector, log, root,
                                                              pools, visits, warm_timeout)
            wait_warm(log, root, pools, warm_timeout)
            css_class = selector.split()[0].lstrip(".")
            for name, browsers in (("rush_light", 0), ("rush_mixed", LIGHT_RUSH_BROWSERS)):
                entry[name] = light_round(url, selector, css_class, root, count=joiners,
                                          window=window, browsers=browsers)
                wait_warm(log, root, pools, warm_timeout)
            load = os.getloadavg()[0]
            result = join_round(url, selector, root, count=joiners, window=window)
            result["load_average_before"] = round(load, 2)
            sizes = kernel_rss_mb(root)
            result["kernels_after"] = {
                "count": len(sizes), "total_rss_mb": round(sum(sizes)),
                "median_rss_mb": round(statistics.median(sizes)) if sizes else 0}
        finally:
            guard.stop()
            entry["lowest_free_memory_mb"] = guard.lowest_mb
            if guard.tripped:
                entry["aborted"] = f"free memory fell below {guard.floor_mb} MB"
        entry["rush"] = result


def bench_server(tmp: Path, *, scenarios: list[Scenario], joiners: int,
                 window: float, coach_rounds: int, visits: int, warm_timeout: float
                 ) -> dict[str, Any]:
    store_url = f"sqlite:///{tmp / 'server.sqlite3'}"
    with store.open_store(store_url) as s:
        coach_ws, key = workshop.open_workshop(s, "Bench room (demo data)", "team",
                                               ["self", "team", "organisation", "system"])
        _cli_workshop.fill_demo(s, coach_ws, participants=40, seed=2)
    out: dict[str, Any] = {}
    for scenario in scenarios:
        entry: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "pool_size": scenario.pool,
                                 "coach_pool_size": scenario.coach_pool or scenario.pool,
                                 "fill_delay_s": scenario.fill_delay or 0}
        with store.open_store(store_url) as s:
            room = workshop.open_workshop(s, f"Join {scenario.name} (demo data)", "cohort",
                                          ["team"])[0].code
        try:
            run_scenario(entry, tmp, store_url, scenario, room=room,
                         coach=(coach_ws.code, key) if scenario.name == DEFAULT else None,
                         joiners=joiners, window=window, coach_rounds=coach_rounds,
                         visits=visits, warm_timeout=warm_timeout)
        except Exception as exc:  # noqa: BLE001 - keep the other scenarios' numbers
            entry["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        out[scenario.name] = entry
        time.sleep(3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, fast smoke run")
    parser.add_argument("--no-server", action="store_true", help="skip part 3")
    parser.add_argument("--scenarios", help="comma-separated server scenarios to run "
                                            "(default: all)")
    parser.add_argument("--server-only", action="store_true",
                        help="skip parts 1 and 2; update the server scenarios run in the "
                             "existing results")
    parser.add_argument("--pool", type=int, default=None,
                        help="the big pool to try (default: as many as join, 30)")
    args = parser.parse_args()
    quick = args.quick
    joiners = 8 if quick else 30
    big = args.pool or joiners
    # The default server; one with a kernel waiting for everyone who joins (and one for the
    # coach: a pool per notebook would otherwise warm 2 x 30 kernels); the same with the
    # refill after the rush, not during it (voila.json says 0 s); and that rush on a
    # one-label notebook, for what Voila and Chromium cost by themselves.
    scenarios = [Scenario(DEFAULT, 2), Scenario(f"app_pool_{big}", big, 1),
                 Scenario(f"app_pool_{big}_refill_after_120s", big, 1, fill_delay=120),
                 Scenario(f"bare_voila_pool_{big}_refill_after_120s", big, fill_delay=120,
                          bare=True)]
    if args.scenarios:
        wanted = set(args.scenarios.split(","))
        scenarios = [sc for sc in scenarios if sc.name in wanted]
    tmp = Path(tempfile.mkdtemp(prefix="trace-bench-coach-"))
    results: dict[str, Any] = {"quick": quick}
    if args.server_only and RESULTS.exists():
        results = json.loads(RESULTS.read_text())
    else:
        results["dashboard_refresh"] = bench_refresh(tmp, 39, 8 if quick else 30)
        results["aggregation"] = bench_aggregation(10_000 if quick else 100_000,
                                                   3 if quick else 7)
    if not args.no_server:
        results.setdefault("server", {})
        results["server"] |= bench_server(tmp, scenarios=scenarios, joiners=joiners,
                                         window=10.0, coach_rounds=3 if quick else 8,
                                         visits=2 if quick else 5,
                                         warm_timeout=180 if quick else 400)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["peak_rss_mb_this_process"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.server_only:
        results["server_updated"] = now  # the rest is from the run at "when"
    else:
        results = {"when": now, "machine": {"cores": os.cpu_count(),
                                            "python": platform.python_version(),
                                            "platform": platform.platform()}, **results}
    text = json.dumps(results, indent=2) + "\n"
    print(text)
    if not quick:  # a smoke run does not replace the results
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
