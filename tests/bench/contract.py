"""What every executor must do, checked the same way for each (the local one and Ray)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence

from devagent.bench.executor import Executor
from devagent.bench.jobspec import JobEvent, JobResult, JobSpec, ModelChoice, TaskWork, pack_folder


def broken_specs(n: int, tmp) -> list[JobSpec]:
    """Jobs that end at once as `error` rows (their folders hold no task.toml)."""
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    return [
        JobSpec(TaskWork(f"job-{i}", pack_folder(empty)), ModelChoice("oracle"), "oracle")
        for i in range(n)
    ]


def run_collecting(
    executor: Executor, specs: Sequence[JobSpec], stop: threading.Event | None = None
) -> tuple[list[JobResult], list[tuple[str, JobEvent | JobResult]]]:
    """The results, and events and results in the order the driver saw them."""
    seen: list[tuple[str, JobEvent | JobResult]] = []
    lock = threading.Lock()

    def on_event(event: JobEvent) -> None:
        with lock:
            seen.append(("event", event))

    results = []
    for result in executor.run(specs, on_event, stop or threading.Event()):
        with lock:
            seen.append(("result", result))
        results.append(result)
    return results, seen


def check_contract(executor: Executor, specs: Sequence[JobSpec]) -> list[JobResult]:
    """One result per spec, each after its job's `started` event (which names a process)."""
    results, seen = run_collecting(executor, specs)
    assert sorted(r.outcome["id"] for r in results) == sorted(s.id for s in specs)
    for result in results:
        job = result.outcome["id"]
        at = seen.index(("result", result))
        started = [e for kind, e in seen[:at] if kind == "event" and e.kind == "started"]
        assert any(e.job == job and e.pid > 0 for e in started), job
    return results


def node_view(secret_name: str, secret_sha256: str) -> dict:
    """What a Ray task sees on its node: its runtime env, the registry variable, and whether
    the node holds the secret (compared by digest: the value travels nowhere)."""
    import ray

    runtime_env = dict(ray.get_runtime_context().runtime_env)
    value = os.environ.get(secret_name, "")
    return {
        "runtime_env": {k: v for k, v in runtime_env.items() if k == "env_vars"},
        "registry": os.environ.get("DEVAGENT_REGISTRY"),
        "secret_named_on_the_node": hashlib.sha256(value.encode()).hexdigest() == secret_sha256,
    }
