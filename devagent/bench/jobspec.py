"""A bench job as plain, picklable data: what to run, the events it sends back, and its result.

Nothing here holds a thread event, a callback or a secret value: a spec names the environment
variables a node reads its model keys from, never their values, so a spec can cross machines.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from devagent.bench.swebench import SwebenchInstance

MODEL_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
)
"""The variables a node reads its model's keys and endpoints from (its own environment)."""


def pack_folder(root: Path) -> bytes:
    """`root`'s files as a gzip-compressed tar, paths relative to `root` (empty if absent)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
    return buffer.getvalue()


def unpack_folder(data: bytes, dest: Path) -> None:
    """Write `pack_folder`'s bytes under `dest` (created); members leaving `dest` are refused."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")


@dataclass(frozen=True)
class ModelChoice:
    """Which model a job's agent uses: `oracle` (the task's reference fix), `none` (a
    prediction is evaluated, no agent) or a provider spec built on the node."""

    spec: str
    base_url: str | None = None
    tool_protocol: str | None = None


@dataclass(frozen=True)
class TaskWork:
    """A bundled task, its folder carried as bytes (`pack_folder`)."""

    id: str
    files: bytes


@dataclass(frozen=True)
class InstanceWork:
    """A SWE-bench instance: solved by the agent, or `prediction` evaluated when given.
    `repos` is the mirrors' folder on the node (the same path on every node)."""

    instance: SwebenchInstance
    repos: str
    prediction: str | None = None

    @property
    def id(self) -> str:
        return self.instance.instance_id


@dataclass(frozen=True)
class JobSpec:
    """One bench job, whole: it runs on one node from workspace to grading."""

    work: TaskWork | InstanceWork
    model: ModelChoice
    model_name: str
    """The name results and reports show."""
    budget_defaults: dict[str, Any] = field(default_factory=dict)
    model_env: tuple[str, ...] = MODEL_ENV
    """Names of the environment variables the node reads model keys from (never values)."""
    forward_records: bool = False
    """Send every trajectory record back as an event (for `--events jsonl`)."""

    @property
    def id(self) -> str:
        return self.work.id


@dataclass(frozen=True)
class JobEvent:
    """What a running job tells the driver: `started` (with the node and process running
    it), `progress` (a short message) or `record` (a trajectory record)."""

    job: str
    kind: Literal["started", "progress", "record"]
    message: str = ""
    record: dict[str, Any] | None = None
    node: str = ""
    pid: int = 0


@dataclass(frozen=True)
class JobResult:
    """A finished job: its result row (`TaskOutcome.to_dict()`), its run folder as bytes
    (empty when it was written in place) and the node that ran it."""

    outcome: dict[str, Any]
    run_folder: bytes = b""
    node: str = ""
