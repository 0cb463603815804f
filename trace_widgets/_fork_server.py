"""The fork server: one warm Python process that every learner's kernel is copied from.

A kernel started the usual way imports IPython, pandas, Altair and the workbook again (about
2-3 CPU seconds and 250 MB each). This process imports them once; each kernel is then a
``fork`` of it, which takes milliseconds, and shares every page it does not change with the
server and with the other kernels (measured in ``benchmarks/bench_journey.py``).

``trace-workbook serve`` starts it before Voila and writes a kernel spec whose command is
:mod:`trace_widgets._kernel_launch`, the stand-in that asks this server for a kernel. The
server stops, killing any kernels left, when Voila stops.

A fork copies only the thread that calls it, so nothing here may start a thread before
forking: the maths libraries are kept to one thread, and the server refuses to fork (the
stand-ins then start ordinary kernels) if a thread has appeared.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from . import _local_service

log = logging.getLogger("trace_widgets.fork_server")

# Set before numpy is imported: OpenBLAS and friends start their threads at import.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
KERNEL_NAME = b"trace-kernel"  # what `ps -o comm` and `top` show for a forked kernel
HANDSHAKE_S = 5.0
MAX_REQUEST = 1 << 20
SOCKET_NAME = "kernels.sock"
KERNEL_SPEC = "python3"  # the notebooks' kernel: ours comes first on JUPYTER_PATH, so it wins


def preload() -> None:
    """Import what every kernel of the app and the coach page needs, and load the content."""
    import ipykernel.ipkernel  # noqa: PLC0415
    import ipykernel.kernelapp  # noqa: F401, PLC0415
    import voila.utils  # noqa: F401, PLC0415

    import trace_widgets.chart_draw  # noqa: PLC0415
    import trace_widgets.chart_view  # noqa: PLC0415
    import trace_widgets.charts  # noqa: PLC0415
    import trace_widgets.coach  # noqa: PLC0415
    import trace_widgets.journey  # noqa: PLC0415
    from trace_widgets import content  # noqa: PLC0415

    content.get()
    # Build (never draw: the JavaScript engine starts threads) one chart, so every kernel
    # starts with Altair's first-chart work done.
    trace_widgets.charts.to_spec(trace_widgets.chart_view.first_chart())
    # The profiles' frames, drawn by the shared renderer: every kernel redraws its first
    # rating's profile without waiting for one.
    trace_widgets.chart_draw.prepare_profiles()
    # Objects that exist now are never collected; freezing them keeps the collector from
    # writing to (and so copying) the pages they share with every kernel.
    gc.collect()
    gc.freeze()


def threads() -> int:
    return sum(1 for _ in Path("/proc/self/task").iterdir())


def _name_process(name: bytes) -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes  # noqa: PLC0415

        ctypes.CDLL(None).prctl(15, name, 0, 0, 0)  # PR_SET_NAME


def become_kernel(request: dict[str, object], fds: Sequence[int]) -> int:
    """In the forked child: take the stand-in's stdio, folder and environment, and run
    ipykernel as ``python -m ipykernel_launcher`` would; the exit code."""
    os.setsid()  # its own process group, as Jupyter gives a kernel it starts itself
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    sys.path[0] = str(Path.cwd())  # what `python -m ipykernel_launcher` would have put first
    env = request["env"]
    if isinstance(env, dict):
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in env.items()})
    argv = request["argv"] if isinstance(request["argv"], list) else []
    # The parent to watch is this server: ipykernel read JPY_PARENT_PID when it was imported.
    sys.argv = ["ipykernel_launcher", *map(str, argv),
                f"--IPKernelApp.parent_handle={os.getppid()}"]
    _name_process(KERNEL_NAME)
    import ipywidgets  # noqa: PLC0415
    from ipykernel import kernelapp  # noqa: PLC0415

    from trace_widgets import settings  # noqa: PLC0415

    settings.forget()

    try:
        app = kernelapp.IPKernelApp.instance()
        app.initialize()
        # ipywidgets registers its comm targets when it is imported into a kernel; this copy
        # imported it before there was one. Without the control target, a page asks for
        # each widget's state one by one (half a second more for the start step).
        ipywidgets.load_ipython_extension(app.shell)
        app.start()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def _receive(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    """A stand-in's request (one JSON line) and the three stdio descriptors sent with it."""
    conn.settimeout(HANDSHAKE_S)
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    while not data.endswith(b"\n") and len(data) < MAX_REQUEST:
        more = conn.recv(1 << 16)
        if not more:
            break
        data += more
    conn.settimeout(None)
    request = json.loads(data)
    if len(fds) != 3 or not isinstance(request, dict):
        for fd in fds:
            os.close(fd)
        raise ValueError("not a kernel request")
    return request, list(fds)


class ForkServer:
    """Accepts stand-ins on a Unix socket, forks a kernel for each and tells each stand-in
    its kernel's pid and, later, its exit code."""

    def __init__(self, listener: socket.socket, parent: int) -> None:
        self.listener = listener
        self.parent = parent
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ)
        # A kernel's end wakes the loop at once, so its stand-in (and Jupyter) hear of it.
        self.wake, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)
        self.selector.register(self.wake, selectors.EVENT_READ)
        self.kernels: dict[int, socket.socket] = {}  # pid -> its stand-in's connection
        self.stopping = False

    def serve(self) -> None:
        signal.set_wakeup_fd(self._wake_w.fileno())
        signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
        while not self.stopping and _local_service.parent_alive(self.parent):
            for key, _ in self.selector.select(_local_service.WATCH_S):
                if key.fileobj is self.listener:
                    self.accept()
                elif key.fileobj is self.wake:
                    self.wake.recv(4096)
                else:
                    self.stand_in_gone(key.fileobj)  # type: ignore[arg-type]
            self.reap()
        self.stop_kernels()

    def close_in_kernel(self, conn: socket.socket) -> None:
        """In a new kernel: let go of everything that belongs to the server."""
        signal.set_wakeup_fd(-1)
        self.selector.close()
        for sock in (self.listener, self.wake, self._wake_w, conn, *self.kernels.values()):
            sock.close()

    def accept(self) -> None:
        conn, _ = self.listener.accept()
        try:
            request, fds = _receive(conn)
        except (OSError, ValueError):
            conn.close()
            return
        if threads() != 1:
            log.error("a thread has started here, so kernels start the usual way")
            for fd in fds:
                os.close(fd)
            conn.close()  # the stand-in starts an ordinary kernel
            return
        pid = os.fork()
        if pid == 0:  # the kernel
            code = 1
            try:
                self.close_in_kernel(conn)
                code = become_kernel(request, fds)
            except BaseException:  # noqa: BLE001 - a kernel must never run the server's loop
                traceback.print_exc()
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        self.kernels[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ)
        self._tell(conn, {"pid": pid})

    def stand_in_gone(self, conn: socket.socket) -> None:
        """A stand-in closed its end (Jupyter killed it): kill its kernel too."""
        pid = next((p for p, c in self.kernels.items() if c is conn), None)
        self.selector.unregister(conn)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def reap(self) -> None:
        while self.kernels:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.kernels.pop(pid, None)
            if conn is not None:
                self._tell(conn, {"exit": os.waitstatus_to_exitcode(status)})
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(conn)
                conn.close()

    def stop_kernels(self) -> None:
        for pid in list(self.kernels):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.kernels):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self.kernels.pop(pid).close()

    @staticmethod
    def _tell(conn: socket.socket, message: dict[str, int]) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(message).encode() + b"\n")


def start(env: dict[str, str]) -> tuple[Path, subprocess.Popen[bytes]]:
    """Start a fork server for this process (Voila, once ``serve`` has become it), and write
    the kernel spec that sends kernels to it; the folder to put first on JUPYTER_PATH, and
    the server's process.

    The folder is private to this user; the server removes it when it stops, which it does
    when this process ends or on SIGTERM.
    """
    folder, server = _local_service.spawn("trace_widgets._fork_server", SOCKET_NAME,
                                          {**env, **ONE_THREAD}, prefix="trace-kernels-")
    spec = folder / "kernels" / KERNEL_SPEC
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "trace_widgets._kernel_launch", str(folder / SOCKET_NAME),
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": False},
    }), encoding="utf-8")
    return folder, server


def main(argv: Sequence[str]) -> int:
    """``python -m trace_widgets._fork_server FOLDER``: serve on FOLDER/kernels.sock until
    the process that started this one (Voila) ends."""
    _local_service.logger(log.name, "TRACE fork server")
    folder = Path(argv[0])
    parent = os.getppid()
    listener = _local_service.listen(folder, SOCKET_NAME)  # before importing: kernels queue
    server = ForkServer(listener, parent)

    def stop(_signum: int, _frame: object) -> None:
        server.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        preload()
    except Exception:  # without a warm copy, kernels start the usual way
        log.exception("could not prepare; kernels will start the usual way")
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
        return 1
    log.info("ready: kernels are copies of process %d", os.getpid())
    server.serve()
    listener.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
