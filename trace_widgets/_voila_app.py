"""The workbook's Voila server: Voila itself, serving only the app's pages, with security
headers on every response, a cap on live kernels and no silent move to another port.

``trace-workbook serve`` runs ``python -m trace_widgets._voila_app`` with Voila's own command
line. Everything here changes what Voila's Tornado application routes and sends; the pages
and kernels are Voila's.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import tornado.web
from tornado import httputil
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from . import _admission, _first_paint, _static, _throttle

CLIENT_HEADER = "X-Trace-Client"
"""The header the server writes (over anything a browser sent) with the visitor's address;
Voila hands it to the page's kernel as ``HTTP_X_TRACE_CLIENT`` (see ``voila.json``)."""

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    # Voila's templates put the page's settings and its start-up code in inline scripts,
    # and anywidget imports each widget's module from a blob: made in the page. No other
    # origin, no eval.
    "script-src 'self' 'unsafe-inline' blob:",
    # ipywidgets and Lumino set inline styles on nearly every element.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    # 'self' covers the kernel's websocket on the same host and port.
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": ", ".join(f"{feature}=()" for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb")),
    "Cross-Origin-Resource-Policy": "same-origin",
    # No Cross-Origin-Opener-Policy: Chromium ignores it, with a console error, over plain
    # HTTP to an address other than localhost (a workshop room's usual set-up); links out
    # carry rel="noopener noreferrer" instead.
}


class SecurityHeaders(tornado.web.OutputTransform):
    """Sets the security headers on every response the application sends: pages, static
    files, API answers, errors and the websocket upgrades."""

    def transform_first_chunk(self, status_code: int, headers: httputil.HTTPHeaders,
                              chunk: bytes, finishing: bool) -> tuple[int, httputil.HTTPHeaders,
                                                                      bytes]:
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        headers.pop("Server", None)  # which server and version is nobody's business
        return status_code, headers, chunk


def served_notebooks(folder: Path) -> frozenset[str]:
    """The notebooks the app serves: the journey, its steps and the coach's page."""
    from .cli import APP_NOTEBOOK, COACH_NOTEBOOK  # noqa: PLC0415 - cli imports this module

    steps = {p.name for p in folder.glob("[0-9][0-9]_*.ipynb")}
    return frozenset({APP_NOTEBOOK, COACH_NOTEBOOK, *steps})


PLAIN_STYLE = ("body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;"
               "max-width:40rem;margin:2rem auto;padding:0 1rem}")


def plain_page(title_id: str, body_id: str) -> str:
    """A page with one heading and one paragraph (wording from content), nothing else."""
    from . import content  # noqa: PLC0415 - only when a page is wanted

    c = content.get()
    lang = escape(c.text("serve.page.lang"))
    title, body = escape(c.text(title_id)), escape(c.text(body_id))
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{PLAIN_STYLE}</style></head>"
            f"<body><main><h1>{title}</h1><p>{body}</p>"
            "</main></body></html>\n")


class PlainPages:
    """The two pages the server writes itself: not found, and full."""

    @staticmethod
    def send(handler: tornado.web.RequestHandler, status: int, title_id: str, body_id: str,
             **headers: str) -> None:
        handler.clear()
        handler.set_status(status)
        handler.set_header("Content-Type", "text/html; charset=utf-8")
        handler.set_header("Cache-Control", "no-store")
        for name, value in headers.items():
            handler.set_header(name.replace("_", "-"), value)
        handler.finish(plain_page(title_id, body_id))


class NotFound(tornado.web.RequestHandler):
    """Every address the app does not serve: a plain 404, whatever the method."""

    def prepare(self) -> None:
        PlainPages.send(self, 404, "serve.not_found.title", "serve.not_found.body")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        PlainPages.send(self, status_code, "serve.not_found.title", "serve.not_found.body")


class AppPage(TornadoVoilaHandler):
    """Voila's page handler for the app's notebooks only, within the kernel cap."""

    served: frozenset[str] = frozenset()
    admission: _admission.Admission

    async def get(self, path: str | None = None) -> None:
        if path not in self.served:
            PlainPages.send(self, 404, "serve.not_found.title", "serve.not_found.body")
            return
        ticket = self.admission.admit()
        if ticket is None:
            if self.admission.should_warn():
                self.log.warning("TRACE: kernel cap reached (%d live, TRACE_MAX_KERNELS): "
                                 "visitors are asked to try again in a minute",
                                 self.admission.live())
            PlainPages.send(self, 503, "serve.full.title", "serve.full.body",
                            Retry_After=str(_admission.RETRY_AFTER_S))
            return
        # The page is always the workbook's template and theme (a visit asking for another
        # would also skip the warm kernels).
        for name in ("template", "theme"):
            self.request.arguments.pop(name, None)
            self.request.query_arguments.pop(name, None)
        # The page shuts its kernel down when the tab closes (a beacon to /voila/api/shutdown)
        # with the _xsrf cookie, which Voila's page never sets: without it every closed tab
        # left its kernel running until culled. Reading the token sets the cookie.
        _ = self.xsrf_token
        # What the page's kernel may know of its visitor: the address the connection came
        # from, never a header the browser chose.
        self.request.headers[CLIENT_HEADER] = self.request.remote_ip or ""
        with self.admission.holding(ticket):
            await super().get(path)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 404:
            PlainPages.send(self, 404, "serve.not_found.title", "serve.not_found.body")
        else:
            super().write_error(status_code, **kwargs)


class KernelQuery(RequestInfoSocketHandler):
    """Voila's channel that hands a warm kernel its visitor's request: only kernels (on
    this machine) may ask, since the request holds the visitor's resume code."""

    def prepare(self) -> Any:
        # A kernel connects to the address the server listens on (VOILA_APP_IP).
        server = getattr(self.settings.get("voila"), "ip", "")
        if self.request.remote_ip not in ("127.0.0.1", "::1", server):
            raise tornado.web.HTTPError(404)
        return super().prepare()


# Voila's routes kept as they are: kernels, their channels, static files, themes, widgets.
KEPT = ("/api/kernels/", "/voila/templates/", "/voila/static/", "/voila/api/themes/",
        "/voila/api/shutdown/", "/voila/labextensions/")


class CoachLog(logging.Filter):
    """What the terminal shows a coach: warnings and errors, and when the warm pool is
    ready; not a line per kernel, nor the notebooks' (irrelevant) trust status."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "is not trusted" in message:
            return False
        return record.levelno >= logging.WARNING or message.startswith("Kernel pool of")


class QuietAccess(logging.Filter):
    """Requests are logged only when the server failed one (a 404 is a visitor's typo; a
    503 is the kernel cap, which says so itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR and not record.getMessage().startswith("503 ")


class TraceVoila(Voila):
    """Voila serving only the app's notebooks (see the module docstring)."""

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        # The template's filter for the app's first words (every page is rendered with
        # this config, the warm kernels' pages too).
        self.config.VoilaExporter.filters = {_first_paint.FILTER: _first_paint.first_paint}
        for handler in self.log.handlers:
            handler.addFilter(CoachLog())
        logging.getLogger("tornado.access").addFilter(QuietAccess())

    def stop(self) -> None:
        from . import settings  # noqa: PLC0415

        folder = settings.get().throttle_dir
        if folder:  # the count of wrong codes lives as long as the server, no longer
            for name in (_throttle.FILE, _throttle.FILE + "-journal"):
                (Path(folder) / name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                Path(folder).rmdir()  # only when empty: it may be a folder of the user's
        super().stop()

    def init_handlers(self) -> list[Any]:
        handlers = []
        for rule in super().init_handlers():
            pattern, handler = rule[0], rule[1]
            route = pattern[len(self.server_url.rstrip("/")):]
            if handler is RequestInfoSocketHandler:
                handlers.append((pattern, KernelQuery, *rule[2:]))
            elif handler is TornadoVoilaHandler:
                handlers.append((pattern, AppPage, *rule[2:]))
            elif route.startswith(KEPT):
                handlers.append(self._light(rule))
        # Everything else (the tree at /, files, contents, login) is not found.
        AppPage.served = served_notebooks(Path(self.root_dir))
        AppPage.admission = _admission.Admission(self.kernel_manager,
                                                 _admission.max_kernels())
        self.app.settings["default_handler_class"] = NotFound
        self.app.add_transform(SecurityHeaders)
        # jupyter_server's default pong timeout (3 x 30 s) is longer than Tornado allows, and
        # Tornado says so in the terminal before it uses 30 s anyway: ask for 30 s.
        self.app.settings["ws_ping_timeout"] = 30_000
        self.app.add_transform(tornado.web.GZipContentEncoding)  # pages and API answers
        return handlers

    def _light(self, rule: Any) -> Any:
        """Static files compressed and cached long (see ``_static``); the rest as it is."""
        handler = rule[1]
        if not (isinstance(handler, type) and issubclass(handler, tornado.web.StaticFileHandler)):
            return rule
        if not getattr(self, "_warming", False):
            from voila.paths import collect_static_paths  # noqa: PLC0415

            self._warming = True
            _static.FORMS.warm([*self.static_paths, *self.labextensions_path,
                                *collect_static_paths(["voila", "nbconvert"], "trace")])
        return (rule[0], _static.compressed_handler(handler), *rule[2:])


def main(argv: Sequence[str] | None = None) -> int:
    # serve passes the pools as one JSON value, which traitlets 5 calls deprecated.
    warnings.filterwarnings("ignore", message=".*for dict-traits is deprecated",
                            category=DeprecationWarning)
    TraceVoila.launch_instance(argv=list(argv) if argv is not None else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
