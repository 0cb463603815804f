"""A bridge to the browser: keep the address bar in step with the journey."""

from __future__ import annotations

from urllib.parse import urlencode

import anywidget
import traitlets


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
