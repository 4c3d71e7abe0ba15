"""One solve (`devagent ci`'s) as plain data, run whole on another node: the repository travels
as a git bundle, the outcome and the run folder come back; delivery stays with the caller."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devagent.agent import AgentConfig
from devagent.bench.gitrepo import git
from devagent.bench.jobspec import MODEL_ENV, JobEvent, ModelChoice, pack_folder
from devagent.bench.node import NodeContext, model_for, node_host, node_secrets
from devagent.pipeline import SolveOptions, SolveOutcome, run_pipeline
from sandbox.envspec import EnvironmentSpec

SOLVE_JOB = "solve"
"""The job id a remote solve's events carry."""


def bundle_repo(repo: Path) -> bytes:
    """`repo`'s HEAD and its history as a git bundle (what a node clones from)."""
    scratch = Path(tempfile.mkdtemp(prefix="devagent-bundle-"))
    try:
        git(repo, "bundle", "create", "-q", str(scratch / "repo.bundle"), "HEAD")
        return (scratch / "repo.bundle").read_bytes()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class SolveSpec:
    """A solve's inputs, settings resolved by the caller; no secret value (keys are read on
    the node by the names in `model_env`)."""

    issue: str
    bundle: bytes
    """The repository (`bundle_repo`)."""
    base: str
    """The commit the run starts from (in the bundle)."""
    model: ModelChoice
    checks: tuple[str, ...] = ()
    test_command: str | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    budget_defaults: dict[str, Any] = field(default_factory=dict)
    agent: dict[str, Any] = field(default_factory=dict)
    """`AgentConfig` fields."""
    image: str | None = None
    environment: dict[str, Any] | None = None
    """`EnvironmentSpec` fields (the repository's [environment])."""
    network: bool = False
    model_env: tuple[str, ...] = MODEL_ENV

    @property
    def id(self) -> str:
        return SOLVE_JOB


@dataclass(frozen=True)
class SolveReturn:
    """What comes back: the outcome (its `out` and trajectory path are the caller's to set)
    and the run folder as bytes."""

    outcome: SolveOutcome
    run_folder: bytes


def solve_options(spec: SolveSpec, repo: Path, ctx: NodeContext) -> SolveOptions:
    """The pipeline's options on this node, its model and secrets from the node's environment."""
    environment = EnvironmentSpec.model_validate(spec.environment) if spec.environment else None
    return SolveOptions(
        issue=spec.issue,
        repo=repo,
        out=ctx.out / "run",
        model=model_for(spec.model, spec.model_env, ctx.environ)(None),  # type: ignore[arg-type]
        checks=spec.checks,
        test_command=spec.test_command,
        budget=dict(spec.budget),
        budget_defaults=dict(spec.budget_defaults),
        agent=AgentConfig.model_validate(spec.agent),
        image=spec.image,
        environment=environment,
        network=spec.network,
        base=spec.base,
        secrets=node_secrets(spec.model_env, ctx.environ),
        stop=ctx.stop,
        cache_dir=ctx.cache_dir,
        host=ctx.host or node_host(ctx.environ, ctx.cache_dir),
        on_progress=lambda message: ctx.emit(JobEvent(SOLVE_JOB, "progress", message)),
    )


def solve_here(spec: SolveSpec, ctx: NodeContext) -> SolveReturn:
    """Clone the bundle, run the whole solve here, and pack its run folder."""
    ctx.emit(JobEvent(SOLVE_JOB, "started", node=ctx.node, pid=os.getpid()))
    (ctx.out / "repo.bundle").write_bytes(spec.bundle)
    git(ctx.out, "clone", "-q", str(ctx.out / "repo.bundle"), "repo")
    outcome = run_pipeline(solve_options(spec, ctx.out / "repo", ctx))
    kept = replace(outcome, out=None, result=replace(outcome.result, trajectory_path=None))
    return SolveReturn(kept, pack_folder(ctx.out / "run"))
