"""Sandboxes cannot be left behind, and a vanished container is an error, not a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import docker.errors
import pytest

from sandbox import DaemonUnavailableError, SandboxDied
from sandbox.client import docker_client
from sandbox.lifecycle import gc
from tests.sandbox.conftest import TEST_IMAGE

pytestmark = [pytest.mark.docker, pytest.mark.runsc]

HOLDER = textwrap.dedent(
    """
    import sys, time
    from sandbox.config import SandboxConfig
    from sandbox.docker import DockerSandbox
    sb = DockerSandbox(SandboxConfig(image=sys.argv[1])).start()
    print(sb.container.id, flush=True)
    time.sleep(600)
    """
)


def _start_holder() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, TEST_IMAGE],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _exists(client, container_id: str) -> bool:
    try:
        client.api.inspect_container(container_id)
    except docker.errors.NotFound:
        return False
    return True


def test_close_removes_the_container(make_sandbox, docker_client):
    sb = make_sandbox()
    container_id = sb.container.id
    sb.close()
    assert not _exists(docker_client, container_id)


def test_container_removed_from_outside_mid_command_raises_sandbox_died(sb, docker_client):
    container_id = sb.container.id
    threading.Timer(
        1.0, docker_client.api.remove_container, (container_id,), {"force": True}
    ).start()
    with pytest.raises(SandboxDied, match="removed"):
        sb.exec("sleep 60", timeout=30)


def test_gc_removes_the_container_of_a_killed_creator(docker_client):
    proc, container_id = _start_holder()
    assert _exists(docker_client, container_id)
    proc.kill()  # SIGKILL: no exit hook can run
    proc.wait()
    removed = gc(docker_client)
    assert not _exists(docker_client, container_id)
    assert len(removed) >= 1


def test_gc_keeps_the_containers_of_live_creators(sb, docker_client):
    gc(docker_client)
    assert _exists(docker_client, sb.container.id)


def test_sigterm_to_the_creator_removes_its_container(docker_client):
    proc, container_id = _start_holder()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == -signal.SIGTERM
    assert not _exists(docker_client, container_id)


def test_fork_sees_the_snapshot_and_diverges(sb):
    sb.exec("echo base > shared.txt")
    child = sb.fork()
    try:
        assert child.exec("cat shared.txt").output == "base\n"
        child.exec("echo child > shared.txt && touch only-child")
        sb.exec("echo parent > shared.txt")
        assert child.exec("cat shared.txt").output == "child\n"
        assert sb.exec("cat shared.txt").output == "parent\n"
        assert sb.exec("test -e only-child").exit_code == 1
    finally:
        child.close()


def test_dead_daemon_gives_a_clear_error(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DaemonUnavailableError, match="make setup"):
        docker_client(timeout=5)
