"""Kernels copied from the warm fork server behave like kernels Jupyter starts itself:
they run code, take interrupts, shut down, and die with their stand-in or their server."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from trace_widgets import _fork_server

WAIT_S = 60


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended


def _wait_until(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Path, int]]:
    folder, process = _fork_server.start(dict(os.environ))
    try:
        yield folder, process.pid
    finally:
        process.terminate()
        process.wait(timeout=WAIT_S)


def _kernel(folder: Path, spec_dir: Path | None = None) -> KernelManager:
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir or folder / "kernels")])
    manager = KernelManager(kernel_name=_fork_server.KERNEL_SPEC, kernel_spec_manager=specs)
    manager.start_kernel()
    return manager


def _run(manager: KernelManager, code: str) -> tuple[str, str]:
    """What ``code`` printed, and the reply's status."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=WAIT_S)
        printed: list[str] = []
        reply = client.execute_interactive(
            code, timeout=WAIT_S,
            output_hook=lambda m: printed.append(m["content"].get("text", "")))
        return "".join(printed), reply["content"]["status"]
    finally:
        client.stop_channels()


def test_a_kernel_is_a_warm_copy_of_the_server(server: tuple[Path, int]) -> None:
    folder, server_pid = server
    manager = _kernel(folder)
    try:
        printed, status = _run(manager, (
            "import os, sys; print(os.getppid(), open('/proc/self/comm').read().strip(),"
            " 'trace_widgets.journey' in sys.modules, os.getcwd(),"
            " 'jupyter.widget.control' in get_ipython().kernel.comm_manager.targets)"))
        assert status == "ok"
        parent, name, preloaded, cwd, widgets_answer = printed.split()
        assert int(parent) == server_pid
        assert name == _fork_server.KERNEL_NAME.decode()
        assert preloaded == "True"
        assert cwd == str(Path.cwd())
        assert widgets_answer == "True"  # a page can ask for every widget's state at once
    finally:
        manager.shutdown_kernel(now=False)
    assert manager.provisioner is None or not manager.is_alive()


def test_an_interrupt_reaches_the_kernel(server: tuple[Path, int]) -> None:
    manager = _kernel(server[0])
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=WAIT_S)
        msg_id = client.execute("import time; time.sleep(60)")
        time.sleep(1.0)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=WAIT_S)
        # A slow kernel (a loaded machine) may answer more than one of wait_for_ready's
        # kernel_info requests: those late replies come first.
        while reply["parent_header"]["msg_type"] == "kernel_info_request":
            reply = client.get_shell_msg(timeout=WAIT_S)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        client.stop_channels()
    finally:
        manager.shutdown_kernel(now=True)


def test_killing_the_stand_in_kills_its_kernel(server: tuple[Path, int]) -> None:
    manager = _kernel(server[0])
    printed, _ = _run(manager, "import os; print(os.getpid())")
    kernel_pid = int(printed)
    stand_in = manager.provisioner.process  # type: ignore[union-attr]
    os.kill(stand_in.pid, signal.SIGKILL)
    stand_in.wait(timeout=WAIT_S)
    _wait_until(lambda: _gone(kernel_pid), "the kernel was gone")
    manager.cleanup_resources()


def test_without_a_server_the_stand_in_starts_an_ordinary_kernel(tmp_path: Path) -> None:
    spec = tmp_path / "kernels" / _fork_server.KERNEL_SPEC
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "trace_widgets._kernel_launch",
                 str(tmp_path / "no-server.sock"), "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}), encoding="utf-8")
    manager = _kernel(tmp_path)
    try:
        printed, status = _run(manager, "print(open('/proc/self/comm').read().strip())")
        assert status == "ok"
        assert printed.strip() != _fork_server.KERNEL_NAME.decode()
    finally:
        manager.shutdown_kernel(now=True)


def test_stopping_the_server_stops_its_kernels_and_removes_its_folder() -> None:
    folder, process = _fork_server.start(dict(os.environ))
    manager = _kernel(folder)
    printed, _ = _run(manager, "import os; print(os.getpid())")
    kernel_pid = int(printed)
    process.terminate()
    assert process.wait(timeout=WAIT_S) == 0
    _wait_until(lambda: _gone(kernel_pid), "the kernel was gone")
    assert not folder.exists()
    manager.provisioner.process.wait(timeout=WAIT_S)  # type: ignore[union-attr]
    manager.cleanup_resources()
