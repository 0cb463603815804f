"""Shared pieces of the app benchmarks: a real Voila server, a real Chromium, percentiles."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


@contextlib.contextmanager
def server(command: list[str], *, cwd: Path, env: dict[str, str], port: int,
           log: Path) -> Iterator[tuple[str, int]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_up(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "p50": round(statistics.median(values), 4),
            "p95": round(p95, 4), "max": round(ordered[-1], 4)}


def kernel_memory_mb(server_pid: int) -> list[tuple[float, float]]:
    """(resident, proportional) memory of each kernel a server started (its children), in MB.
    Proportional memory (PSS) shares the libraries' pages among the kernels that map them."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if b"ipykernel_launcher" not in cmd or parent != server_pid:
                continue
            fields = dict(line.split(":", 1) for line in
                          (proc / "smaps_rollup").read_text().splitlines() if ":" in line)
            sizes.append((int(fields["Rss"].split()[0]) / 1024,
                          int(fields["Pss"].split()[0]) / 1024))
    return sizes


def write(name: str, results: dict[str, object]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0],
                           "platform": platform.platform()},
               "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **results}
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
