"""Running one `JobSpec` on the node it landed on: workspace, image, sandbox, agent, grading.

The node's own environment (`NodeContext.environ`) gives the model keys named in the spec, the
package indexes and the secrets to scrub; the spec carries no value of its own.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devagent.agent.redact import secret_values_from_env
from devagent.assembly import model_named
from devagent.bench.jobspec import (
    InstanceWork,
    JobEvent,
    JobResult,
    JobSpec,
    ModelChoice,
    pack_folder,
    unpack_folder,
)
from devagent.bench.oracle import ORACLE, build_oracle
from devagent.bench.report import TaskOutcome
from devagent.bench.runner import BenchOptions, run_task
from devagent.bench.swebench import SwebenchInstance
from devagent.bench.swebench_run import evaluate_patch, solve_instance
from devagent.bench.task import load_task
from devagent.config import Settings
from devagent.errors import DevagentError
from devagent.llm.types import Model
from sandbox.errors import SandboxError
from sandbox.hostconfig import HostIndexConfig, cached_host_config, read_host_config

NO_MODEL = "none"
"""`ModelChoice.spec` of a job that evaluates a prediction (no agent)."""
INTERRUPTED = "interrupted before start"


@dataclass
class NodeContext:
    """Where a node runs a job and how it talks back."""

    out: Path
    """Run folders go to `out/runs/<id>`."""
    emit: Callable[[JobEvent], None]
    stop: threading.Event = field(default_factory=threading.Event)
    environ: Mapping[str, str] = field(default_factory=dict)
    cache_dir: Path | None = None
    pack: bool = False
    """Return the run folder as bytes (a remote node; the driver writes it)."""
    node: str = ""
    """This node's name for the driver (a Ray node id; '' for the local machine)."""
    host: HostIndexConfig | None = None
    """The node's package indexes (baked into images); None: read for each job."""


def node_host(environ: Mapping[str, str], cache_dir: Path | None) -> HostIndexConfig:
    """The node's package indexes, from the cache while their sources are unchanged (asking
    pip and npm costs about a second)."""
    if cache_dir is None:
        return read_host_config(environ=environ)
    return cached_host_config(cache_dir, environ=environ)


def node_secrets(model_env: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The values this node scrubs from trajectories and reports: the model variables a spec
    names and every variable whose name looks secret."""
    named = [environ[k] for k in model_env if environ.get(k)]
    return named + secret_values_from_env(environ)


def model_for(
    choice: ModelChoice, model_env: Sequence[str], environ: Mapping[str, str]
) -> Callable[[Any], Model | None]:
    """A fresh model per job: the oracle from the item's reference fix, none, or the chosen
    provider with the keys read (by the names in `model_env`) from this node's environment."""
    if choice.spec == ORACLE:
        return lambda item: build_oracle(oracle_patch(item))
    if choice.spec == NO_MODEL:
        return lambda item: None
    env = {k: environ[k] for k in model_env if k in environ}
    return lambda item: model_named(
        choice.spec, Settings(), base_url=choice.base_url, tool_protocol=choice.tool_protocol,
        env=env,
    )  # fmt: skip


def oracle_patch(item: Any) -> str:
    """The oracle's edit: a task's reference fix; for a SWE-bench instance the fix plus its
    tests (the reproduction test the submit gate asks for; grading drops them again)."""
    if isinstance(item, SwebenchInstance):
        fix = item.patch if item.patch.endswith("\n") else item.patch + "\n"
        return fix + item.test_patch
    return str(item.solution_patch.read_text(encoding="utf-8"))


def bench_options(spec: JobSpec, ctx: NodeContext) -> BenchOptions:
    """The in-process options of one job on this node."""

    def update(job: str, message: str) -> None:
        ctx.emit(JobEvent(job, "progress", message))

    def listeners(job: str) -> list[Callable[[dict[str, Any]], None]]:
        if not spec.forward_records:
            return []
        return [lambda record: ctx.emit(JobEvent(job, "record", record=record))]

    return BenchOptions(
        out=ctx.out,
        model_for=model_for(spec.model, spec.model_env, ctx.environ),  # type: ignore[arg-type]
        model_name=spec.model_name,
        host=ctx.host or node_host(ctx.environ, ctx.cache_dir),
        cache_dir=ctx.cache_dir,
        budget_defaults=dict(spec.budget_defaults),
        secrets=node_secrets(spec.model_env, ctx.environ),
        stop=ctx.stop,
        on_update=update,
        listeners_for=listeners,
    )


def solve(spec: JobSpec, ctx: NodeContext) -> TaskOutcome:
    """The job's outcome (its run folder is written under `ctx.out/runs`)."""
    opts = bench_options(spec, ctx)
    work = spec.work
    if isinstance(work, InstanceWork):
        repos = Path(work.repos)
        if work.prediction is not None:
            return evaluate_patch(work.instance, work.prediction, repos, opts)
        return solve_instance(work.instance, repos, opts)
    scratch = Path(tempfile.mkdtemp(prefix="devagent-job-"))
    try:
        unpack_folder(work.files, scratch / work.id)
        return run_task(load_task(scratch / work.id), opts)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def perform(spec: JobSpec, ctx: NodeContext) -> JobResult:
    """Run `spec` whole on this node; broken infrastructure is an `error` row, not a raise,
    so the other jobs go on."""
    started, started_at = time.monotonic(), time.time()
    ctx.emit(JobEvent(spec.id, "started", node=ctx.node, pid=os.getpid()))
    if ctx.stop.is_set():
        outcome = TaskOutcome(id=spec.id, status="error", reason=INTERRUPTED)
    else:
        try:
            outcome = solve(spec, ctx)
        except (DevagentError, SandboxError) as exc:
            outcome = TaskOutcome(id=spec.id, status="error", reason=f"{type(exc).__name__}: {exc}")
    worker = threading.current_thread().name.rpartition("_")[2]
    outcome = replace(
        outcome,
        wall_s=round(time.monotonic() - started, 2),
        model=spec.model_name,
        started_at=round(started_at, 3),
        worker=f"{ctx.node[:8]}:{os.getpid()}" if ctx.node else worker,
        node=platform.node(),
    )
    folder = ctx.out / "runs" / spec.id
    packed = pack_folder(folder) if ctx.pack else b""
    return JobResult(outcome.to_dict(), packed, ctx.node)
