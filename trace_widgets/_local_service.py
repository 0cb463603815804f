"""What the fork server and the chart renderer share: a helper process that ``serve`` starts
beside Voila, listening on a Unix socket in a folder private to this user, and stopping when
Voila stops."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LISTEN_WAIT_S = 10.0
WATCH_S = 0.5  # how often a service looks whether Voila is still there


def spawn(module: str, socket_name: str, env: dict[str, str], *, prefix: str
          ) -> tuple[Path, subprocess.Popen[bytes]]:
    """Start ``python -m module FOLDER`` in a new private folder, and wait until it listens
    on FOLDER/socket_name (it binds before its slow imports, so callers queue, not fail).
    The folder and the process; the service removes the folder when it stops."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    process = subprocess.Popen(  # noqa: S603 - our own module, with this interpreter
        [sys.executable, "-m", module, str(folder)], env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + LISTEN_WAIT_S
    while not (folder / socket_name).exists() and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    return folder, process


def listen(folder: Path, socket_name: str) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bound under another name and renamed once listening: whoever waits for the socket to
    # appear (spawn) must never find one that refuses connections (seen under load).
    binding = folder / f".{socket_name}.binding"
    listener.bind(str(binding))
    listener.listen(128)
    binding.rename(folder / socket_name)
    return listener


def logger(name: str, label: str) -> logging.Logger:
    """A logger that writes ``[label] message`` to stderr (Voila's log) and nowhere else."""
    log = logging.getLogger(name)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"[{label}] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


def parent_alive(parent: int) -> bool:
    """Whether the process that started this one is still there (else we were adopted)."""
    return os.getppid() == parent
