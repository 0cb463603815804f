"""Two small bridges to the coach's browser: a link made absolute there, and a print button.

The kernel never learns the page's address (only settings reads the environment, and the
request's host is not a setting), so the browser resolves a relative link itself.
"""

from __future__ import annotations

import anywidget
import traitlets


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
