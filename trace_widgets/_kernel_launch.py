"""Start one kernel for Voila: ask the fork server for a copy of its warm process, or else
start an ordinary one.

Jupyter runs this (from the kernel spec ``serve`` writes) as
``python -m trace_widgets._kernel_launch SOCKET -f CONNECTION_FILE``. It stays alive as the
kernel's stand-in, because Jupyter watches, signals and kills the process it started:
interrupts and stops are passed on to the kernel, it exits with the kernel's exit code, and
if it is killed the fork server kills the kernel (it sees the connection close).

Only the standard library is imported here, so the stand-in costs a few megabytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)
CONNECT_TIMEOUT_S = 60.0  # the fork server may still be importing when the first kernel asks


def ordinary_kernel(kernel_args: Sequence[str]) -> None:
    """Replace this process with a kernel started the usual way."""
    command = [sys.executable, "-m", "ipykernel_launcher", *kernel_args]
    os.execv(command[0], command)  # noqa: S606 - same interpreter, Jupyter's own arguments


def ask_for_kernel(path: str, kernel_args: Sequence[str]
                   ) -> tuple[socket.socket, BinaryIO, int] | None:
    """The connection to the fork server (and a reader on it) and the new kernel's pid, or
    None when the server cannot give one (it is not running, or it stopped before answering).
    """
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(CONNECT_TIMEOUT_S)
    try:
        conn.connect(path)
        request = {"argv": list(kernel_args), "cwd": str(Path.cwd()), "env": dict(os.environ)}
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        reader = conn.makefile("rb")
        pid = int(json.loads(reader.readline())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        conn.close()
        return None
    conn.settimeout(None)
    return conn, reader, pid


def stand_in(conn: socket.socket, reader: BinaryIO, pid: int) -> int:
    """Pass signals on to kernel ``pid`` until the server says it ended; its exit code."""
    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    try:
        return int(json.loads(reader.readline())["exit"])
    except (OSError, ValueError, KeyError, TypeError):
        # The fork server went away: do not leave its kernel running without us.
        forward(signal.SIGKILL, None)
        return 1


def main(argv: Sequence[str]) -> int:
    if not argv:
        print("usage: python -m trace_widgets._kernel_launch SOCKET -f CONNECTION_FILE",  # noqa: T201
              file=sys.stderr)
        return 2
    path, kernel_args = argv[0], argv[1:]
    asked = ask_for_kernel(path, kernel_args)
    if asked is None:
        ordinary_kernel(kernel_args)
        return 1  # pragma: no cover - execv does not return
    code = stand_in(*asked)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
