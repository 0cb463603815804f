"""What ``serve`` checks before it starts, the kernel cap's count, and what the terminal
shows a coach."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trace_widgets import _admission, _voila_app, content, settings

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_serve_on_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "trace_widgets.cli", "serve", "--port", str(port)],
            check=False, capture_output=True, text=True, timeout=120,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                 "TRACE_STORE": f"sqlite:///{tmp_path / 's.sqlite3'}"})
    assert out.returncode == 1
    expected = content.get().text("serve.port_taken", host="127.0.0.1", port=port)
    assert out.stderr.strip() == f"trace-workbook: {expected}"
    assert "open http" not in out.stdout  # no address is printed for a server that is not there
    assert "Traceback" not in out.stderr


def test_the_served_notebooks_are_the_journey_its_steps_and_the_coach() -> None:
    served = _voila_app.served_notebooks(NOTEBOOKS)
    assert served == {"app.ipynb", "coach.ipynb", "00_start.ipynb", "01_self.ipynb",
                      "02_team.ipynb", "03_organisation.ipynb", "04_system.ipynb",
                      "05_plan.ipynb"}
    assert {"research.ipynb", "gallery.ipynb"} <= {p.name for p in NOTEBOOKS.glob("*.ipynb")}


class FakeKernels:
    """The parts of Jupyter's kernel manager the cap reads and hooks."""

    def __init__(self) -> None:
        self._kernels: dict[str, object] = {}
        self._pending_kernels: dict[str, object] = {}

    def pre_start_kernel(self, name: str, kwargs: dict[str, Any]) -> str:
        return f"k{len(self._kernels) + len(self._pending_kernels)}"

    def start(self) -> None:
        """As Jupyter does: pre_start, then (nothing in between) register as starting."""
        kernel = self.pre_start_kernel("python3", {})
        self._pending_kernels[kernel] = object()


def test_the_cap_counts_kernels_and_visits_waiting_for_theirs() -> None:
    km = FakeKernels()
    admission = _admission.Admission(km, cap=3)
    km.start()  # the warm pool's kernel
    first = admission.admit()
    second = admission.admit()
    assert first is not None
    assert second is not None
    assert admission.live() == 3
    assert admission.admit() is None  # two visits admitted, their kernels not started yet
    with admission.holding(first):
        km.start()  # the first visit's kernel starts: its ticket is used up, counted once
    assert admission.live() == 3
    assert admission.admit() is None
    with admission.holding(second):
        pass  # no kernel started within (a warm one was taken): the ticket waits for the refill
    assert admission.live() == 3
    second.expires = 0.0  # ... and lapses if none comes
    assert admission.live() == 2
    assert admission.admit() is not None


def test_the_default_cap_fits_in_half_the_memory() -> None:
    cap = settings.Settings.from_env({}).max_kernels
    assert 4 <= cap <= 200
    assert settings.Settings.from_env({"TRACE_MAX_KERNELS": "7"}).max_kernels == 7
    with pytest.raises(settings.SettingsError, match="TRACE_MAX_KERNELS"):
        settings.Settings.from_env({"TRACE_MAX_KERNELS": "0"})


@pytest.mark.parametrize(("level", "message", "shown"), [
    (logging.INFO, "Kernel started: 1234", False),
    (logging.INFO, "Kernel pool of app.ipynb is filled with 2 kernel(s)", True),
    (logging.WARNING, "Notebook app.ipynb is not trusted", False),
    (logging.WARNING, "TRACE: kernel cap reached (40 live); a visitor was told to wait", True),
    (logging.ERROR, "Uncaught exception GET /voila/render/app.ipynb", True),
])
def test_the_terminal_shows_a_coach_what_they_need(level: int, message: str,
                                                   shown: bool) -> None:
    record = logging.LogRecord("TraceVoila", level, __file__, 1, message, None, None)
    assert _voila_app.CoachLog().filter(record) is shown


def test_every_security_header_has_a_value_without_another_origin() -> None:
    headers = _voila_app.SECURITY_HEADERS
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "://" not in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
