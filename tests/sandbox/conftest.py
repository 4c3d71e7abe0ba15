"""Fixtures for sandbox tests: a Docker client, the test image, a workspace, a started sandbox.

A test (or module) marked `runsc` runs twice: under Docker's default runtime and under gVisor's
`runsc` (ids `[runc]` and `[runsc]`); `sandbox_runtime` says which. Where runsc is missing or
does not run, the runsc variants are skipped with the reason, and fail in CI (`CI=true`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.config import SandboxConfig

TEST_IMAGE = os.environ.get("DEVAGENT_TEST_IMAGE", "devagent/base:latest")


@pytest.fixture(scope="session")
def docker_client():
    from sandbox.client import docker_client as connect

    client = connect()
    yield client
    client.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "hello.txt").write_text("hello from the host\n")
    return ws


RUNTIMES = ["runc", pytest.param("runsc", marks=pytest.mark.runsc)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("runsc") is None:
        return
    if "sandbox_runtime" in metafunc.fixturenames:
        metafunc.parametrize("sandbox_runtime", RUNTIMES, indirect=True)


@pytest.fixture(scope="session")
def runsc_problem(docker_client) -> str | None:
    """Why no sandbox can run under runsc here (None: one did), asked once per session."""
    from sandbox.runtime import probe_runtime

    return probe_runtime(docker_client, TEST_IMAGE, "runsc").problem


@pytest.fixture
def sandbox_runtime(request: pytest.FixtureRequest) -> str | None:
    """The Docker runtime of this test's sandboxes: None (the default, runc) or 'runsc'."""
    name = getattr(request, "param", "runc")
    if name == "runc":
        return None
    problem = request.getfixturevalue("runsc_problem")
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but runsc cannot run a sandbox here: {problem}")
        pytest.skip(f"runsc cannot run a sandbox here: {problem}")
    return str(name)


@pytest.fixture
def make_sandbox(docker_client, workspace: Path, sandbox_runtime: str | None) -> Iterator:
    from sandbox.docker import DockerSandbox

    made: list[DockerSandbox] = []

    def make(**overrides) -> DockerSandbox:
        overrides.setdefault("runtime", sandbox_runtime)
        config = SandboxConfig(image=TEST_IMAGE, workspace=workspace, **overrides)
        sb = DockerSandbox(config, client=docker_client).start()
        made.append(sb)
        return sb

    yield make
    for sb in made:
        sb.close()


@pytest.fixture
def sb(make_sandbox):
    return make_sandbox()
