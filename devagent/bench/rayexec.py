"""Bench jobs as Ray tasks: each whole job on one node holding a `devagent_sandbox` slot.

`ray` is imported when a run uses this executor, never by the CLI's other paths. The driver
needs no Docker: every node builds its images, runs its sandbox and sends the job's row and run
folder back as bytes. Events travel through a queue actor pinned to the driver's node. The
tasks' runtime environment holds `DEVAGENT_REGISTRY` at most: model keys are read on the node,
by the names the spec carries.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from devagent.bench.executor import OnEvent
from devagent.bench.jobspec import JobEvent, JobResult, JobSpec
from devagent.bench.node import INTERRUPTED, NodeContext, node_host, perform
from devagent.bench.report import TaskOutcome
from devagent.cluster.token import new_token, ray_auth_env, write_token
from devagent.errors import DevagentError
from sandbox.hostconfig import HostIndexConfig

log = logging.getLogger(__name__)

SLOT = "devagent_sandbox"
"""The custom resource a node advertises: how many sandboxes it holds. Each job takes one."""
REGISTRY_ENV = "DEVAGENT_REGISTRY"
R = TypeVar("R")
WAIT_S = 0.25
"""How often the driver looks at the events and the stop flag while jobs run."""


class RayExecutorError(DevagentError):
    """Ray is missing, or the cluster cannot be reached."""

    hint = "pip install 'devagent[ray]' (or 'ray[default]>=2.40'); check --address"


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
    token_file: Path | None = None
    """The cluster's token (`devagent cluster up`/`join` write it), for an `address`."""


def use_token(config: RayConfig, environ: dict[str, str] | os._Environ[str]) -> Path | None:
    """Token authentication for the driver: the cluster's token file for an address, a fresh
    token of this run's own for Ray started on this machine. Ray reads the mode when it is
    imported, so this runs before; an operator's own RAY_AUTH_MODE is left as it is."""
    if "RAY_AUTH_MODE" in environ or "ray" in sys.modules:
        return None
    if config.address:
        token = config.token_file if config.token_file and config.token_file.exists() else None
    else:
        token = write_token(Path(tempfile.mkdtemp(prefix="devagent-ray-")) / "token", new_token())
    if token is not None:
        environ.update(ray_auth_env(token))
    return token


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RayExecutorError("--executor ray needs the `ray` package") from exc
    return ray


@functools.cache
def node_cache_dir() -> Path | None:
    """The cache of the node this runs on (its environment and the person's config there)."""
    from devagent.config import load_settings

    return load_settings({}, None).cache_dir


@functools.cache
def this_node_host() -> HostIndexConfig:
    """The node's package indexes, read once per worker process."""
    return node_host(os.environ, node_cache_dir())


def on_node(work: Callable[[Any, NodeContext], R], spec: Any, events: Any) -> R:
    """The Ray task: `work(spec, ctx)` in a scratch folder on this node, which is removed after
    (what comes back is packed by `work`)."""
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
            node=node, host=this_node_host(),
        )  # fmt: skip
        return work(spec, ctx)
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
        for spec, value in self.results(perform, specs, on_event, stop):
            yield value if isinstance(value, JobResult) else error_result(spec, value)

    def call(
        self, work: Callable[[Any, NodeContext], R], spec: Any, on_event: OnEvent,
        stop: threading.Event,
    ) -> R:  # fmt: skip
        """`work(spec, ctx)` as one task on a node (`devagent ci`'s solve); what Ray gave up
        on is a `RayExecutorError`."""
        ((_, value),) = list(self.results(work, [spec], on_event, stop))
        if isinstance(value, BaseException):
            raise RayExecutorError(f"the job did not come back: {describe(value)}") from value
        return cast(R, value)

    def results(
        self, work: Callable[[Any, NodeContext], Any], specs: Sequence[Any], on_event: OnEvent,
        stop: threading.Event,
    ) -> Iterator[tuple[Any, Any]]:  # fmt: skip
        """(spec, its value or the Ray error it ended with), as the tasks end; a set `stop`
        cancels the tasks."""
        use_token(self.config, os.environ)
        ray = import_ray()
        self.connect(ray)
        events = event_queue(ray)
        task = ray.remote(on_node).options(**self.task_options())
        refs = {task.remote(work, spec, events): spec for spec in specs}
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
                    yield refs.pop(ref), fetch(ray, ref)
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


def fetch(ray: Any, ref: Any) -> Any:
    """The task's value, or the Ray error it ended with (cancelled, its node dead after every
    retry, its process killed)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:
        return exc


def describe(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}".rstrip(": ")


def error_result(spec: JobSpec, exc: BaseException) -> JobResult:
    """A job Ray gave up on, as an `error` row (a cancelled one is not written: --resume runs
    it again)."""
    cancelled = type(exc).__name__ == "TaskCancelledError"
    reason = INTERRUPTED if cancelled else describe(exc)
    outcome = TaskOutcome(id=spec.id, status="error", reason=reason, model=spec.model_name)
    return JobResult(outcome.to_dict())
