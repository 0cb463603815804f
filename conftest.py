"""Test-wide set-up: every test and notebook kernel uses a throwaway store and throwaway user
folders, never the user's own (``open-workbooks.json``, Jupyter's runtime files, IPython's
history)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before anything reads them: platformdirs, jupyter_core and IPython read these on use, and
# the kernels, Voila and JupyterLab servers started by the tests inherit them.
USER_FOLDERS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
                "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


def isolate_user_folders() -> Path:
    """Point every per-user folder the workbook, Jupyter and IPython use at a new temporary
    folder, and return its parent."""
    root = Path(tempfile.mkdtemp(prefix="trace-test-home-"))
    for name in USER_FOLDERS:
        folder = root / name.lower()
        folder.mkdir(mode=0o700)
        os.environ[name] = str(folder)
    return root


def pytest_configure(config: pytest.Config) -> None:
    isolate_user_folders()
    # Kernels started by nbval inherit this environment, so they write here too.
    if not os.environ.get("TRACE_STORE"):
        folder = tempfile.mkdtemp(prefix="trace-test-store-")
        os.environ["TRACE_STORE"] = f"sqlite:///{folder}/store.sqlite3"


@pytest.fixture(autouse=True)
def _forget_wrong_codes() -> None:
    """Each test starts with no wrong codes counted (tests share one process and address)."""
    from trace_widgets import _throttle  # noqa: PLC0415 - after the store is set

    _throttle.forget()
