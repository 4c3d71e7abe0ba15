"""Bench jobs on a real multi-node Ray cluster on this machine, in the real Docker sandbox: the
same verdicts as the local executor, both nodes used, a job whose node dies run again elsewhere
exactly once, and no container left behind."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import ray
import yaml
from ray.cluster_utils import Cluster
from rich.console import Console

from devagent.bench.driver import run_specs
from devagent.bench.executor import Executor, LocalExecutor
from devagent.bench.jobspec import JobEvent, JobSpec, ModelChoice
from devagent.bench.rayexec import SLOT, RayConfig, RayExecutor
from devagent.bench.report import RESULTS_FILE
from devagent.bench.runner import BenchOptions
from devagent.bench.task import load_tasks
from devagent.commands.benchexec import task_specs
from devagent.commands.solvecmd import SolveCommand
from devagent.commands.solveremote import execute_remote
from devagent.config import Settings
from sandbox.client import docker_client
from sandbox.lifecycle import LABEL, creator_alive
from tests.bench.contract import broken_specs, check_contract, node_view
from tests.e2e.scenario import BUGGY, CHECK, FIX, ISSUE
from tests.support import git

pytestmark = [pytest.mark.docker, pytest.mark.ray]

ROOT = Path(__file__).resolve().parents[2]
TASKS = [ROOT / "tasks" / "lru-cache-eviction", ROOT / "tasks" / "node-emitter-once"]
BROKEN = Path(__file__).parent / "fixtures" / "broken_task"
MB = 1024 * 1024
SECRET_NAME, SECRET = "DEVAGENT_TEST_API_KEY", "sk-ray-test-5f2b9c0e7d41-not-for-specs"
SMALL = {"num_cpus": 1, "object_store_memory": 100 * MB}


@pytest.fixture(scope="module")
def cluster():
    """A head without sandbox slots and two worker nodes with one each; the nodes inherit a
    secret-looking variable from this process, as `ray start` passes a node's environment."""
    os.environ[SECRET_NAME] = SECRET
    head = {**SMALL, "include_dashboard": False}
    ray_cluster = Cluster(initialize_head=True, head_node_args=head)
    for _ in range(2):
        ray_cluster.add_node(**SMALL, resources={SLOT: 1})
    ray.init(address=ray_cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    try:
        yield ray_cluster
    finally:
        ray.shutdown()
        ray_cluster.shutdown()
        os.environ.pop(SECRET_NAME, None)


class TappedExecutor:
    """An executor whose `started` events are also kept (the node and process of each try)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.started: list[JobEvent] = []

    def run(self, specs, on_event, stop):
        def tap(event: JobEvent) -> None:
            if event.kind == "started":
                self.started.append(event)
            on_event(event)

        return self.inner.run(specs, tap, stop)


def oracle_specs(paths) -> list[JobSpec]:
    return task_specs(load_tasks(paths), ModelChoice("oracle"), "oracle", Settings(), False)


def options(out: Path, updates: Callable[[str, str], None] | None = None) -> BenchOptions:
    opts = BenchOptions(out=out, model_for=lambda item: None, model_name="oracle", jobs=2)  # type: ignore[arg-type,return-value]
    if updates is not None:
        opts.on_update = updates
    return opts


def containers_of(pids: set[int]) -> list[dict]:
    """The sandbox containers these processes made (one listing: no per-container inspect,
    which races with other runs' removals)."""
    found = docker_client().api.containers(all=True, filters={"label": f"{LABEL}=1"})
    return [c for c in found if c["Labels"].get("devagent.creator_pid") in {str(p) for p in pids}]


def verdicts(run) -> list:
    return [
        (o.id, o.status, [(c.name, c.passed) for c in o.checks], o.patch, o.steps)
        for o in run.outcomes
    ]


def worker_ids(ray_cluster: Cluster) -> set[str]:
    return {node.node_id for node in ray_cluster.worker_nodes}


@pytest.fixture(scope="module")
def local_and_ray(cluster, tmp_path_factory):
    base = tmp_path_factory.mktemp("bench-ray")
    specs = oracle_specs([*TASKS, BROKEN])
    local = run_specs(specs, options(base / "local"), LocalExecutor(2, base / "local"))
    tapped = TappedExecutor(RayExecutor(RayConfig(address=cluster.address)))
    records: dict[str, list[dict]] = {}
    opts = options(base / "ray")
    opts.listeners_for = lambda job: [records.setdefault(job, []).append]
    forwarding = [replace(s, forward_records=True) for s in specs]
    on_ray = run_specs(forwarding, opts, tapped)
    return local, on_ray, tapped, base, specs, records


def test_ray_gives_the_local_executors_verdicts(local_and_ray):
    local, on_ray, *_ = local_and_ray
    assert verdicts(on_ray) == verdicts(local)
    assert [o.status for o in on_ray.outcomes] == ["broken", "resolved", "resolved"]


def test_both_worker_nodes_ran_jobs_and_the_driver_wrote_their_run_folders(cluster, local_and_ray):
    _, on_ray, tapped, base, *_ = local_and_ray
    assert {e.node for e in tapped.started} == worker_ids(cluster)
    assert {o.worker.split(":")[0] for o in on_ray.outcomes} == {n[:8] for n in worker_ids(cluster)}
    run = base / "ray" / "runs" / "lru-cache-eviction"
    assert "move_to_end" in (run / "patch.diff").read_text()
    assert (run / "trajectory.jsonl").stat().st_size > 0
    assert len((base / "ray" / RESULTS_FILE).read_text().splitlines()) == 3


def test_trajectory_records_come_back_as_events_to_the_jobs_listeners(local_and_ray):
    _, _, _, base, _, records = local_and_ray
    written = (base / "ray" / "runs" / "lru-cache-eviction" / "trajectory.jsonl").read_text()
    types = {json.loads(line)["type"] for line in written.splitlines()}
    assert {r["type"] for r in records["lru-cache-eviction"]} == types


def test_no_container_is_left_on_the_nodes(local_and_ray):
    _, _, tapped, *_ = local_and_ray
    assert containers_of({e.pid for e in tapped.started}) == []


def test_no_secret_value_in_the_specs_or_the_runtime_env(cluster, local_and_ray):
    _, _, _, _, specs, _ = local_and_ray
    assert all(SECRET.encode() not in pickle.dumps(s) for s in specs)
    assert SECRET not in repr(ray.get_runtime_context().runtime_env)
    options = RayExecutor(RayConfig(registry="registry.lan:5000")).task_options()
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    seen = ray.get(ray.remote(node_view).options(**options).remote(SECRET_NAME, digest))
    assert seen == {
        "runtime_env": {"env_vars": {"DEVAGENT_REGISTRY": "registry.lan:5000"}},
        "registry": "registry.lan:5000",
        "secret_named_on_the_node": True,
    }


def test_ray_executor_keeps_the_contract(cluster, tmp_path):
    results = check_contract(
        RayExecutor(RayConfig(address=cluster.address)), broken_specs(3, tmp_path)
    )
    assert {r.outcome["status"] for r in results} == {"error"}
    assert {r.node for r in results} <= worker_ids(cluster)


def test_a_ci_solve_runs_on_a_node_and_is_delivered_here(cluster, tmp_path):
    repo = tmp_path / "user-repo"
    repo.mkdir()
    (repo / "calc.py").write_text(BUGGY)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "calc")
    (tmp_path / "issue.md").write_text(ISSUE)
    (tmp_path / "model.yaml").write_text(yaml.safe_dump(FIX))
    command = SolveCommand(
        issue=str(tmp_path / "issue.md"),
        repo=str(repo),
        model=f"scripted:{tmp_path / 'model.yaml'}",
        test=[CHECK],
        out=tmp_path / "out",
        branch="devagent/fix",
        headless=True,
        quiet=True,
    )
    screen = io.StringIO()
    code = execute_remote(command, RayConfig(address=cluster.address), Console(file=screen))
    assert code == 0, screen.getvalue()
    assert "a + b" in (tmp_path / "out" / "patch.diff").read_text()
    assert (tmp_path / "out" / "trajectory.jsonl").stat().st_size > 0
    assert "a + b" in git(repo, "show", "devagent/fix:calc.py")
    assert (repo / "calc.py").read_text() == BUGGY  # the person's tree is untouched


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_job_whose_node_dies_runs_again_on_the_other_node_once(cluster, tmp_path):
    """Runs last: it takes a worker node away."""
    sandbox_up = threading.Event()

    def updates(job: str, message: str) -> None:
        if message.startswith("starting the sandbox"):
            sandbox_up.set()

    tapped = TappedExecutor(RayExecutor(RayConfig(address=cluster.address)))
    out = tmp_path / "out"
    finished: list = []
    driver = threading.Thread(
        target=lambda: finished.append(
            run_specs(oracle_specs(TASKS[:1]), options(out, updates), tapped)
        )
    )
    driver.start()
    assert sandbox_up.wait(300), "the job never started its sandbox"
    doomed = tapped.started[0].node
    (node,) = [n for n in cluster.worker_nodes if n.node_id == doomed]
    cluster.remove_node(node, allow_graceful=False)
    driver.join(600)
    assert not driver.is_alive()

    (run,) = finished
    lines = (out / RESULTS_FILE).read_text().splitlines()
    assert len(lines) == 1
    assert [o.status for o in run.outcomes] == ["resolved"]
    (survivor,) = worker_ids(cluster)
    assert [e.node for e in tapped.started] == [doomed, survivor]
    assert run.outcomes[0].worker.startswith(survivor[:8])

    pids = {e.pid for e in tapped.started}
    gone = lambda: all(not creator_alive(c["Labels"]) for c in containers_of(pids))  # noqa: E731
    wait_for(gone, 120, "the dead node's processes")
    for container in containers_of(pids):  # what `devagent sandbox gc` removes
        docker_client().api.remove_container(container["Id"], force=True)
    assert containers_of(pids) == []
