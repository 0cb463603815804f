"""Static files go out compressed and, when their address names a version, cached for a year."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import brotli
import tornado.web
from tornado.testing import AsyncHTTPTestCase

from trace_widgets import _static

SCRIPT = b"function hello() { return 'hello, room'; }\n" * 400


class CompressedStaticTest(AsyncHTTPTestCase):
    def get_app(self) -> tornado.web.Application:
        self.folder = Path(tempfile.mkdtemp(prefix="trace-static-"))
        (self.folder / "7155.voila.js").write_bytes(SCRIPT)
        (self.folder / "84.09c61a35dce1705f.js").write_bytes(SCRIPT)
        (self.folder / "tiny.js").write_bytes(b"1;")
        (self.folder / "logo.png").write_bytes(b"\x89PNG" + bytes(4000))
        handler = _static.compressed_handler(tornado.web.StaticFileHandler)
        return tornado.web.Application([(r"/static/(.*)", handler, {"path": str(self.folder)})])

    def fetch_with(self, path: str, accept: str, **headers: str) -> object:
        return self.fetch(path, headers={"Accept-Encoding": accept, **headers},
                          decompress_response=False)

    def test_brotli_when_the_browser_takes_it_else_gzip_else_plain(self) -> None:
        br = self.fetch_with("/static/7155.voila.js", "gzip, deflate, br, zstd")
        assert br.headers["Content-Encoding"] == "br"
        assert brotli.decompress(br.body) == SCRIPT
        assert len(br.body) < len(SCRIPT) / 10
        assert br.headers["Vary"] == "Accept-Encoding"
        gz = self.fetch_with("/static/7155.voila.js", "gzip")
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.body) == SCRIPT
        plain = self.fetch_with("/static/7155.voila.js", "identity")
        assert "Content-Encoding" not in plain.headers
        assert plain.body == SCRIPT

    def test_small_or_already_compressed_files_go_as_they_are(self) -> None:
        for name in ("tiny.js", "logo.png"):
            response = self.fetch_with(f"/static/{name}", "br, gzip")
            assert "Content-Encoding" not in response.headers, name
            assert response.body == (self.folder / name).read_bytes()

    def test_a_range_request_gets_the_file_itself(self) -> None:
        response = self.fetch_with("/static/7155.voila.js", "br", Range="bytes=0-9")
        assert response.code == 206
        assert response.body == SCRIPT[:10]

    def test_versioned_names_are_cached_for_a_year_others_for_an_hour(self) -> None:
        hashed = self.fetch_with("/static/84.09c61a35dce1705f.js", "br")
        assert hashed.headers["Cache-Control"] == _static.CACHE_VERSIONED
        query = self.fetch_with("/static/7155.voila.js?v=abc123", "br")
        assert query.headers["Cache-Control"] == _static.CACHE_VERSIONED
        chunk = self.fetch_with("/static/7155.voila.js", "br")
        assert chunk.headers["Cache-Control"] == _static.CACHE_UNVERSIONED

    def test_a_revisit_is_a_304_for_the_same_encoding(self) -> None:
        first = self.fetch_with("/static/7155.voila.js", "br")
        again = self.fetch_with("/static/7155.voila.js", "br",
                                **{"If-None-Match": first.headers["Etag"]})
        assert again.code == 304
        other = self.fetch_with("/static/7155.voila.js", "gzip",
                                **{"If-None-Match": first.headers["Etag"]})
        assert other.code == 200  # another encoding is another representation
