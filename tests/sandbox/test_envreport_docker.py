"""The container `env_report` reads an image's report from is never left behind: a process that
exits while a thread still reads it (a run's OUT/environment.json writer at a second Ctrl-C)
removes it at exit, and one killed outright leaves one that `lifecycle.gc` collects."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandbox import lifecycle
from sandbox.images import ensure_base_image

pytestmark = [pytest.mark.docker, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import os, sys, threading, time
import docker.models.containers as containers
from sandbox.pyimage import env_report

reading = threading.Event()

def stalled(self, path, *args, **kwargs):
    print(self.id, flush=True)
    reading.set()
    time.sleep(600)

containers.Container.get_archive = stalled
threading.Thread(target=env_report, args=("devagent/base:latest",), daemon=True).start()
reading.wait(120)
if sys.argv[1] == "kill":
    os._exit(0)  # no exit hook runs, as after kill -9
"""


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=120)
    ensure_base_image(client=client)
    yield client
    client.close()


def _run(how: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, how], capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[0]


def _exists(client: docker.DockerClient, container_id: str) -> bool:
    return bool(client.api.containers(all=True, filters={"id": container_id}))


def test_a_process_exiting_mid_report_removes_its_container(client):
    assert not _exists(client, _run("exit"))


def test_a_killed_process_leaves_a_container_gc_collects(client):
    container_id = _run("kill")
    assert _exists(client, container_id)
    lifecycle.gc(client)
    assert not _exists(client, container_id)
