"""Shared pieces of the app benchmarks: a real Voila server, a real Chromium, percentiles."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the servers are started as the browser tests start theirs

from tests.servers import CHROMIUM_FLAGS, free_port, running  # noqa: E402

__all__ = ["BARE_NOTEBOOK", "CHROMIUM_FLAGS", "RESULTS", "ROOT", "bare_voila", "free_port",
           "percentiles", "server", "server_memory_mb", "timed", "write"]

RESULTS = ROOT / "benchmarks" / "results"
BARE_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "bare", "metadata": {},
               "outputs": [],
               "source": "import ipywidgets as w\nw.Label('ready').add_class('bare-ready')"}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}
"""A notebook with one label, served the same way: what Voila and Chromium cost alone."""


def bare_voila(tmp: Path, *, port: int, pool: int) -> tuple[list[str], Path]:
    """The command that serves :data:`BARE_NOTEBOOK` as the app is served (its template, a
    preheated pool of ``pool``), and the folder to run it in (``tmp/bare``)."""
    folder = tmp / "bare"
    folder.mkdir(exist_ok=True)
    (folder / "bare.ipynb").write_text(json.dumps(BARE_NOTEBOOK))
    return [sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--template=trace", "--preheat_kernel=True",
            f"--pool_size={pool}", "bare.ipynb"], folder


@contextlib.contextmanager
def server(command: list[str], *, cwd: Path, env: dict[str, str], port: int, log: Path,
           stop_timeout: float = 30) -> Iterator[tuple[str, int]]:
    """A server in a session of its own, up once it answers at ``/``: its address and pid."""
    url = f"http://127.0.0.1:{port}"
    with running(command, up_at=url + "/", log=log, env=env, cwd=cwd, timeout=120,
                 stop_timeout=stop_timeout) as process:
        yield url, process.pid


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    """Seconds each of ``runs`` calls of ``fn`` took."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "p50": round(statistics.median(values), 4),
            "p95": round(p95, 4), "max": round(ordered[-1], 4)}


def _processes() -> dict[int, tuple[int, str, bytes]]:
    """pid -> (parent pid, name, command line) of every process we can read."""
    found = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (proc / "stat").read_text()
                found[int(proc.name)] = (int(stat.rsplit(")", 1)[1].split()[1]),
                                         stat[stat.index("(") + 1:stat.rindex(")")],
                                         (proc / "cmdline").read_bytes().replace(b"\0", b" "))
    return found


def _memory_mb(pid: int) -> tuple[float, float]:
    """(resident, proportional) memory of one process in MB. Proportional memory (PSS)
    shares each page among the processes that map it."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if ":" in line)
    return int(fields["Rss"].split()[0]) / 1024, int(fields["Pss"].split()[0]) / 1024


def server_memory_mb(server_pid: int) -> dict[str, object]:
    """The memory of a ``trace-workbook serve`` (or bare Voila) and its kernels, in MB.

    ``kernels`` lists (resident, proportional) for each kernel. A kernel copied from the
    fork server also costs its stand-in (a small process Jupyter watches), which is added
    to it; the fork server itself, like Voila, is a fixed cost of the server, not of a
    learner.
    """
    procs = _processes()
    children = {pid: info for pid, info in procs.items() if info[0] == server_pid}
    forks = [pid for pid, (_, _, cmd) in children.items() if b"_fork_server" in cmd]
    stand_ins = [_memory_mb(pid) for pid, (_, _, cmd) in children.items()
                 if b"_kernel_launch" in cmd]
    kernels = [_memory_mb(pid) for pid, (parent, name, cmd) in procs.items()
               if (parent == server_pid and b"ipykernel_launcher" in cmd)
               or (parent in forks and name == "trace-kernel")]
    extra = (statistics.fmean(r for r, _ in stand_ins), statistics.fmean(p for _, p in stand_ins)
             ) if stand_ins else (0.0, 0.0)
    fixed = [_memory_mb(server_pid), *(_memory_mb(pid) for pid in forks)]
    return {"kernels": [(r + extra[0], p + extra[1]) for r, p in kernels],
            "fixed_pss": round(sum(p for _, p in fixed)),
            "stand_in_pss": round(extra[1], 1)}


def write(name: str, results: dict[str, object]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0],
                           "platform": platform.platform()},
               "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **results}
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
