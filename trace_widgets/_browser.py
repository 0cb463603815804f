"""Bridges to the browser: keep the address bar in step with the journey; download a file;
hear when a notebook is shown again; show a link's full address; print the page.

The kernel never learns the page's address (only settings reads the environment, and the
request's host is not a setting), so the browser resolves a relative link itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import anywidget
import ipywidgets as widgets
import traitlets

log = logging.getLogger(__name__)


class AddressBar(anywidget.AnyWidget):
    """Writes ``query`` into the browser's address (no reload), so a reload or a bookmark
    comes back to the same workbook and step. The kernel only writes it, never reads it."""

    _esm = """
    function render({ model }) {
      const apply = () => {
        const url = new URL(window.location.href);
        const query = model.get("query");
        url.search = query ? "?" + query : "";
        window.history.replaceState(null, "", url.toString());
      };
      model.on("change:query", apply);
      apply();
    }
    export default { render };
    """
    query = traitlets.Unicode("").tag(sync=True)

    def show(self, **params: str) -> None:
        self.query = urlencode({k: v for k, v in params.items() if v})


class LinkBox(anywidget.AnyWidget):
    """A read-only box with the full address of this page with ``query`` (``r=TOKEN``), to
    copy and send. The kernel does not know the address the browser uses (a proxy may sit
    between), so the browser writes it; the kernel gives only the query and a label."""

    _esm = """
    function render({ model, el }) {
      const input = document.createElement("input");
      input.readOnly = true;
      input.className = "trace-link-box";
      input.style.width = "100%";
      const apply = () => {
        const query = model.get("query");
        const url = new URL(window.location.href);
        url.search = query ? "?" + query : "";
        url.hash = "";
        input.value = query ? url.toString() : "";
        input.setAttribute("aria-label", model.get("label"));
        el.hidden = !query;
      };
      input.addEventListener("focus", () => input.select());
      model.on("change:query", apply);
      model.on("change:label", apply);
      apply();
      el.appendChild(input);
    }
    export default { render };
    """
    query = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)

    def show(self, label: str, **params: str) -> None:
        self.label = label
        self.query = urlencode({k: v for k, v in params.items() if v})


class DownloadButton(anywidget.AnyWidget):
    """A button that makes a file in the kernel when pressed and hands it to the browser as a
    download (a real button: Enter and Space work, in Voila and in JupyterLab alike).

    The file travels as a binary message, not in the page: a report of a few hundred
    kilobytes never sits in a widget's state or an address, and it is made only when asked
    for. The browser may only ask; whatever else it sends is ignored.

    Examples
    --------
    >>> button = DownloadButton(lambda: b"%PDF-", label="Download", filename="r.pdf",
    ...                         mime="application/pdf")
    >>> button.handle({"type": "make"}), button.status
    (True, '')
    >>> button.handle({"type": "eval", "code": "1"})
    False
    """

    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "jupyter-button widget-button trace-download-button";
      // The whole label, never cut to a widget's default width.
      button.style.width = "auto";
      button.style.maxWidth = "100%";
      button.style.whiteSpace = "normal";
      const status = document.createElement("span");
      status.className = "trace-download-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      status.style.display = "block";  // under its own button, not between two
      status.style.fontSize = "0.9em";
      const apply = () => {
        button.textContent = model.get("label");  // text, never markup
        status.textContent = model.get("status");
      };
      model.on("change:label", apply);
      model.on("change:status", apply);
      apply();
      button.addEventListener("click", () => model.send({ type: "make" }));
      model.on("msg:custom", (msg, buffers) => {
        if (!msg || msg.type !== "file" || !buffers || !buffers.length) return;
        const blob = new Blob([buffers[0]], { type: model.get("mime") });
        const url = URL.createObjectURL(blob);
        const a = document.createElement("a");
        a.href = url;
        a.download = model.get("filename");
        a.style.display = "none";
        el.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      });
      el.style.marginRight = "0.5rem";
      el.appendChild(button);
      el.appendChild(status);
    }
    export default { render };
    """
    label = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("download").tag(sync=True)
    mime = traitlets.Unicode("application/octet-stream").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    def __init__(self, make: Callable[[], bytes], *, messages: Mapping[str, str] | None = None,
                 **traits: Any) -> None:
        super().__init__(**traits)
        self.make = make
        self.messages = dict(messages or {})
        self._busy = False
        self.on_msg(lambda _widget, content, _buffers: self.handle(content))

    def handle(self, content: object) -> bool:
        """Make the file and send it when the browser asks (``{"type": "make"}``); True
        when it was sent. A request while one is being made is dropped."""
        if not isinstance(content, dict) or content.get("type") != "make" or self._busy:
            return False
        self._busy = True
        self.status = self.messages.get("making", "")
        try:
            data = self.make()
            self.send({"type": "file"}, [data])
        except Exception:  # the details go to the log; the visitor gets a plain sentence
            log.exception("making the download %s failed", self.filename)
            self.status = self.messages.get("failed", "")
            return False
        finally:
            self._busy = False
        self.status = self.messages.get("ready", "")
        return True


def report_buttons(make: Callable[[str], bytes], *, labels: Mapping[str, str],
                   filename: Callable[[str], str]) -> widgets.HBox:
    """One :class:`DownloadButton` per report format (``labels`` maps a format to its
    button's text), side by side, with the report wording for their status.

    Examples
    --------
    >>> row = report_buttons(lambda fmt: b"", labels={"pdf": "PDF", "html": "HTML"},
    ...                      filename=lambda fmt: f"r.{fmt}")
    >>> [b.filename for b in row.children]
    ['r.pdf', 'r.html']
    """
    from . import content as content_mod  # noqa: PLC0415
    from . import report  # noqa: PLC0415 - typst loads only where a report is offered

    c = content_mod.get()
    messages = {m: c.text(f"report.download.{m}") for m in ("making", "ready", "failed")}
    def maker(fmt: str) -> Callable[[], bytes]:
        return lambda: make(fmt)

    buttons = [DownloadButton(maker(fmt), messages=messages, label=label,
                              filename=filename(fmt), mime=report.media_type(fmt))
               for fmt, label in labels.items()]
    row = widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
    row.add_class("trace-report-downloads")
    return row


class Shown(anywidget.AnyWidget):
    """Tells the kernel when the learner comes back to this notebook (its tab shown again, the
    window focused, the pointer or keyboard in the workbook), so a JupyterLab notebook can
    pick up answers given in another one. The message carries nothing the kernel reads."""

    _esm = """
    function render({ model, el }) {
      let last = 0;
      const ping = () => {
        const now = Date.now();
        if (now - last < 1000) return;
        last = now;
        model.send({ shown: 1 });
      };
      const area = () => el.closest(".trace-lab") || el;
      let seen = false;
      const watch = new IntersectionObserver((entries) => {
        const visible = entries.some((e) => e.isIntersecting);
        if (visible && !seen) ping();
        seen = visible;
      });
      const start = () => {
        if (!el.isConnected) { setTimeout(start, 200); return; }
        watch.observe(area());
        area().addEventListener("pointerenter", ping);
        area().addEventListener("focusin", ping);
      };
      const onVisible = () => { if (!document.hidden) ping(); };
      document.addEventListener("visibilitychange", onVisible);
      window.addEventListener("focus", ping);
      start();
      return () => {
        watch.disconnect();
        document.removeEventListener("visibilitychange", onVisible);
        window.removeEventListener("focus", ping);
      };
    }
    export default { render };
    """

    def __init__(self, on_shown: Callable[[], None]) -> None:
        super().__init__()
        self._on_shown = on_shown
        self.on_msg(lambda _widget, _content, _buffers: self._on_shown())


class BrowserLink(anywidget.AnyWidget):
    """A link to ``path`` (relative to the page) that shows its full address as its text.

    Examples
    --------
    >>> BrowserLink(path="app.ipynb?w=K7MQ4P").path
    'app.ipynb?w=K7MQ4P'
    """

    _esm = """
    function render({ model, el }) {
      const a = document.createElement("a");
      a.className = "trace-browser-link";
      const apply = () => {
        const url = new URL(model.get("path"), window.location.href);
        a.href = url.toString();
        a.textContent = url.toString();  // text, never markup
      };
      model.on("change:path", apply);
      apply();
      el.appendChild(a);
    }
    export default { render };
    """
    path = traitlets.Unicode("").tag(sync=True)


class PrintButton(anywidget.AnyWidget):
    """A button that opens the browser's print dialog for the page.

    Examples
    --------
    >>> PrintButton(label="Print this page").label
    'Print this page'
    """

    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "jupyter-button widget-button trace-coach-print";
      const apply = () => { button.textContent = model.get("label"); };
      model.on("change:label", apply);
      apply();
      button.addEventListener("click", () => window.print());
      el.appendChild(button);
    }
    export default { render };
    """
    label = traitlets.Unicode("").tag(sync=True)
