"""How heavy the app's first page is on a room's Wi-Fi: Lighthouse and bytes on the wire.

In one run, beside a bare one-label Voila page served the same way:
- Lighthouse 12 (desktop preset, this machine's Chromium) on both first pages: performance
  score (goal: the app's at least the bare page's minus 0.05), largest contentful paint;
- bytes transferred on a first visit (empty cache; goal at most 1.5 MB) and on a return
  visit (same browser cache; goal at most 150 KB), counted by Chromium itself (every HTTP
  response's encoded length; the widgets' websocket messages are not HTTP and not counted).

Lighthouse is installed on first use into benchmarks/.lighthouse (``npm install
lighthouse@12.2.3``; Node 20 is enough).

Run: .venv/bin/python benchmarks/bench_lighthouse.py   (writes results/lighthouse.json)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import CHROMIUM_FLAGS, ROOT, bare_voila, free_port, server, write
from playwright.sync_api import Browser, sync_playwright

LIGHTHOUSE_VERSION = "12.2.3"
HERE = ROOT / "benchmarks" / ".lighthouse"
CHROMIUM = "/usr/bin/chromium"
RUNS = int(os.environ.get("BENCH_ROUNDS", "3"))
APP_READY = ".trace-consent-agree"
BARE_READY = ".bare-ready"
FIRST_VISIT_LIMIT = 1_500_000
RETURN_VISIT_LIMIT = 150_000


def lighthouse_cli() -> Path:
    cli = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists():
        HERE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], cwd=HERE, check=True)
    return cli


def lighthouse(cli: Path, url: str, out: Path) -> dict[str, float]:
    """One Lighthouse run (desktop preset, cold cache) on ``url``."""
    flags = " ".join(f for f in CHROMIUM_FLAGS if f != "--headless") + " --headless=new"
    subprocess.run(
        ["node", str(cli), url, "--preset=desktop", "--only-categories=performance",
         "--output=json", f"--output-path={out}", "--quiet", f"--chrome-flags={flags}",
         "--max-wait-for-load=60000"],
        check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "performance": report["categories"]["performance"]["score"],
        "lcp_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
        "fcp_s": round(audits["first-contentful-paint"]["numericValue"] / 1000, 2),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "bytes": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(audits["network-requests"]["details"]["items"]),
    }


def visits(browser: Browser, url: str, ready: str) -> dict[str, int]:
    """Bytes and requests of a first visit, then of a return visit in the same cache."""
    context = browser.new_context()  # no request routing: routing would turn the cache off
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen = {"bytes": 0, "requests": 0}

    def finished(event: dict[str, object]) -> None:
        seen["bytes"] += int(event.get("encodedDataLength", 0))  # type: ignore[call-overload]
        seen["requests"] += 1

    cdp.on("Network.loadingFinished", finished)
    result = {}
    for visit in ("first", "return"):
        seen.update(bytes=0, requests=0)
        page.goto(url)
        page.wait_for_selector(ready, timeout=120_000)
        page.wait_for_load_state("networkidle")
        result[f"{visit}_visit_bytes"] = seen["bytes"]
        result[f"{visit}_visit_requests"] = seen["requests"]
        time.sleep(3)  # the next warm kernel is ready (the pool refills after 2 s)
    context.close()
    return result


def main() -> None:
    cli = lighthouse_cli()
    tmp = Path(tempfile.mkdtemp(prefix="trace-bench-lh-"))
    env = {**os.environ, "TRACE_STORE": f"sqlite:///{tmp / 'store.sqlite3'}",
           "JUPYTER_PATH": str(ROOT / "trace_widgets" / "share")}
    app_port, bare_port = free_port(), free_port()
    app_cmd = [sys.executable, "-m", "trace_widgets.cli", "serve", "--port", str(app_port),
               "--pool-size", "2"]
    bare_cmd, bare_dir = bare_voila(tmp, port=bare_port, pool=2)
    results: dict[str, object] = {"lighthouse": LIGHTHOUSE_VERSION, "runs": RUNS}
    with server(app_cmd, cwd=ROOT, env=env, port=app_port, log=tmp / "app.log") as (app, _), \
            server(bare_cmd, cwd=bare_dir, env=env, port=bare_port,
                   log=tmp / "bare.log") as (bare, _):
        time.sleep(15)  # both pools warm
        pages = {"app": (f"{app}/voila/render/app.ipynb", APP_READY),
                 "bare_voila": (f"{bare}/", BARE_READY)}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
        for i in range(RUNS):
            for name, (url, _) in pages.items():
                runs[name].append(lighthouse(cli, url, tmp / f"{name}-{i}.json"))
                time.sleep(4)  # the pool refills
        for name, found in runs.items():
            ordered = sorted(found, key=lambda r: r["performance"])
            results[name] = {"median": ordered[len(ordered) // 2], "runs": found}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for name, (url, ready) in pages.items():
                results[name]["chromium"] = visits(browser, url, ready)  # type: ignore[index]
            browser.close()
    app_median = results["app"]["median"]  # type: ignore[index]
    bare_median = results["bare_voila"]["median"]  # type: ignore[index]
    app_visits = results["app"]["chromium"]  # type: ignore[index]
    results["goals"] = {
        "performance_at_least_bare_minus_0.05":
            app_median["performance"] >= bare_median["performance"] - 0.05,
        "first_visit_at_most_1.5_MB": app_visits["first_visit_bytes"] <= FIRST_VISIT_LIMIT,
        "return_visit_at_most_150_KB": app_visits["return_visit_bytes"] <= RETURN_VISIT_LIMIT,
    }
    write("lighthouse", results)


if __name__ == "__main__":
    main()
