"""`run_tests` against the real Docker sandbox, parsing pytest's real output from a container."""

from pathlib import Path

import pytest

from devagent.tools.base import ToolContext
from devagent.tools.run import RUN_TESTS
from tests.tools.helpers import write_tree

IMAGE = "devagent/base:latest"
"""The project's base sandbox image (built by `make image`); it must provide python3 + pytest."""


@pytest.mark.docker
def test_run_tests_in_docker_parses_pytest(tmp_path: Path) -> None:
    docker_mod = pytest.importorskip("sandbox.docker")
    write_tree(
        tmp_path,
        {"test_x.py": "def test_ok():\n    pass\n\n\ndef test_no():\n    assert 1 == 2\n"},
    )
    config = docker_mod.SandboxConfig(image=IMAGE, workspace=tmp_path)
    with docker_mod.DockerSandbox(config) as box:
        ctx = ToolContext(workspace=tmp_path, sandbox=box, test_command="python3 -m pytest -q")
        obs = RUN_TESTS({}, ctx)
    assert obs.data["summary"]["failing"] == ["test_x.py::test_no"]
    assert (obs.data["summary"]["passed"], obs.data["summary"]["failed"]) == (1, 1)
    assert "E       assert 1 == 2" in obs.text
