"""`run_tests` against the real Docker sandbox, parsing pytest's real output from a container."""

import importlib
import shutil
from pathlib import Path

import pytest

from devagent.tools.base import ToolContext
from devagent.tools.run import RUN_TESTS
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from tests.tools.helpers import write_tree

IMAGE = "devagent/base:latest"
"""The project's base sandbox image (built by `make image`): python3, no pytest, no network."""
COMMAND = "PYTHONPATH=/workspace/.pydeps python3 -m pytest -q -p no:cacheprovider"
PURE_PYTHON_DEPS = ["pytest", "_pytest", "py", "pluggy", "iniconfig", "packaging", "pygments"]


def _vendor_pytest(target: Path) -> None:
    """Copy the host's pure-Python pytest into the workspace (the container has no network)."""
    target.mkdir()
    for name in PURE_PYTHON_DEPS:
        source = Path(importlib.import_module(name).__file__ or "")
        if source.name != "__init__.py":
            shutil.copy(source, target / source.name)
            continue
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(source.parent, target / name, ignore=ignore)


@pytest.mark.docker
def test_run_tests_in_docker_parses_pytest(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"test_x.py": "def test_ok():\n    pass\n\n\ndef test_no():\n    assert 1 == 2\n"},
    )
    _vendor_pytest(tmp_path / ".pydeps")
    config = SandboxConfig(image=IMAGE, workspace=tmp_path)
    with DockerSandbox(config) as box:
        ctx = ToolContext(workspace=tmp_path, sandbox=box, test_command=COMMAND)
        obs = RUN_TESTS({}, ctx)
    assert "summary" in obs.data, obs.text
    assert obs.data["summary"]["failing"] == ["test_x.py::test_no"]
    assert (obs.data["summary"]["passed"], obs.data["summary"]["failed"]) == (1, 1)
    assert "E       assert 1 == 2" in obs.text


@pytest.mark.docker
def test_a_two_gib_write_in_the_real_sandbox_is_reported_over_quota(tmp_path: Path) -> None:
    """Seen before: the workspace took 2 GiB without a word. (Sparse: no real disk is used.)"""
    from devagent.tools.run import RUN

    write_tree(tmp_path, {"app.py": "x = 1\n"})
    with DockerSandbox(SandboxConfig(image=IMAGE, workspace=tmp_path)) as sandbox:
        ctx = ToolContext(workspace=tmp_path, sandbox=sandbox)
        obs = RUN({"command": "truncate -s 2G /workspace/dump.bin"}, ctx)
    assert not obs.ok
    assert "over its quota" in obs.text and "2.0 GiB+ more data" in obs.text
