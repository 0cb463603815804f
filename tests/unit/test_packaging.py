"""The package installs from a wheel with its content and notebooks; conda matches pip."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONDA_NAMES = {"brotli-python": "brotli"}
"""conda-forge names that differ from PyPI's (the Python bindings of brotli)."""


def _requirement(text: str) -> tuple[str, str]:
    """('name', 'specifier') with the name normalised as pip does."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", text)
    assert match, text
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = {_requirement(d) for d in project["dependencies"]}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_deps = {(CONDA_NAMES.get(name, name), spec)
                  for name, spec in (_requirement(d) for d in conda if isinstance(d, str))}
    python = ("python", project["requires-python"])
    assert python in conda_deps
    assert conda_deps - {python, ("pip", "")} == pip_deps


@pytest.mark.slow
def test_wheel_installs_outside_the_repo_and_loads_content(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
    )
    wheel = next((tmp_path / "dist").glob("trace_workbook-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # Dependencies come from the test environment; the package itself only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--no-deps", "-q", str(wheel)],
        check=True,
    )
    probe = (
        "import json, trace_widgets\n"
        "from trace_widgets import content, _paths\n"
        "c = content.load()\n"
        "print(json.dumps({'module': trace_widgets.__file__, 'data': str(content.data_dir()),"
        " 'cells': len(c.cells), 'task': content.element('task').name,"
        " 'instruments': {i.id: [i.version, len(i.statements())] for i in c.instruments.values()},"
        " 'problems': [str(p) for p in content.check()],"
        " 'schema': (content.data_dir() / 'schemas' / 'cells.schema.json').is_file(),"
        " 'notebooks': str(_paths.bundled('notebooks', 'app.ipynb')),"
        " 'template': str(_paths.voila_share() / 'voila/templates/trace/index.html.j2')}))\n"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    found = json.loads(out.stdout)
    assert found["module"].startswith(str(venv))
    assert found["data"].startswith(str(venv))
    assert found["notebooks"].startswith(str(venv))
    assert Path(found["template"]).is_file()
    assert (found["cells"], found["task"]) == (20, "Task")
    # The instruments, their recorded fingerprints and the JSON Schemas ship in the wheel.
    assert found["instruments"] == {"trace": ["1", 80], "pulse": ["1", 20], "leader": ["1", 5]}
    assert found["problems"] == []
    assert found["schema"]
    version = subprocess.run(
        [str(venv / "bin" / "trace-workbook"), "--version"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert re.fullmatch(r"trace-workbook \d+\.\d+\.\d+\n", version.stdout)
