"""One `devagent solve` run around the loop: memory in, trajectory and outputs out.

The CLI builds the collaborators (workspace, sandbox, model, tools) and calls `solve`; this
module owns what happens between: the redactor, the trajectory file, the report files, memory.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from devagent.agent.attempts import Attempts, TreeDiffing, run_attempts
from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.checks import CheckResult, unrunnable, unrunnable_reason
from devagent.agent.config import AgentConfig
from devagent.agent.hookrun import Hooks
from devagent.agent.loop import Agent
from devagent.agent.memory import MemoryStore, learned_facts
from devagent.agent.redact import Redactor
from devagent.agent.report import RunExtras, write_outputs
from devagent.agent.resume import ResumedAgent, ResumePoint
from devagent.agent.seams import AgentIO, WorkspaceLike
from devagent.agent.signals import held_signals
from devagent.agent.task import RunResult, Task
from devagent.agent.testfiles import patch_paths
from devagent.agent.trajectory import Listener, Trajectory
from devagent.llm.types import Model, Usage
from devagent.tools.base import Tool, ToolContext
from sandbox import Sandbox

STOPPED_AT_ONCE = "stopped at once (a second Ctrl-C or SIGTERM)"
"""The reason a run stopped by `KeyboardInterrupt` records."""


@dataclass
class SolveRequest:
    """Everything one run needs; the CLI fills it from flags, config and the issue."""

    task: Task
    model: Model
    tools: Mapping[str, Tool]
    sandbox: Sandbox
    workspace: WorkspaceLike
    out: Path
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    config: AgentConfig = field(default_factory=AgentConfig)
    secrets: Sequence[str] = ()
    """Values to redact everywhere: API keys, tokens, secret-looking env values."""
    stop: threading.Event = field(default_factory=threading.Event)
    memory: MemoryStore | None = None
    repo_key: str = ""
    """The name facts are remembered under (e.g. the repo's resolved path or remote URL)."""
    listeners: Sequence[Listener] = ()
    """Called with every trajectory record (e.g. the live view)."""
    cache_dir: Path | None = None
    """Where tools keep their caches (the repo map's tag index) for the whole run."""
    context: ToolContext | None = None
    """The run's one tool context (see `AgentIO.context`)."""
    hooks: Hooks = field(default_factory=Hooks)
    """The run's hooks (`devagent.agent.hookrun.build_hooks`)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Written first as a `meta` record: what `devagent replay` needs to rebuild the run's
    starting point (e.g. repo, base revision, image, tool names). Never put secrets here."""
    prechecks: Sequence[CheckResult] = ()
    """The goal checks as run once before the agent starts. One that cannot run (exit 126 or
    127) ends the run as an `error` before any model call; when the suite is the goal, its
    result is the loop's baseline (the suite is not run again)."""
    resume: ResumePoint | None = None
    """Go on from this earlier run (`solve --resume`): its trajectory is appended to (a
    `resume` record instead of `meta`), its context and spent budget carried over."""


def run_agent(request: SolveRequest) -> RunResult:
    """Run the agent on the task; write trajectory.jsonl, patch.diff (the agent's change, from
    the starting point), report.md, result.json, and dirty.diff (the person's carried-over
    changes, with --include-dirty).

    A run stopped at once (`KeyboardInterrupt`: a second Ctrl-C) still writes its files from
    what exists, the workspace's diff, with status `interrupted`, then re-raises. A file that
    cannot be written raises `OutputsLostError` after the others are written."""
    redactor = Redactor(request.secrets)
    task = request.task
    if request.memory is not None and request.repo_key:
        task = replace(task, memory={**request.memory.recall(request.repo_key), **task.memory})
    dirty = request.workspace.dirty_diff()
    resume = request.resume
    path = request.out / "trajectory.jsonl"
    with Trajectory(path, redactor, append=resume is not None) as trajectory:
        for listener in request.listeners:
            trajectory.subscribe(listener)
        if resume is None:
            trajectory.write({"type": "meta", "agent": "0", "step": 0, "meta": request.meta})
        else:
            trajectory.write(resume.record(request.meta))
        for check in request.prechecks:
            record = {"type": "check", "agent": "0", "step": 0, "phase": "precheck"}
            trajectory.write({**record, "result": check.to_dict()})
        broken = unrunnable(request.prechecks)
        if broken is None and request.config.attempts > 1 and resume is None:
            result = run_attempts(_attempts(request, task, trajectory))
        elif broken is None:
            agent = _agent(request, task, trajectory)
            try:
                result = agent.run(task)
            except KeyboardInterrupt:
                with held_signals():
                    result = agent.result_now("interrupted", STOPPED_AT_ONCE)
                    trajectory.close()
                    _write(request, task, result, trajectory, dirty)
                raise
        else:
            result = _cannot_start(request.prechecks, unrunnable_reason(broken), trajectory)
    result = _write(request, task, result, trajectory, dirty)
    if request.memory is not None and request.repo_key and broken is None:
        request.memory.remember(request.repo_key, learned_facts(task, result))
    return result


def _io(request: SolveRequest, trajectory: Trajectory) -> AgentIO:
    """The run's links: its patch and restore points are relative to the starting point."""
    return AgentIO(
        workspace=request.workspace.tree,
        patch_fn=partial(request.workspace.diff, since_start=True),
        restore_fn=partial(request.workspace.reset_to, since_start=True),
        trajectory=trajectory,
        stop=request.stop,
        cache_dir=request.cache_dir,
        context=request.context,
        hooks=request.hooks,
    )


def _agent(request: SolveRequest, task: Task, trajectory: Trajectory) -> Agent:
    """The one agent of a run of one attempt (or of a resumed run)."""
    make = Agent if request.resume is None else partial(ResumedAgent, request.resume)
    agent = make(
        request.model,
        request.tools,
        request.sandbox,
        Budget(request.budget),
        io=_io(request, trajectory),
        config=request.config,
    )
    if request.prechecks and not task.checks:  # the suite is the goal: its run before any change
        agent.baseline = request.prechecks[0]
    return agent


def _cannot_start(
    prechecks: Sequence[CheckResult], reason: str, trajectory: Trajectory
) -> RunResult:
    """The run that ends before the agent starts: a goal check cannot run (an environment
    fault, never the code's); no model call is made."""
    result = RunResult(
        status="error",
        patch="",
        checks=list(prechecks),
        steps=0,
        usage=Usage(),
        cost_usd=0.0,
        duration_s=sum(c.duration_s for c in prechecks),
        trajectory_path=trajectory.path,
        reason=reason,
    )
    trajectory.write({"type": "end", "agent": "0", "step": 0, **result.to_dict(), "patch": ""})
    return result


def _write(
    request: SolveRequest, task: Task, result: RunResult, trajectory: Trajectory, dirty: str
) -> RunResult:
    """The result files, written whole (a Ctrl-C now would only tear them); the result with
    the person's carried-over paths."""
    result = replace(result, dirty_paths=tuple(patch_paths(dirty)))
    lost = {"trajectory.jsonl": trajectory.lost} if trajectory.lost else {}
    with held_signals():
        extras = RunExtras(dirty=dirty, meta=request.meta, lost=lost)
        write_outputs(request.out, task, result, trajectory.redactor, extras)
    return result


def _attempts(request: SolveRequest, task: Task, trajectory: Trajectory) -> Attempts:
    """Parallel attempts (`--attempts N`); their patches, like the agent's, are relative to the
    starting point (`Workspace.diff_of`)."""
    ws = request.workspace
    suite_is_goal = request.prechecks and not task.checks
    return Attempts(
        task=task,
        model=request.model,
        tools=dict(request.tools),
        sandbox=request.sandbox,
        budget=Budget(request.budget),
        io=_io(request, trajectory),
        config=request.config,
        diff_of=ws.diff_of if isinstance(ws, TreeDiffing) else None,
        baseline=request.prechecks[0] if suite_is_goal else None,
    )


def exit_code(result: RunResult) -> int:
    """0 solved; 1 not solved (unsolved, budget exhausted, interrupted, stuck); 2 the run broke
    on its environment (model, sandbox: status `error`)."""
    if result.status == "error":
        return 2
    return 0 if result.solved else 1
