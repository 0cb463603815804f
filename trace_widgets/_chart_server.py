"""The chart renderer: one process that draws every kernel's charts to SVG.

Drawing a chart offline runs Vega in a JavaScript engine (vl-convert). In a kernel that
engine costs about 90 MB from the first chart on, more than everything else a learner's
kernel holds; ``serve`` starts this one renderer instead, and kernels send it the chart's
Vega-Lite spec over a Unix socket (set in ``TRACE_CHART_SERVER``). Where there is no
renderer (JupyterLab, or it stopped), :func:`trace_widgets.charts.to_svg` draws in the
kernel as before.

Charts are drawn one at a time (about 60 ms each); a room of 40 rating at human pace asks
for a few a second.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import _local_service

SOCKET_NAME = "charts.sock"
MAX_REQUEST = 8 << 20  # a chart's spec with its data inline is a few kilobytes
REPLY_TIMEOUT_S = 30.0  # a queue of charts ahead of ours, on a busy machine


class UnavailableError(Exception):
    """The renderer cannot be reached; draw in this process instead."""


def start(env: dict[str, str]) -> tuple[Path, subprocess.Popen[bytes]]:
    """Start the renderer for this process (Voila, once ``serve`` has become it); its
    socket's path and its process. It stops when this process ends or on SIGTERM."""
    folder, process = _local_service.spawn("trace_widgets._chart_server", SOCKET_NAME, env,
                                           prefix="trace-charts-")
    return folder / SOCKET_NAME, process


# --- in a kernel -------------------------------------------------------------------------------


class _Client:
    """One kernel's connection to the renderer, opened on first use and kept."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.path = ""
        self.conn: socket.socket | None = None
        self.reader: Any = None

    def render(self, path: str, spec: dict[str, Any], vl_version: str | None) -> str:
        request = json.dumps({"spec": spec, "vl_version": vl_version}).encode() + b"\n"
        with self.lock:
            for attempt in (1, 2):  # the renderer may have restarted since the last chart
                try:
                    reply = self._ask(path, request)
                    break
                except (OSError, ValueError) as exc:
                    self._close()
                    if attempt == 2:
                        raise UnavailableError(str(exc)) from exc
        if "svg" in reply:
            return str(reply["svg"])
        raise ValueError(f"the chart could not be drawn: {reply.get('error')}")

    def _ask(self, path: str, request: bytes) -> dict[str, Any]:
        if self.conn is None or path != self.path:
            self._close()
            self.conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.conn.settimeout(REPLY_TIMEOUT_S)
            self.conn.connect(path)
            self.path, self.reader = path, self.conn.makefile("rb")
        self.conn.sendall(request)
        line = self.reader.readline()
        if not line:
            raise ConnectionError("the renderer closed the connection")
        reply = json.loads(line)
        if not isinstance(reply, dict):
            raise ValueError("not a reply")
        return reply

    def _close(self) -> None:
        for closable in (self.reader, self.conn):
            if closable is not None:
                with contextlib.suppress(OSError):
                    closable.close()
        self.conn = self.reader = None


_client = _Client()


def render(path: str, spec: dict[str, Any], vl_version: str | None) -> str:
    """The chart ``spec`` drawn as SVG by the renderer listening at ``path``.

    Raises
    ------
    UnavailableError
        When the renderer cannot be reached (twice).
    ValueError
        When the renderer could not draw this spec.
    """
    return _client.render(path, spec, vl_version)


# --- the renderer ------------------------------------------------------------------------------


def draw(line: bytes) -> bytes:
    """One request line to one reply line: the SVG, or what went wrong."""
    import vl_convert as vlc  # noqa: PLC0415 - only the renderer loads the JavaScript engine

    try:
        request = json.loads(line)
        # No URL is allowed: a chart's data is inline, and rendering never touches a network.
        svg = vlc.vegalite_to_svg(request["spec"], vl_version=request.get("vl_version"),
                                  allowed_base_urls=[])
        reply: dict[str, str] = {"svg": svg}
    except Exception as exc:  # noqa: BLE001 - the kernel shows its own plain message
        reply = {"error": f"{type(exc).__name__}: {exc}"[:1000]}
    return json.dumps(reply).encode() + b"\n"


class Renderer:
    def __init__(self, listener: socket.socket, parent: int) -> None:
        self.listener = listener
        self.parent = parent
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ)
        self.pending: dict[socket.socket, bytes] = {}
        self.stopping = False

    def serve(self) -> None:
        while not self.stopping and _local_service.parent_alive(self.parent):
            for key, _ in self.selector.select(_local_service.WATCH_S):
                if key.fileobj is self.listener:
                    conn, _ = self.listener.accept()
                    self.pending[conn] = b""
                    self.selector.register(conn, selectors.EVENT_READ)
                else:
                    self.read(key.fileobj)  # type: ignore[arg-type]

    def read(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(1 << 16)
        except OSError:
            data = b""
        buffer = self.pending.get(conn, b"") + data
        if not data or len(buffer) > MAX_REQUEST:
            self.drop(conn)
            return
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                conn.sendall(draw(line))
            except OSError:
                self.drop(conn)
                return
        self.pending[conn] = buffer

    def drop(self, conn: socket.socket) -> None:
        self.selector.unregister(conn)
        self.pending.pop(conn, None)
        conn.close()


def main(argv: Sequence[str]) -> int:
    """``python -m trace_widgets._chart_server FOLDER``: draw charts for the kernels that
    connect to FOLDER/charts.sock until the process that started this one (Voila) ends."""
    log = _local_service.logger("trace_widgets.chart_server", "TRACE charts")
    folder = Path(argv[0])
    told: list[Renderer | None] = [None]
    asked_to_stop: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        asked_to_stop.append(signum)
        if told[0] is not None:
            told[0].stopping = True

    # Before the socket exists: whoever sees it may stop this process at once, and a stop
    # must still remove the socket (the default action would kill it with the socket left).
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    listener = _local_service.listen(folder, SOCKET_NAME)
    renderer = told[0] = Renderer(listener, os.getppid())
    renderer.stopping = bool(asked_to_stop)
    # Start the JavaScript engine now, so the first learner's chart does not wait for it.
    warm = draw(json.dumps({"spec": {"mark": "point", "data": {"values": []}}}).encode())
    log.info("ready" if b'"svg"' in warm else f"not ready: {warm[:300]!r}")
    try:
        renderer.serve()
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            (folder / SOCKET_NAME).unlink()
            folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
