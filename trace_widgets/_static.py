"""Static files light on a room's Wi-Fi: compressed once (brotli, or gzip for a browser
without it) and kept in memory, and cached by the browser for a year when their name or
address carries a version.

Measured with Lighthouse on the app's first page before this: 5,363 KB in 99 requests, none
compressed. A file's compressed forms are made in a background thread as the server starts
(brotli's best setting takes about a second per megabyte), so no visitor waits for them; a
file asked for before its turn is compressed quickly at once and better later.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import brotli
import tornado.web

log = logging.getLogger(__name__)

COMPRESSIBLE = (".js", ".mjs", ".css", ".json", ".svg", ".html", ".map", ".txt", ".ttf",
                ".otf", ".eot", ".woff")
MIN_SIZE = 1024  # below this the headers cost more than compression saves
BEST = {"br": 11, "gzip": 9}
QUICK = {"br": 4, "gzip": 6}
CACHE_VERSIONED = "public, max-age=31536000, immutable"
"""For a file whose name or address names its version: a new version has a new address."""
CACHE_UNVERSIONED = "public, max-age=3600"
"""For Voila's own script chunks (``7155.voila.js``): named by the Voila release, not by
their content, so an hour, after which the browser asks again (and gets a 304)."""
_HASHED = re.compile(r"[.-][0-9a-f]{8,}\.[a-z0-9]+$")
"""A content hash in the file name (``84.09c61a35dce1705f.js``, ``remoteEntry.698dcaf7.js``)."""


def _compress(data: bytes, encoding: str, level: int) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(data, quality=level))
    return gzip.compress(data, compresslevel=level, mtime=0)


class Compressed:
    """Compressed forms of files, by (path, modification time, size, encoding)."""

    def __init__(self) -> None:
        self._forms: dict[tuple[str, int, int, str], tuple[bytes, bool]] = {}
        self._lock = threading.Lock()
        self._better = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trace-compress")

    @staticmethod
    def _key(path: str, encoding: str) -> tuple[str, int, int, str] | None:
        try:
            stat = Path(path).stat()
        except OSError:
            return None
        if stat.st_size < MIN_SIZE or not path.endswith(COMPRESSIBLE):
            return None
        return path, stat.st_mtime_ns, stat.st_size, encoding

    def get(self, path: str, encoding: str) -> bytes | None:
        """The file compressed with ``encoding``, or None when it is not worth it."""
        key = self._key(path, encoding)
        if key is None:
            return None
        with self._lock:
            found = self._forms.get(key)
        if found is not None:
            return found[0]
        data = Path(path).read_bytes()
        quick = _compress(data, encoding, QUICK[encoding])
        with self._lock:
            self._forms.setdefault(key, (quick, False))
        self._better.submit(self._best, key)
        return quick

    def _best(self, key: tuple[str, int, int, str]) -> None:
        with self._lock:
            found = self._forms.get(key)
        if found is not None and found[1]:
            return
        try:
            data = Path(key[0]).read_bytes()
        except OSError:
            return
        best = _compress(data, key[3], BEST[key[3]])
        with self._lock:
            self._forms[key] = (best, True)

    def warm(self, folders: Iterable[str]) -> None:
        """Make the best forms of every compressible file under ``folders``, in the
        background, brotli first (what browsers ask for)."""
        def run() -> None:
            for folder in folders:
                for root, _, files in os.walk(folder):
                    for name in files:
                        for encoding in ("br", "gzip"):
                            key = self._key(str(Path(root) / name), encoding)
                            if key is not None:
                                self._best(key)
            log.info("TRACE: static files compressed")

        threading.Thread(target=run, name="trace-compress-warm", daemon=True).start()


FORMS = Compressed()


def chosen_encoding(accept: str) -> str | None:
    """The encoding to send for an ``Accept-Encoding`` header: brotli, else gzip, else none.

    Examples
    --------
    >>> chosen_encoding("gzip, deflate, br, zstd"), chosen_encoding("gzip"), chosen_encoding("")
    ('br', 'gzip', None)
    >>> chosen_encoding("br;q=0, gzip")
    'gzip'
    """
    offered: dict[str, float] = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        offered[name.strip()] = q
    for encoding in ("br", "gzip"):
        if offered.get(encoding, 0) > 0:
            return encoding
    return None


def versioned(path: str, arguments: dict[str, Any]) -> bool:
    """Whether this address names one version of the file for good: a ``?v=`` argument or a
    content hash in its name."""
    return "v" in arguments or bool(_HASHED.search(path))


def compressed_handler(base: type[tornado.web.StaticFileHandler]
                       ) -> type[tornado.web.StaticFileHandler]:
    """``base`` (one of Voila's static file handlers) sending compressed files and long
    cache headers."""

    class CompressedStatic(base):  # type: ignore[valid-type, misc]
        _encoding: str | None = None
        _blob: bytes | None = None

        def set_headers(self) -> None:
            self._blob = None
            if "Range" not in self.request.headers:
                encoding = chosen_encoding(self.request.headers.get("Accept-Encoding", ""))
                if encoding is not None:
                    self._blob = FORMS.get(str(self.absolute_path), encoding)
                    self._encoding = encoding if self._blob is not None else None
            super().set_headers()
            self.set_header("Vary", "Accept-Encoding")
            self.set_header("Cache-Control", CACHE_VERSIONED
                            if versioned(self.request.path, self.request.arguments)
                            else CACHE_UNVERSIONED)
            if self._blob is not None:
                self.set_header("Content-Encoding", self._encoding)
                blob = self._blob
                # Only this response reads the compressed form; the class's own readers
                # (versions, etags) keep reading the file.
                self.get_content = (
                    lambda _path, start=None, end=None: [blob[start:end]])

        def compute_etag(self) -> str | None:
            tag = super().compute_etag()
            if tag and self._blob is not None:
                return f'{tag[:-1]}-{self._encoding}"'
            return tag

        def get_content_size(self) -> int:
            return len(self._blob) if self._blob is not None else int(super().get_content_size())

    CompressedStatic.__name__ = f"Compressed{base.__name__}"
    return CompressedStatic
