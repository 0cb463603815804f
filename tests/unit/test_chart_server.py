"""The shared chart renderer draws what a kernel would draw, and a kernel without it still
draws its charts."""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from trace_widgets import _chart_server, chart_draw, charts, settings

CELLS = pd.DataFrame({"element": ["task", "route"], "space": ["self", "self"],
                      "score": [4.0, 2.5]})


@pytest.fixture
def renderer() -> Iterator[tuple[Path, int]]:
    path, process = _chart_server.start(dict(os.environ))
    before = settings.get()
    settings.use(before.with_(chart_server=str(path)))
    try:
        yield path, process.pid
    finally:
        settings.use(before)
        process.terminate()
        process.wait(timeout=60)
        shutil.rmtree(path.parent, ignore_errors=True)  # a killed renderer leaves it


def _same(svg: str) -> str:
    """The SVG with its gradient ids left out: each JavaScript engine counts its own."""
    return re.sub(r"gradient_\d+", "gradient", svg)


def _drawn(where: str) -> str:
    """The heatmap drawn by the renderer at ``where``, or here when it is empty."""
    before = settings.get()
    settings.use(before.with_(chart_server=where))
    try:
        return _same(chart_draw.to_svg(charts.heatmap(CELLS)))
    finally:
        settings.use(before)


def test_the_renderer_draws_the_same_chart_as_the_kernel(renderer: tuple[Path, int]) -> None:
    assert _drawn(str(renderer[0])) == _drawn("")


def test_a_spec_it_cannot_draw_is_an_error_not_a_hang(renderer: tuple[Path, int]) -> None:
    with pytest.raises(ValueError, match="could not be drawn"):
        _chart_server.render(str(renderer[0]), {"mark": {"type": 42}}, None)
    assert chart_draw.to_svg(charts.heatmap(CELLS)).startswith("<svg")  # still serving


def test_without_the_renderer_the_kernel_draws_its_own(renderer: tuple[Path, int]) -> None:
    os.kill(renderer[1], signal.SIGKILL)
    os.waitpid(renderer[1], 0)
    assert _drawn(str(renderer[0])) == _drawn("")


def test_it_stops_when_told_and_removes_its_socket() -> None:
    path, process = _chart_server.start(dict(os.environ))
    assert path.exists()
    process.terminate()
    assert process.wait(timeout=60) == 0
    assert not path.parent.exists()
