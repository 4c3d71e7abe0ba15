"""Bench jobs as Ray tasks: each whole job on one node holding a `devagent_sandbox` slot.

`ray` is imported when a run uses this executor, never by the CLI's other paths. The driver
needs no Docker: every node builds its images, runs its sandbox and sends the job's row and run
folder back as bytes. Events travel through a queue actor pinned to the driver's node. The
tasks' runtime environment holds `DEVAGENT_REGISTRY` at most: model keys are read on the node,
by the names the spec carries.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from devagent.bench.executor import OnEvent
from devagent.bench.jobspec import JobEvent, JobResult, JobSpec
from devagent.bench.node import INTERRUPTED, NodeContext, perform
from devagent.bench.report import TaskOutcome
from devagent.errors import DevagentError

log = logging.getLogger(__name__)

SLOT = "devagent_sandbox"
"""The custom resource a node advertises: how many sandboxes it holds. Each job takes one."""
REGISTRY_ENV = "DEVAGENT_REGISTRY"
WAIT_S = 0.25
"""How often the driver looks at the events and the stop flag while jobs run."""


class RayExecutorError(DevagentError):
    """Ray is missing, or the cluster cannot be reached."""

    hint = "pip install 'ray[default]>=2.40'; start a cluster with `devagent cluster up`"


class RayConfig(BaseModel):
    """Where and how bench jobs run on Ray."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    address: str | None = None
    """The cluster (`HOST:PORT`, `auto`, `ray://…`); None starts Ray on this machine."""
    max_retries: int = 3
    """Times a job is run again when its node or worker process dies."""
    registry: str | None = None
    """`HOST:PORT` of the image registry the nodes share (sent as DEVAGENT_REGISTRY)."""
    local_slots: int = 1
    """Sandboxes of the one-machine cluster started when no address is given."""
    object_store_mb: int = 100
    """Object store of that one-machine cluster (the results are small)."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RayExecutorError("--executor ray needs the `ray` package") from exc
    return ray


def node_cache_dir() -> Path | None:
    """The cache of the node this runs on (its environment and the person's config there)."""
    from devagent.config import load_settings

    return load_settings({}, None).cache_dir


def run_on_node(spec: JobSpec, events: Any) -> JobResult:
    """The Ray task: `perform` in a scratch folder on this node, the run folder packed."""
    import ray

    node = ray.get_runtime_context().get_node_id()

    def emit(event: JobEvent) -> None:
        try:
            events.put(replace(event, node=node) if event.kind == "started" else event)
        except Exception as exc:  # the driver is gone or slow: the job goes on
            log.debug("event not delivered: %s", exc)

    scratch = Path(tempfile.mkdtemp(prefix="devagent-node-"))
    try:
        ctx = NodeContext(
            out=scratch, emit=emit, environ=os.environ, cache_dir=node_cache_dir(), pack=True,
            node=node,
        )  # fmt: skip
        return perform(spec, ctx)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class RayExecutor:
    """Runs each job as a Ray task needing one `devagent_sandbox` slot and no CPU."""

    def __init__(self, config: RayConfig) -> None:
        self.config = config

    def task_options(self) -> dict[str, Any]:
        """What every job's task asks Ray for (resources, retries, runtime environment)."""
        options: dict[str, Any] = {
            "num_cpus": 0,
            "resources": {SLOT: 1},
            "max_retries": self.config.max_retries,
            "retry_exceptions": False,
        }
        if self.config.registry:
            options["runtime_env"] = {"env_vars": {REGISTRY_ENV: self.config.registry}}
        return options

    def connect(self, ray: Any) -> None:
        """Join the cluster at `address` (or start one on this machine); quiet, no dashboard."""
        if ray.is_initialized():
            return
        quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
        try:
            if self.config.address:
                ray.init(address=self.config.address, **quiet)
            else:
                ray.init(
                    num_cpus=1,
                    resources={SLOT: self.config.local_slots},
                    include_dashboard=False,
                    object_store_memory=self.config.object_store_mb * 1024 * 1024,
                    **quiet,
                )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RayExecutorError(f"cannot reach the Ray cluster: {exc}") from exc

    def run(
        self, specs: Sequence[JobSpec], on_event: OnEvent, stop: threading.Event
    ) -> Iterator[JobResult]:
        ray = import_ray()
        self.connect(ray)
        events = event_queue(ray)
        task = ray.remote(run_on_node).options(**self.task_options())
        refs = {task.remote(spec, events): spec for spec in specs}
        cancelled = False
        try:
            while refs:
                if stop.is_set() and not cancelled:
                    for ref in refs:
                        ray.cancel(ref)
                    cancelled = True
                ready, _ = ray.wait(list(refs), num_returns=1, timeout=WAIT_S)
                drain(events, on_event)
                for ref in ready:
                    yield collect(ray, ref, refs.pop(ref))
            drain(events, on_event)
        finally:
            ray.kill(events.actor)


def event_queue(ray: Any) -> Any:
    """A queue actor on the driver's node (a job's node may die; the driver's may not)."""
    from ray.util.queue import Queue
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    strategy = NodeAffinitySchedulingStrategy(node_id=here, soft=False)
    return Queue(actor_options={"num_cpus": 0, "scheduling_strategy": strategy})


def drain(events: Any, on_event: OnEvent) -> None:
    while True:
        batch = events.get_nowait_batch(len(events)) if len(events) else []
        if not batch:
            return
        for event in batch:
            on_event(event)


def collect(ray: Any, ref: Any, spec: JobSpec) -> JobResult:
    """The job's result; a job Ray gave up on (cancelled, its node dead after every retry) is
    an `error` row."""
    try:
        result: JobResult = ray.get(ref)
        return result
    except ray.exceptions.TaskCancelledError:
        reason = INTERRUPTED  # not written: --resume runs it again
    except ray.exceptions.RayError as exc:
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    outcome = TaskOutcome(id=spec.id, status="error", reason=reason, model=spec.model_name)
    return JobResult(outcome.to_dict())
