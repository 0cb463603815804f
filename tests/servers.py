"""Start a Voila or JupyterLab server on a free port and wait until it answers: one helper
for the browser tests, the benchmarks and the screenshot scripts in docs/.

No pytest here, so scripts can import it (``sys.path`` holding the repository root).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from trace_widgets._cli_notebooks import copy_notebooks

CHROMIUM = os.environ.get("TRACE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 90.0
# The folders Jupyter, IPython and the workbook keep per user: a server of its own gets its
# own, so it never reads or writes the user's (their open workbooks, their settings).
USER_FOLDERS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "JUPYTER_CONFIG_DIR",
                "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, *,
                  timeout: float = START_TIMEOUT) -> None:
    """Wait until ``url`` answers 200 (or 404: the workbook's server serves only its app),
    failing early, with the end of ``log``, if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as answered:
            if answered.code == 404:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def running(command: Sequence[str], *, up_at: str, log: Path, env: Mapping[str, str],
            cwd: Path | None = None, timeout: float = START_TIMEOUT,
            stop_timeout: float = 15) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` in a session of its own (so its kernels stop with it), output to
    ``log``; yield the process once ``up_at`` answers, stop the whole session after."""
    with log.open("wb") as out:
        process = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(up_at, process, log, timeout=timeout)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@dataclass
class VoilaServer:
    url: str
    store: str
    process: subprocess.Popen[bytes]
    log: Path

    def app(self, query: str = "") -> str:
        return f"{self.url}/voila/render/app.ipynb" + (f"?{query}" if query else "")

    def page(self, notebook: str, query: str = "") -> str:
        return f"{self.url}/voila/render/{notebook}" + (f"?{query}" if query else "")


@contextlib.contextmanager
def run_voila(tmp: Path, *, pool_size: int | None = 1, env: Mapping[str, str] | None = None,
              python: str = sys.executable, cwd: Path | None = None) -> Iterator[VoilaServer]:
    """Start ``trace-workbook serve`` on a free port with its own SQLite store,
    ``tmp/store.sqlite3`` (with ``python``, the interpreter of another environment if given;
    with ``pool_size`` None, the serve command's own default)."""
    port = free_port()
    store = f"sqlite:///{tmp / 'store.sqlite3'}"
    log = tmp / "voila.log"
    command = [python, "-m", "trace_widgets.cli", "serve", "--port", str(port)]
    if pool_size is not None:
        command += ["--pool-size", str(pool_size)]
    child_env = {**os.environ, "TRACE_STORE": store, **(env or {})}
    url = f"http://127.0.0.1:{port}"
    with running(command, up_at=url + "/", log=log, env=child_env, cwd=cwd) as process:
        yield VoilaServer(url, store, process, log)


@dataclass
class Lab:
    url: str
    store: str
    folder: Path


@contextlib.contextmanager
def run_jupyterlab(tmp: Path, *, open_workbooks: Mapping[str, str] | None = None
                   ) -> Iterator[Lab]:
    """JupyterLab on a free port, as root, with user folders of its own, its store in
    ``tmp/store.sqlite3`` and a copy of the notebooks (as ``trace-workbook notebooks`` gives
    a learner); ``open_workbooks`` (store URL to token) as 00_start would have remembered."""
    port = free_port()
    folder = tmp / "notebooks"
    copy_notebooks(folder)
    store = f"sqlite:///{tmp / 'store.sqlite3'}"
    env = {**os.environ, "TRACE_STORE": store}
    for name in USER_FOLDERS:
        path = tmp / name.lower()
        path.mkdir()
        env[name] = str(path)
    if open_workbooks:
        kept = Path(env["XDG_DATA_HOME"]) / "trace-workbook"
        kept.mkdir()
        (kept / "open-workbooks.json").write_text(json.dumps(dict(open_workbooks)))
    command = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
               f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=",
               "--ServerApp.password=", f"--ServerApp.root_dir={folder}",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    url = f"http://127.0.0.1:{port}"
    with running(command, up_at=f"{url}/api/status", log=tmp / "lab.log", env=env,
                 stop_timeout=30):
        yield Lab(url, store, folder)
