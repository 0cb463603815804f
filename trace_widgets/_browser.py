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
