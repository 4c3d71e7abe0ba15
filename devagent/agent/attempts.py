"""Parallel attempts (`solve --attempts N`): N agents at once on forks of the sandbox, one kept.

Each attempt is a root agent (label '0.a1', '0.a2'...) on its own fork: its own container and
its own copy of the work tree, its own model instance (`attempt_model`), 1/N of the run's steps,
tokens and USD, and the run's wall time shared. When all have ended, the harness runs the goal
checks on each attempt's final tree; `choose` keeps the one whose checks pass (ties: the smaller
patch, then fewer steps), its patch becomes the run's workspace, and an `attempts` record in the
trajectory names it: what `devagent replay` reproduces (`replay.load_recording`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

from devagent.agent.budget import Budget
from devagent.agent.checks import CheckResult, all_passed, run_checks, score
from devagent.agent.config import AgentConfig
from devagent.agent.loop import Agent
from devagent.agent.seams import AgentIO, host_workspace
from devagent.agent.signals import commands_stopped_by
from devagent.agent.task import RunResult, Task
from devagent.errors import DevagentError
from devagent.llm.types import Model
from devagent.tools.base import Tool
from sandbox import Sandbox, SandboxError

LABEL = "0.a{}"
"""Attempt i's agent label (1-based), e.g. '0.a2'; its sub-agents are '0.a2.1'..."""


class AttemptsError(DevagentError):
    """Parallel attempts cannot run here (the sandbox cannot fork)."""


@runtime_checkable
class AttemptModel(Protocol):
    """A model that keeps state between calls (a script's position) and so gives each attempt
    its own instance."""

    def for_attempt(self, index: int) -> Model: ...


@runtime_checkable
class TreeDiffing(Protocol):
    """A workspace that makes the patch of a fork's copy of its tree against its starting point
    (`Workspace.diff_of`)."""

    def diff_of(self, tree: Path) -> str: ...


class ForkingSandbox(Protocol):
    """A sandbox whose one snapshot several forks start from (`DockerSandbox`)."""

    def snapshot(self) -> str: ...

    def fork(self, snapshot_id: str | None = None) -> Sandbox: ...


def attempt_model(model: Model, index: int) -> Model:
    """The model attempt `index` (0-based) talks to: its own instance when the model has state
    (`ScriptedModel`, `ReplayModel`), else `model` itself: a provider model keeps nothing
    between calls and its SDK client may be shared between threads."""
    return model.for_attempt(index) if isinstance(model, AttemptModel) else model


@dataclass(frozen=True)
class AttemptOutcome:
    """One finished attempt: its run, the harness's checks on its final tree, its sandbox's
    time span (epoch seconds: started once the fork was up, ended before it was removed)."""

    index: int
    result: RunResult
    checks: list[CheckResult]
    passed: bool
    started: float = 0.0
    ended: float = 0.0

    @property
    def label(self) -> str:
        return LABEL.format(self.index + 1)

    @property
    def patch_bytes(self) -> int:
        return len(self.result.patch.encode())

    def to_dict(self, *, chosen: bool = False) -> dict[str, Any]:
        """The attempt in result.json (and the `attempts` trajectory record)."""
        r = self.result
        return {
            "label": self.label,
            "chosen": chosen,
            "status": r.status,
            "reason": r.reason,
            "passed": self.passed,
            "steps": r.steps,
            "tokens": r.usage.total_tokens,
            "cost_usd": round(r.cost_usd, 6),
            "patch_bytes": self.patch_bytes,
            "patch_lines": len(r.patch.splitlines()),
            "checks": [{"command": c.command, "passed": c.passed} for c in self.checks],
            "started": round(self.started, 3),
            "ended": round(self.ended, 3),
        }


def selection_key(outcome: AttemptOutcome) -> tuple[bool, int, int, int, int, int]:
    """Smaller is better: checks passing, then more passing checks and fewer failing tests,
    then the smaller patch, then fewer steps, then the earlier attempt."""
    passing, failing = score(outcome.checks)
    return (
        not outcome.passed,
        -passing,
        -failing,
        outcome.patch_bytes,
        outcome.result.steps,
        outcome.index,
    )


def choose(outcomes: Sequence[AttemptOutcome]) -> AttemptOutcome:
    """The attempt to keep (see `selection_key`)."""
    return min(outcomes, key=selection_key)


@dataclass
class Attempts:
    """What the attempts of one run share; `run_attempts` runs them."""

    task: Task
    model: Model
    tools: dict[str, Tool]
    sandbox: Sandbox
    """The run's sandbox: snapshotted once; every attempt forks from that snapshot."""
    budget: Budget
    """The run's budget: each attempt's is carved from it and charges it."""
    io: AgentIO
    """The run's: its trajectory, stop event and caches; `restore_fn` adopts the kept patch."""
    config: AgentConfig
    diff_of: Callable[[Path], str] | None = None
    """The patch of a fork's work tree against the starting point, made on the host
    (`Workspace.diff_of`); None: git inside the fork (`io.fork_patch_fn`)."""
    baseline: CheckResult | None = None
    """The suite's run before any change, when the suite is the goal (each attempt's baseline;
    None: each attempt runs it in its fork when it needs it)."""


def run_attempts(run: Attempts) -> RunResult:
    """Run `config.attempts` attempts (at once unless `config.attempts_in_parallel` is off),
    keep the best (`choose`) and return its result with the whole run's spend and every
    attempt listed in `RunResult.attempts`."""
    count = run.config.attempts
    started = time.monotonic()
    try:
        snapshot = run.sandbox.snapshot()
    except NotImplementedError as exc:
        raise AttemptsError(f"--attempts needs a sandbox that can fork: {exc}") from exc
    budgets = [run.budget.carve(1 / count, share_time=False) for _ in range(count)]
    _record_start(run, snapshot)
    workers = count if run.config.attempts_in_parallel else 1
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="devagent-attempt") as pool:
        futures = [pool.submit(_attempt, run, i, snapshot, budgets[i]) for i in range(count)]
        try:
            outcomes = [future.result() for future in futures]
        except BaseException:  # a second Ctrl-C, or a bug in one attempt: the others stop too
            run.io.stop.set()
            raise
    kept = choose(outcomes)
    if run.io.restore_fn is not None:
        run.io.restore_fn(kept.result.patch)
    return _combined(run, outcomes, kept, time.monotonic() - started)


def _record_start(run: Attempts, snapshot: str) -> None:
    """The run's own `start` record (the whole budget; what the live view and the event
    stream announce), then the `attempts` record; each attempt then records its own start."""
    trajectory = run.io.trajectory
    trajectory.write(
        {"type": "start", "agent": "0", "step": 0, "task": run.task.to_dict(),
         "model": run.model.name, "tools": list(run.tools),
         "budget": run.budget.config.model_dump(), "config": run.config.model_dump()}
    )  # fmt: skip
    count = run.config.attempts
    trajectory.write(
        {"type": "attempts", "agent": "0", "step": 0, "count": count, "snapshot": snapshot}
    )


def _attempt(run: Attempts, index: int, snapshot: str, budget: Budget) -> AttemptOutcome:
    fork = cast(ForkingSandbox, run.sandbox).fork(snapshot)
    started = time.time()
    try:
        tree = host_workspace(fork, run.io.workspace)
        patch_fn: Callable[[], str] = partial(run.io.fork_patch_fn, fork)
        if run.diff_of is not None and tree != run.io.workspace:  # the fork's own copy
            patch_fn = partial(run.diff_of, tree)
        io = AgentIO(
            workspace=tree,
            patch_fn=patch_fn,
            restore_fn=None,
            fork_patch_fn=run.io.fork_patch_fn,
            trajectory=run.io.trajectory,
            stop=run.io.stop,
            cache_dir=run.io.cache_dir,
            hooks=run.io.hooks,
        )
        agent = Agent(attempt_model(run.model, index), run.tools, fork, budget, io=io,
                      config=run.config)  # fmt: skip
        agent.root_label = LABEL.format(index + 1)
        agent.baseline = run.baseline
        try:
            with commands_stopped_by(run.io.stop, lambda: fork):  # Ctrl-C stops its command
                result = agent.run(run.task)
            checks, passed = _harness_checks(run, agent, fork, result, patch_fn)
        except OSError as exc:  # this fork's link to its container broke: the others go on
            result = agent.result_now("error", f"the attempt's sandbox broke: {exc}")
            checks, passed = result.checks, False
        return AttemptOutcome(index, result, checks, passed, started, time.time())
    finally:
        fork.close()


def _harness_checks(
    run: Attempts, agent: Agent, fork: Sandbox, result: RunResult, patch_fn: Callable[[], str]
) -> tuple[list[CheckResult], bool]:
    """The goal checks the harness ran on the attempt's final tree, and whether they pass.

    A solved attempt's checks were just run by the harness on that very tree (`submit`); they
    stand. Other attempts whose tree holds their final patch get the checks run now. When the
    goal is the suite (judged against its baseline), or the tree no longer holds the final
    patch (a better earlier one was kept), the attempt's own last checks of that patch stand."""
    if result.status == "solved" or not run.task.checks or run.io.stop.is_set():
        return result.checks, result.status == "solved"
    try:
        holds_patch = result.status != "error" and patch_fn() == result.patch
    except (DevagentError, SandboxError):
        holds_patch = False
    if not holds_patch:
        return result.checks, False
    try:
        checks = run_checks(fork, run.task.checks, timeout=run.config.check_timeout)
    except SandboxError:
        return result.checks, False
    for check in checks:
        agent.io.trajectory.write(
            {"type": "check", "agent": agent.label, "step": result.steps, "phase": "harness",
             "result": check.to_dict()}
        )  # fmt: skip
    return checks, all_passed(checks)


def _combined(
    run: Attempts, outcomes: list[AttemptOutcome], kept: AttemptOutcome, duration_s: float
) -> RunResult:
    """The run's result: the kept attempt's, with the spend of all attempts."""
    listed = [o.to_dict(chosen=o is kept) for o in outcomes]
    result = replace(
        kept.result,
        checks=kept.checks,
        reason=f"attempt {kept.label} of {len(outcomes)} kept: {kept.result.reason}",
        steps=run.budget.steps,
        usage=run.budget.usage,
        cost_usd=run.budget.usd,
        duration_s=duration_s,
        budget=run.budget.snapshot(),
        trajectory_path=run.io.trajectory.path,
        attempts=listed,
    )
    trajectory = run.io.trajectory
    trajectory.write({"type": "attempts", "agent": "0", "step": result.steps,
                      "chosen": kept.label, "attempts": listed})  # fmt: skip
    trajectory.write(
        {"type": "end", "agent": "0", "step": result.steps, **result.to_dict(),
         "patch": result.patch}
    )  # fmt: skip
    return result


def report_section(attempts: list[dict[str, Any]]) -> list[str]:
    """report.md's lines on parallel attempts (none for a run of one attempt)."""
    if not attempts:
        return []
    lines = [
        "## Attempts",
        "",
        "| attempt | kept | status | checks | steps | patch lines | sandbox time |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in attempts:
        passed = sum(c["passed"] for c in a["checks"])
        lines.append(
            f"| {a['label']} | {'yes' if a['chosen'] else ''} | {a['status']} "
            f"| {passed}/{len(a['checks'])} {'pass' if a['passed'] else 'fail'} | {a['steps']} "
            f"| {a['patch_lines']} | {a['ended'] - a['started']:.1f}s |"
        )
    return [*lines, ""]
