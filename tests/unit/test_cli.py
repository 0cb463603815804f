"""The trace-workbook command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trace_widgets import __version__, cli, settings


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "trace_widgets.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"trace-workbook {__version__}"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "serve" in capsys.readouterr().out


def test_voila_command_serves_the_notebooks_with_our_template() -> None:
    command = cli.voila_command(settings.Settings.from_env({}, port=9123, pool_size=3))
    assert command[1:3] == ["-m", "trace_widgets._voila_app"]
    assert "--port=9123" in command
    assert "--Voila.port_retries=0" in command  # the port asked for, or an error
    assert "--KernelManager.transport=ipc" in command
    assert "--template=trace" in command
    assert "--pool_size=3" in command
    pools = next(c for c in command if "kernel_pools_config" in c).split("=", 1)[1]
    assert json.loads(pools)["app.ipynb"] == {"pool_size": 3}
    assert json.loads(pools)["coach.ipynb"] == {"pool_size": 1}
    assert command[-1].endswith("notebooks")


def test_bad_setting_is_a_plain_error(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACE_PORT", "not-a-port")
    assert cli.main(["serve"]) == 2
    assert "TRACE_PORT='not-a-port' is not a whole number" in capsys.readouterr().err
