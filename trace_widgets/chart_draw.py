"""Drawing charts to SVG, offline: the specs of :mod:`trace_widgets.charts` through Vega.

:mod:`trace_widgets.charts` only builds specs (pure, as Altair keeps specs and renderers
apart); this module draws them. Vega runs in a JavaScript engine (``vl-convert``): in the
shared renderer when ``serve`` runs one (:mod:`trace_widgets._chart_server`, which saves
each kernel the engine's 90 MB), else in this process. Importing this module also makes it
Altair's renderer, so a chart shown as a notebook's output is drawn the same way (Altair's
default loads Vega from the internet).

A profile redrawn after every rating is drawn by :func:`profile_svg` without the renderer:
everything but its marks (axes, titles, layout) is drawn once by Vega and kept, and the
marks (a bar and a label per condition) are written here from Vega's own drawing of them.
The result is Vega's SVG, tested byte for byte against it; it takes well under a
millisecond, where Vega takes 25-35 ms of CPU (several times that on a loaded machine).

Examples
--------
>>> import pandas as pd
>>> from trace_widgets import charts
>>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [3.5]})
>>> to_svg(charts.heatmap(cells)).startswith("<svg")
True
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc

from . import _chart_server, _theme, charts, settings
from . import content as content_mod

log = logging.getLogger(__name__)

__all__ = ["draw_spec", "prepare_profiles", "profile_svg", "to_svg"]


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to SVG text, offline, with the workbook theme.

    Vega-Lite runs inside ``vl-convert`` (bundled JavaScript, no browser); fetching data
    from any URL is refused, so a chart can never reach the network while rendering.

    Parameters
    ----------
    chart
        Any chart from :mod:`trace_widgets.charts` (or any Altair chart with inline data).

    Returns
    -------
    str
        An ``<svg>`` document whose ``<title>`` and ``<desc>`` carry the chart's title and
        description (Vega labels each mark but not the chart as a whole).

    Examples
    --------
    >>> import pandas as pd
    >>> from trace_widgets import charts
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["self"], "score": [4.0]})
    >>> "<desc>" in to_svg(charts.heatmap(cells))
    True
    """
    return draw_spec(charts.to_spec(chart))


def draw_spec(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec (:func:`trace_widgets.charts.to_spec`) drawn as named SVG."""
    return _name_svg(_draw(spec), _title_of(spec), spec.get("description"))


def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes, if vl-convert bundles it (else its newest)."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    bundled = vlc.get_vegalite_versions()
    if major_minor in bundled:
        return major_minor
    same_major = [v for v in bundled if v.split(".")[0] == major_minor.split(".")[0]]
    return same_major[-1] if same_major else None


def _draw(spec: dict[str, Any]) -> str:
    """SVG for a Vega-Lite spec: from the shared renderer when ``serve`` runs one, else
    drawn here."""
    server = settings.get().chart_server
    if server:
        try:
            return _chart_server.render(server, spec, _vl_version())
        except _chart_server.UnavailableError as exc:
            log.warning("chart renderer unavailable, drawing here: %s", exc)
    return vlc.vegalite_to_svg(spec, vl_version=_vl_version(), allowed_base_urls=[])


def _title_of(spec: dict[str, Any]) -> object:
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return " ".join(str(t) for t in text) if isinstance(text, list) else text


def _name_svg(svg: str, title: object, description: object) -> str:
    """Give the SVG an accessible name and description: the chart's title and description."""
    parts = [f"<{tag}>{html.escape(str(value))}</{tag}>"
             for tag, value in (("title", title), ("desc", description)) if value]
    root = svg.find("<svg")
    end = svg.find(">", root) + 1 if root >= 0 else 0
    if not parts or end == 0:
        return svg
    return svg[:end] + "".join(parts) + svg[end:]


def _offline_renderer(spec: dict[str, Any], **_: object) -> dict[str, str]:
    """Altair's renderer for this process: a chart shown as a notebook's output is drawn to
    SVG here, like every other chart."""
    return {"image/svg+xml": draw_spec(spec)}


alt.renderers.register(_theme.THEME, _offline_renderer)
alt.renderers.enable(_theme.THEME)


# --- the profile, without the renderer ---------------------------------------------------------

_LAYERS = ("layer_0_marks", "layer_1_marks", "layer_2_marks")
"""The profile's marks as Vega names them: the bars, the scores, the "no score" labels."""
_GROUP = re.compile(r'<g class="[^"]*\b(layer_\d_marks)"[^>]*?(/>|>)')
_ITEM = re.compile(r"<path [^>]*/>|<text [^>]*>[^<]*</text>")
_BAR = re.compile(r'^(<path aria-label=")[^"]*(" [^>]* d=")M0,([-\d.e]+)h([-\d.e]+)v([-\d.e]+)h'
                  r'[-\d.e]+Z(".*)$')
_LABEL = re.compile(r'^(<text [^>]*transform="translate\()([-\d.e]+)(,[-\d.e]+\)[^>]*>)[^<]*'
                    r"(</text>)$")


@dataclass(frozen=True)
class _Frame:
    """What Vega drew around the marks of one profile (its axes, titles, layout), and each
    row's marks as Vega wrote them, with the parts that change left as holes."""

    head: str
    tail: str
    opened: dict[str, str]
    """Each layer's opening tag when it has marks."""
    empty: dict[str, str]
    """Each layer's tag when it has none (Vega gives an empty layer another role)."""
    bars: list[tuple[str, str, float, float, str]]
    """Per row: the bar before its label, between label and path, its y, height, rest."""
    labels: list[tuple[str, str, str]]
    """Per row: the score label before its x, after it up to its text, and the close."""
    missing: list[str]
    """Per row: the "no score" label, whole (nothing in it depends on a score)."""
    width: float
    """The plot's width: scores from the low to the high end of the scale span it."""
    dx: float
    """How far a score label sits right of its bar's end."""
    scale: tuple[int, int]
    """The low and high ends of the scale."""


_frames: dict[tuple[Any, ...], tuple[content_mod.Content, _Frame | None]] = {}
"""Frames by (content, space, title); the content is kept so that its id is never reused."""
_frames_lock = threading.Lock()


def _split(svg: str) -> tuple[str, str, dict[str, tuple[str, list[str]]]]:
    """Head, tail and each layer's (opening tag, items) of a profile Vega drew."""
    groups = list(_GROUP.finditer(svg))
    if [g.group(1) for g in groups] != list(_LAYERS):
        raise ValueError("not a profile as this module knows it")
    tail_at = svg.find('<g class="mark-group role-title"', groups[-1].end())
    if tail_at < 0:
        raise ValueError("no title after the marks")
    layers: dict[str, tuple[str, list[str]]] = {}
    for i, g in enumerate(groups):
        end = groups[i + 1].start() if i + 1 < len(groups) else tail_at
        body = svg[g.end():end]
        if g.group(2) == "/>":
            layers[g.group(1)] = (g.group(0), [])
            continue
        if not body.endswith("</g>"):
            raise ValueError("a layer that does not close")
        items = _ITEM.findall(body[:-4])
        if "".join(items) != body[:-4]:
            raise ValueError("a layer with marks this module does not know")
        layers[g.group(1)] = (g.group(0), items)
    return svg[:groups[0].start()], svg[tail_at:], layers


def _js(x: float) -> str:
    """A number as JavaScript writes it (so as Vega writes it into the SVG)."""
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    return repr(float(x))


def _escape(text: str) -> str:
    """An attribute value escaped as Vega's SVG writer escapes it."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\t", "&#x9;").replace("\n", "&#xA;")
            .replace("\r", "&#xD;"))


def _make_frame(space: str, title: str | None, c: content_mod.Content,
                draw: Callable[[dict[str, Any]], str]) -> _Frame:
    """Draw two profiles with Vega (every score at the top of the scale, the widest the chart
    can be; and none) and keep what the marks of any profile of this space are made of."""
    ids = [e.id for e in c.elements]
    top = pd.DataFrame({"element": ids, "space": space, "score": float(c.scale.high)})
    none = top.assign(score=np.nan)
    head, tail, full = _split(draw(charts.to_spec(
        charts.profile(top, space=space, title=title, content=c))))
    _, _, blank = _split(draw(charts.to_spec(
        charts.profile(none, space=space, title=title, content=c))))
    n = len(ids)
    bar_items, label_items = full["layer_0_marks"][1], full["layer_1_marks"][1]
    missing_items = blank["layer_2_marks"][1]
    if not (len(bar_items) == len(label_items) == len(missing_items) == n) \
            or full["layer_2_marks"][1] or blank["layer_0_marks"][1] or blank["layer_1_marks"][1]:
        raise ValueError("a profile whose marks this module does not know")
    bars, labels = [], []
    width = dx = 0.0
    for bar, label in zip(bar_items, label_items, strict=True):
        b, t = _BAR.match(bar), _LABEL.match(label)
        if b is None or t is None:
            raise ValueError("a bar or label this module does not know")
        width = float(b.group(4))
        dx = float(t.group(2)) - width
        bars.append((b.group(1), b.group(2), float(b.group(3)), float(b.group(5)), b.group(6)))
        labels.append((t.group(1), t.group(3), t.group(4)))
    return _Frame(head=head, tail=tail,
                  opened={k: full[k][0] for k in _LAYERS[:2]} | {_LAYERS[2]: blank[_LAYERS[2]][0]},
                  empty={k: blank[k][0] for k in _LAYERS[:2]} | {_LAYERS[2]: full[_LAYERS[2]][0]},
                  bars=bars, labels=labels, missing=missing_items, width=width, dx=dx,
                  scale=(c.scale.low, c.scale.high))


def _frame(space: str, title: str | None, c: content_mod.Content,
           draw: Callable[[dict[str, Any]], str] | None = None) -> _Frame | None:
    """The space's frame, drawn once per process (None: draw its profiles with Vega)."""
    key = (id(c), space, title)
    with _frames_lock:
        if key not in _frames:
            try:
                _frames[key] = (c, _make_frame(space, title, c, draw or _draw))
            except ValueError:
                log.warning("the %s profile is drawn by the renderer every time", space,
                            exc_info=True)
                _frames[key] = (c, None)
        return _frames[key][1]


def _remote(spec: dict[str, Any]) -> str:
    """Drawn by the shared renderer, never here (see :func:`prepare_profiles`)."""
    server = settings.get().chart_server
    if not server:
        raise _chart_server.UnavailableError("no shared renderer")
    return _chart_server.render(server, spec, _vl_version())


def prepare_profiles(*, content: content_mod.Content | None = None) -> None:
    """Have the shared renderer draw every space's profile frame now (a pair of charts per
    space), so that kernels forked after this redraw a learner's first rating as fast as
    the next. Nothing is drawn in this process: the fork server calls it, and a JavaScript
    engine's threads would not survive a fork. Without the renderer, a kernel draws its
    frames when it first needs them."""
    c = content if content is not None else content_mod.get()
    try:
        for s in c.spaces:
            with _frames_lock:
                if (id(c), s.id, None) not in _frames:
                    _frames[(id(c), s.id, None)] = (c, _make_frame(s.id, None, c, _remote))
    except (_chart_server.UnavailableError, ValueError):
        log.warning("profile frames not drawn ahead", exc_info=True)


def profile_svg(scores: pd.DataFrame, *, space: str, title: str | None = None,
                value: str = "score", content: content_mod.Content | None = None,
                parts: charts.ProfileParts | None = None) -> str:
    """:func:`trace_widgets.charts.profile` of one space, drawn as SVG without the renderer.

    The same SVG as ``to_svg(charts.profile(scores, space=space))``, except that it is always
    as wide as the widest profile (all scores at the top of the scale), so the chart does not
    change size while a learner rates.

    Parameters
    ----------
    scores, space, title, value, content
        As for :func:`trace_widgets.charts.profile` (``space`` is required).
    parts
        :func:`trace_widgets.charts.profile_parts` of the same, if the caller has them.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"element": ["task"], "space": ["team"], "score": [4.0]})
    >>> 'aria-label="Task, Team: 4.0"' in profile_svg(cells, space="team")
    True
    """
    c = content if content is not None else content_mod.get()
    frame = _frame(space, title, c)
    if frame is None:
        return to_svg(charts.profile(scores, space=space, title=title, value=value, content=c))
    if parts is None:
        parts = charts.profile_parts(scores, space=space, title=title, value=value, content=c)
    return _draw_profile(parts, frame)


def _draw_profile(words: charts.ProfileParts, frame: _Frame) -> str:
    """The profile's marks written into its frame, as Vega would have written them."""
    low, high = frame.scale
    bars, labels, missing = [], [], []
    for i, (score, label, aria, label_x) in enumerate(zip(
            words.data["score"], words.data["label"], words.data["aria"],
            words.data["label_x"], strict=True)):
        if pd.isna(score):
            missing.append(frame.missing[i])
            continue
        # d3's linear scale, as Vega computes it: normalise, then interpolate the range.
        w = frame.width * ((float(score) - low) / (high - low))
        before, between, y, h, rest = frame.bars[i]
        bars.append(f"{before}{_escape(str(aria))}{between}M0,{_js(y)}h{_js(w)}v{_js(h)}"
                    f"h{_js(-w)}Z{rest}")
        tx = frame.width * ((float(label_x) - low) / (high - low)) + frame.dx
        start, after, close = frame.labels[i]
        labels.append(f"{start}{_js(tx)}{after}{html.escape(str(label), quote=False)}{close}")
    marks = "".join(
        f"{frame.opened[layer]}{''.join(items)}</g>" if items else frame.empty[layer]
        for layer, items in zip(_LAYERS, (bars, labels, missing), strict=True))
    return _name_svg(frame.head + marks + frame.tail, words.title, words.description)
