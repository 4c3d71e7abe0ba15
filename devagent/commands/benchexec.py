"""Where a run's jobs execute (`--executor local|ray`, `--address`, `--registry`) and the job
specs a `devagent bench` run hands to it, from its flags and settings."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devagent.errors import DevagentError

if TYPE_CHECKING:
    from devagent.bench.executor import Executor
    from devagent.bench.jobspec import JobSpec, ModelChoice
    from devagent.bench.rayexec import RayConfig
    from devagent.bench.swebench import SwebenchInstance, SwebenchPrediction
    from devagent.bench.task import Task
    from devagent.commands.solvecmd import SolveCommand
    from devagent.config import Settings

REGISTRY_ENV = "DEVAGENT_REGISTRY"


def add_executor_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where the work runs")
    g.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="local: this machine (-j N at once); ray: one Ray task per job on a cluster node "
        "with Docker (a `devagent_sandbox` slot each)",
    )
    g.add_argument(
        "--address",
        metavar="ADDR",
        help="with --executor ray: the cluster (HOST:PORT, auto, ray://HOST:PORT; default: "
        "start Ray on this machine)",
    )
    g.add_argument(
        "--registry",
        metavar="HOST:PORT",
        help="an image registry the nodes share (sent to them as DEVAGENT_REGISTRY)",
    )


def check_executor_flags(args: argparse.Namespace) -> None:
    if args.address and args.executor != "ray":
        raise DevagentError("--address goes with --executor ray")


def build_executor(args: argparse.Namespace, out: Path, cache_dir: Path | None) -> Executor:
    """The executor the flags ask for; with `local`, a --registry is set in this process's
    environment, where the image code reads it."""
    check_executor_flags(args)
    if args.executor == "ray":
        from devagent.bench.rayexec import RayExecutor

        return RayExecutor(ray_config(args))
    from devagent.bench.executor import LocalExecutor

    use_registry_here(args)
    return LocalExecutor(getattr(args, "jobs", 1), out, cache_dir)


def ray_config(args: argparse.Namespace) -> RayConfig:
    """--address and --registry; without an address, Ray on this machine with -j slots."""
    from devagent.bench.rayexec import RayConfig

    slots = max(1, getattr(args, "jobs", 1) or 1)
    return RayConfig(
        address=args.address, registry=args.registry, local_slots=slots, token_file=cluster_token()
    )


def cluster_token() -> Path:
    """The token file of this machine's devagent node (`cluster up`/`join`), else the
    default place `up` writes it."""
    from devagent.cluster.node import read_record
    from devagent.config import load_settings

    state = load_settings({}, None).cache_dir / "cluster"
    record = read_record(state)
    return Path(record.token) if record and record.token else state / "token"


def use_registry_here(args: argparse.Namespace) -> None:
    """A run on this machine: --registry goes into this process's environment, where the
    image code reads it."""
    if args.registry:
        os.environ[REGISTRY_ENV] = args.registry


def model_choice(args: argparse.Namespace | SolveCommand, settings: Settings) -> ModelChoice:
    """The model every job builds on its node: oracle, none (predictions), or a provider spec
    with the endpoint and tool protocol of the flags, else the settings."""
    from devagent.bench.jobspec import ModelChoice
    from devagent.bench.node import NO_MODEL
    from devagent.bench.oracle import ORACLE
    from devagent.llm.factory import default_model_spec

    if getattr(args, "predictions", None):
        return ModelChoice(NO_MODEL)
    if (args.model or settings.model) == ORACLE:
        return ModelChoice(ORACLE)
    spec = default_model_spec(os.environ, flag=args.model, configured=settings.model)
    return ModelChoice(
        spec,
        base_url=args.base_url or settings.base_url,
        tool_protocol=args.tool_protocol or settings.tool_protocol,
    )


def task_specs(
    tasks: Sequence[Task], model: ModelChoice, name: str, settings: Settings, events: bool
) -> list[JobSpec]:
    """One spec per bundled task, its folder carried as bytes."""
    from devagent.bench.jobspec import JobSpec, TaskWork, pack_folder

    budget = settings.budget.model_dump()
    return [
        JobSpec(TaskWork(t.id, pack_folder(t.root)), model, name, budget, forward_records=events)
        for t in tasks
    ]


def instance_specs(
    instances: Sequence[SwebenchInstance],
    repos: Path,
    predictions: dict[str, SwebenchPrediction] | None,
    common: tuple[ModelChoice, str, Settings, bool],
) -> list[JobSpec]:
    """One spec per SWE-bench instance (per prediction with --predictions); the mirrors are
    at the same path on every node."""
    from devagent.bench.jobspec import InstanceWork, JobSpec

    model, name, settings, events = common
    budget = settings.budget.model_dump()
    where = str(repos.resolve())
    specs = []
    for i in instances:
        if predictions is not None and i.instance_id not in predictions:
            continue
        patch = None if predictions is None else predictions[i.instance_id].model_patch or ""
        work = InstanceWork(i, where, patch)
        specs.append(JobSpec(work, model, name, budget, forward_records=events))
    return specs
