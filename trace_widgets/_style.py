"""The workbook's stylesheet, once: in the Voila template for the app, and in JupyterLab as a
style element scoped to the workbook's own widgets (so JupyterLab itself keeps its look)."""

from __future__ import annotations

import re
from functools import cache

import ipywidgets as widgets

from ._paths import voila_share

SCOPE = ".trace-lab"
"""The class of the box that holds the workbook in a JupyterLab notebook."""
LINKS = ".trace-links-output"
"""The class of the box around a notebook's Back and Next links (an output of their own)."""
_PAGE = {":root", "html", "body", "#rendered_cells"}
"""Selectors that mean the whole page in Voila: in JupyterLab they mean the scope."""
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def stylesheet() -> str:
    """The workbook's CSS, as the Voila template includes it."""
    return (voila_share() / "voila" / "templates" / "trace" / "trace.css").read_text("utf-8")


def _scope_selector(selector: str, scope: str) -> str:
    selector = selector.strip()
    first, _, rest = selector.partition(" ")
    if first in _PAGE:
        return f"{scope} {rest}".strip() if rest else scope
    return f"{scope} {selector}"


def scoped(css: str, scope: str = SCOPE) -> str:
    """``css`` with every rule limited to elements inside ``scope``; rules for the page
    (``body``, ``:root``, Voila's ``#rendered_cells``) apply to ``scope`` itself. Handles the
    flat rules and one level of ``@media`` that the workbook's stylesheet uses.

    Examples
    --------
    >>> scoped("body { color: red } .a, .b:hover { x: y }", ".s")
    '.s { color: red }\\n.s .a, .s .b:hover { x: y }'
    >>> scoped("@media print { .a { x: y } }", ".s")
    '@media print {\\n.s .a { x: y }\\n}'
    """
    css = _COMMENT.sub("", css)
    out: list[str] = []
    i = 0
    while True:
        brace = css.find("{", i)
        if brace < 0:
            break
        head = css[i:brace].strip()
        if head.startswith("@"):
            depth, j = 1, brace + 1
            while depth and j < len(css):
                depth += {"{": 1, "}": -1}.get(css[j], 0)
                j += 1
            out.append(f"{head} {{\n{scoped(css[brace + 1:j - 1], scope)}\n}}")
            i = j
            continue
        end = css.find("}", brace)
        body = css[brace + 1:end].strip()
        selectors = ", ".join(_scope_selector(s, scope) for s in head.split(","))
        out.append(f"{selectors} {{ {body} }}")
        i = end + 1
    return "\n".join(out)


@cache
def lab_css() -> str:
    """The stylesheet for JupyterLab: the workbook's widgets and its Back and Next links."""
    return scoped(stylesheet(), f":is({SCOPE}, {LINKS})")


def lab_style() -> widgets.HTML:
    """A style element for JupyterLab, where the Voila template (and its stylesheet) is not
    used. Project-written CSS only."""
    style = widgets.HTML(f"<style>{lab_css()}</style>")
    style.add_class("trace-style")
    return style
