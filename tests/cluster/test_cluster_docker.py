"""A real one-machine cluster: `cluster up --head`, `status --json`, a sandbox held by a Ray task,
`cluster down`, then `sandbox gc`. Ray runs in folders of the test's own and is always stopped."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from devagent.cluster.node import read_record
from devagent.cluster.token import ray_auth_env
from sandbox.lifecycle import process_start_time
from tests.sandbox.conftest import TEST_IMAGE

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
DEVAGENT = [sys.executable, "-m", "devagent.cli"]
HOLDER = """
import sys, time, ray
ray.init(address=sys.argv[1], logging_level="ERROR")

@ray.remote(num_cpus=0, resources={"devagent_sandbox": 1})
def hold(image, path):
    import os, time
    from sandbox.config import SandboxConfig
    from sandbox.docker import DockerSandbox
    box = DockerSandbox(SandboxConfig(image=image)).start()
    with open(path, "w") as f:
        f.write(f"{box.container.id} {os.getpid()}")
    time.sleep(600)

ray.get(hold.remote(sys.argv[2], sys.argv[3]))
"""


@pytest.fixture
def node_envs(tmp_path) -> Iterator[Callable[[str], dict[str, str]]]:
    """Environments of the CLI (and of Ray's processes), one per node: our code first, its own
    state and Ray folder. Every node made is stopped afterwards, and checked to be gone."""
    made: list[dict[str, str]] = []

    def make(name: str) -> dict[str, str]:
        ray_dir = Path(tempfile.mkdtemp(prefix="dr-", dir="/tmp"))  # Ray's socket paths stay short
        (tmp_path / "config.toml").write_text("")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DEVAGENT_CACHE_DIR": str(tmp_path / name),
            "DEVAGENT_CONFIG": str(tmp_path / "config.toml"),
            "RAY_TEMP": str(ray_dir),
        }
        env.pop("DEVAGENT_CLUSTER_TOKEN", None)
        made.append(env)
        return env

    yield make
    for env in reversed(made):
        subprocess.run([*DEVAGENT, "cluster", "down"], env=env, capture_output=True, timeout=120)
    for env in made:
        record = read_record(Path(env["DEVAGENT_CACHE_DIR"]) / "cluster")
        assert record is None or not record.alive(), "a node outlived `cluster down`"
        shutil.rmtree(env["RAY_TEMP"], ignore_errors=True)


def _up(env: dict[str, str]) -> None:
    _devagent(
        env, "cluster", "up", "--head", "--port", "0", "--sandboxes", "1",
        "--temp-dir", env["RAY_TEMP"], "--object-store-memory", str(80 * 1024**2),
    )  # fmt: skip


def _devagent(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [*DEVAGENT, *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"devagent {' '.join(args)}: {done.stderr}"
    return done.stdout


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while not (path.is_file() and path.read_text().strip()):
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"{path} did not appear within {seconds:g}s"
        time.sleep(0.2)
    return path.read_text()


def test_up_status_a_task_down_and_gc(node_envs, tmp_path):
    env = node_envs("head")
    state = tmp_path / "head" / "cluster"
    started = time.monotonic()
    _up(env)
    up_s = time.monotonic() - started
    token = state / "token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    record = read_record(state)
    assert record is not None and record.alive()
    assert token.read_text() not in (state / "ray.log").read_text()

    started = time.monotonic()
    report = json.loads(_devagent(env, "cluster", "status", "--json"))
    status_s = time.monotonic() - started
    [node] = report["nodes"]
    assert (node["alive"], node["head"]) == (True, True)
    assert (report["sandboxes_total"], report["sandboxes_free"]) == (1, 1)
    assert "devagent/base:latest" in node["images"], node["images_error"]

    marker = tmp_path / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, record.address, TEST_IMAGE, str(marker)],
        env={**env, **ray_auth_env(token)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = docker.from_env()
    container_id = ""
    try:
        container_id, worker_pid = _wait_for(marker, holder, 180).split()
        labels = client.containers.get(container_id).labels
        assert labels["devagent.creator_pid"] == worker_pid  # the Ray worker made it
        free = json.loads(_devagent(env, "cluster", "status", "--json"))["sandboxes_free"]
        assert free == 0

        started = time.monotonic()
        _devagent(env, "cluster", "down")
        down_s = time.monotonic() - started
        assert not record.alive() and process_start_time(int(worker_pid)) == ""
        _devagent(env, "sandbox", "gc")
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(container_id)
    finally:
        holder.kill()
        holder.wait()
        if container_id:
            with contextlib.suppress(docker.errors.NotFound):
                client.api.remove_container(container_id, force=True)
        client.close()
    print(f"cluster up {up_s:.1f}s, status {status_s:.1f}s, down {down_s:.1f}s")


def _status(env: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(_devagent(env, "cluster", "status", "--json")))


def test_a_node_joins_with_the_token_from_its_environment_and_is_seen_dead_after_down(
    node_envs, tmp_path
):
    head = node_envs("head")
    _up(head)
    record = read_record(tmp_path / "head" / "cluster")
    assert record is not None
    other = node_envs("other")
    other["DEVAGENT_CLUSTER_TOKEN"] = (tmp_path / "head" / "cluster" / "token").read_text()
    _devagent(
        other, "cluster", "join", record.address, "--free-ports", "--sandboxes", "2",
        "--temp-dir", other["RAY_TEMP"], "--object-store-memory", str(80 * 1024**2),
    )  # fmt: skip
    token = tmp_path / "other" / "cluster" / "token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert token.read_text() not in (tmp_path / "other" / "cluster" / "ray.log").read_text()

    report = _status(head)
    assert [(n["head"], n["alive"], n["sandboxes_total"]) for n in report["nodes"]] == [
        (True, True, 1),
        (False, True, 2),
    ]
    assert report["sandboxes_free"] == 3
    assert all("devagent/base:latest" in n["images"] for n in report["nodes"])

    # The README's flow: bench on the cluster from the head's machine, with no Ray variable
    # set by hand: the driver authenticates with the node's own token file.
    tasks = ROOT / "tasks"
    ids = ["cli-wordcount", "dotenv-inline-comments"]
    out = tmp_path / "bench"
    _devagent(
        head, "bench", *(str(tasks / i) for i in ids), "--model", "oracle",
        "--executor", "ray", "--address", record.address, "--out", str(out),
        timeout=480,
    )  # fmt: skip
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["id"], r["status"]) for r in rows) == [(i, "resolved") for i in ids]

    _devagent(other, "cluster", "down")
    deadline = time.monotonic() + 120
    while True:
        report = _status(head)
        if [n["alive"] for n in report["nodes"]] == [True, False]:
            break
        assert time.monotonic() < deadline, report
        time.sleep(1)
    assert report["sandboxes_total"] == 1
