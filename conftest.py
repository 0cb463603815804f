"""Test-wide set-up: every test and notebook kernel uses a throwaway store, never the user's."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Kernels started by nbval inherit this environment, so they write here too.
    if not os.environ.get("TRACE_STORE"):
        folder = tempfile.mkdtemp(prefix="trace-test-store-")
        os.environ["TRACE_STORE"] = f"sqlite:///{folder}/store.sqlite3"
