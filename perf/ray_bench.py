"""Ray's own overhead per bench job, beside the local executor measured in the same run.

  python perf/ray_bench.py [-n N] [--tasks DIR ...] [--no-oracle] [--json PATH]

A one-machine Ray cluster (a head without sandbox slots and two worker nodes of one slot each,
as in the tests) against the thread pool with -j 2:
(a) trivial jobs (each ends at once as an `error` row): the first round on Ray (its worker
    processes start and import devagent) and a warm round, per job, against local;
(b) oracle jobs on bundled tasks in the real Docker sandbox: the run's wall time, Ray / local
    (rounds alternated, the best of each kept).
The cluster's start is reported apart; it is paid once per `ray start`, not per run.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import threading
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster
from rich.console import Console
from rich.table import Table

from devagent.bench.driver import run_specs
from devagent.bench.executor import Executor, LocalExecutor
from devagent.bench.jobspec import JobSpec, ModelChoice, TaskWork, pack_folder
from devagent.bench.rayexec import SLOT, RayConfig, RayExecutor
from devagent.bench.runner import BenchOptions
from devagent.bench.task import load_tasks
from devagent.commands.benchexec import task_specs
from devagent.config import Settings

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
DEFAULT_TASKS = [ROOT / "tasks" / "lru-cache-eviction", ROOT / "tasks" / "node-emitter-once"]


def trivial_specs(n: int, tmp: Path) -> list[JobSpec]:
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    return [
        JobSpec(TaskWork(f"job-{i}", pack_folder(empty)), ModelChoice("oracle"), "oracle")
        for i in range(n)
    ]


def drained(executor: Executor, specs: list[JobSpec]) -> float:
    """Seconds to run every spec (the results only iterated)."""
    started = time.perf_counter()
    for _ in executor.run(specs, lambda event: None, threading.Event()):
        pass
    return time.perf_counter() - started


def bench_wall(executor: Executor, specs: list[JobSpec], out: Path) -> float:
    """Seconds of a whole bench run (results.jsonl, run folders, reports)."""
    opts = BenchOptions(out=out, model_for=lambda item: None, model_name="oracle", jobs=2)  # type: ignore[arg-type,return-value]
    started = time.perf_counter()
    run = run_specs(specs, opts, executor)
    wall = time.perf_counter() - started
    statuses = sorted(o.status for o in run.outcomes)
    print(f"  {type(executor).__name__}: {statuses} in {wall:.1f} s")
    return wall


def start_cluster() -> tuple[Cluster, float]:
    started = time.perf_counter()
    small = {"num_cpus": 1, "object_store_memory": 100 * MB}
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(**small, resources={SLOT: 1})
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    return cluster, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="trivial jobs per round")
    parser.add_argument("--tasks", type=Path, nargs="*", default=DEFAULT_TASKS)
    parser.add_argument("--no-oracle", action="store_true", help="skip (b)")
    parser.add_argument("--rounds", type=int, default=2, help="(b) runs of each, best kept")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="devagent-raybench-"))
    figures: dict[str, float] = {}
    cluster, figures["cluster_start_s"] = start_cluster()
    try:
        ray_exec = RayExecutor(RayConfig(address=cluster.address))
        specs = trivial_specs(args.n, tmp)
        figures["trivial_local_ms"] = drained(LocalExecutor(2, tmp / "l"), specs) / args.n * 1e3
        figures["trivial_ray_first_ms"] = drained(ray_exec, specs) / args.n * 1e3
        figures["trivial_ray_warm_ms"] = drained(ray_exec, specs) / args.n * 1e3
        if not args.no_oracle:
            oracle = task_specs(load_tasks(args.tasks), ModelChoice("oracle"), "oracle",
                                Settings(), False)  # fmt: skip
            bench_wall(LocalExecutor(2, tmp / "warm"), oracle, tmp / "warm")  # images built
            local_s, ray_s = [], []
            for i in range(args.rounds):  # alternated: the machine's load changes under us
                local_s.append(bench_wall(LocalExecutor(2, tmp / f"a{i}"), oracle, tmp / f"a{i}"))
                ray_s.append(bench_wall(ray_exec, oracle, tmp / f"b{i}"))
            figures["oracle_local_s"], figures["oracle_ray_s"] = min(local_s), min(ray_s)
    finally:
        ray.shutdown()
        cluster.shutdown()
    show(figures, args.n)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def show(figures: dict[str, float], n: int) -> None:
    table = Table(title="Ray executor overhead (one machine, 2 nodes x 1 slot vs -j 2)")
    for column in ("measure", "local", "ray", "ray / local"):
        table.add_column(column)
    local = figures["trivial_local_ms"]
    for label, key in (("first round", "trivial_ray_first_ms"), ("warm", "trivial_ray_warm_ms")):
        ray_ms = figures[key]
        row = (f"{local:.1f} ms", f"{ray_ms:.1f} ms", f"{ray_ms / local:.1f}x")
        table.add_row(f"trivial job, {label} ({n} jobs)", *row)
    if "oracle_ray_s" in figures:
        a, b = figures["oracle_local_s"], figures["oracle_ray_s"]
        table.add_row("oracle bench run (wall, best)", f"{a:.1f} s", f"{b:.1f} s", f"{b / a:.2f}x")
    Console().print(table)
    print(f"cluster start (once per `ray start`): {figures['cluster_start_s']:.1f} s")


if __name__ == "__main__":
    main()
