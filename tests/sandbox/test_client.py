"""The one Docker connector: no daemon answering reads the same, however the daemon was named."""

from __future__ import annotations

import docker
import pytest

from sandbox import DaemonUnavailableError
from sandbox.client import DAEMON_HINT, docker_client


@pytest.mark.parametrize("host", ["unix://{tmp}/no-daemon.sock", "tcp://127.0.0.1:9"])
def test_a_bogus_docker_host_gives_one_error_with_the_hint(monkeypatch, tmp_path, host):
    monkeypatch.setenv("DOCKER_HOST", host.format(tmp=tmp_path))
    with pytest.raises(DaemonUnavailableError) as caught:
        docker_client(timeout=2)
    assert str(caught.value).startswith("no Docker daemon answers (")
    assert str(caught.value).endswith(f"; {DAEMON_HINT}")
    assert "make setup" in DAEMON_HINT


def test_a_given_client_without_a_daemon_gives_the_same_error(tmp_path):
    dead = docker.DockerClient(base_url=f"unix://{tmp_path}/no.sock", version="1.41", timeout=2)
    with pytest.raises(DaemonUnavailableError) as caught:
        docker_client(client=dead)
    assert str(caught.value).startswith("no Docker daemon answers (")
    assert str(caught.value).endswith(f"; {DAEMON_HINT}")
