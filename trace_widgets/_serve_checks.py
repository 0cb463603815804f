"""What ``serve`` checks and makes before it becomes Voila: a free port, private folders."""

from __future__ import annotations

import errno
import socket
import tempfile
from pathlib import Path


def port_taken(host: str, port: int) -> str:
    """Why the server could not listen on ``host:port`` (in words from content), or ""."""
    from . import content  # noqa: PLC0415 - wording only when something is wrong

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return content.get().text("serve.bad_host", host=host)
    for family, kind, proto, _name, address in infos:
        with socket.socket(family, kind, proto) as probe:
            # As Tornado binds: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                key = "serve.port_taken" if exc.errno == errno.EADDRINUSE else "serve.port_denied"
                return content.get().text(key, host=host, port=port)
    return ""


def private_folder(prefix: str) -> Path:
    """A new folder only this user can open (``mkdtemp`` makes it 0700)."""
    return Path(tempfile.mkdtemp(prefix=prefix))
