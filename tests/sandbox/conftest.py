"""Fixtures for sandbox tests: a Docker client, the test image, a workspace, a started sandbox."""

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


@pytest.fixture
def make_sandbox(docker_client, workspace: Path) -> Iterator:
    from sandbox.docker import DockerSandbox

    made: list[DockerSandbox] = []

    def make(**overrides) -> DockerSandbox:
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
