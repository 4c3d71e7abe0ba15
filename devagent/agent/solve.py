"""One `devagent solve` run around the loop: memory in, trajectory and outputs out.

The CLI builds the collaborators (workspace, sandbox, model, tools) and calls `solve`; this
module owns what happens between: the redactor, the trajectory file, the report files, memory.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devagent.agent.attempts import Attempts, TreeDiffing, run_attempts
from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.agent.loop import Agent
from devagent.agent.memory import MemoryStore, learned_facts
from devagent.agent.redact import Redactor
from devagent.agent.report import write_outputs
from devagent.agent.seams import AgentIO, WorkspaceLike
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import Listener, Trajectory
from devagent.llm.types import Model
from devagent.tools.base import Tool, ToolContext
from sandbox import Sandbox


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
    meta: dict[str, Any] = field(default_factory=dict)
    """Written first as a `meta` record: what `devagent replay` needs to rebuild the run's
    starting point (e.g. repo, base revision, image, tool names). Never put secrets here."""


def run_agent(request: SolveRequest) -> RunResult:
    """Run the agent on the task; write trajectory.jsonl, patch.diff, report.md, result.json."""
    redactor = Redactor(request.secrets)
    task = request.task
    if request.memory is not None and request.repo_key:
        task = replace(task, memory={**request.memory.recall(request.repo_key), **task.memory})
    with Trajectory(request.out / "trajectory.jsonl", redactor) as trajectory:
        for listener in request.listeners:
            trajectory.subscribe(listener)
        trajectory.write({"type": "meta", "agent": "0", "step": 0, "meta": request.meta})
        io = AgentIO(
            workspace=request.workspace.tree,
            patch_fn=request.workspace.diff,
            restore_fn=request.workspace.reset_to,
            trajectory=trajectory,
            stop=request.stop,
            cache_dir=request.cache_dir,
            context=request.context,
        )
        if request.config.attempts > 1:
            result = run_attempts(_attempts(request, task, io))
        else:
            agent = Agent(
                request.model,
                request.tools,
                request.sandbox,
                Budget(request.budget),
                io=io,
                config=request.config,
            )
            result = agent.run(task)
    write_outputs(request.out, task, result, redactor)
    if request.memory is not None and request.repo_key:
        request.memory.remember(request.repo_key, learned_facts(task, result))
    return result


def _attempts(request: SolveRequest, task: Task, io: AgentIO) -> Attempts:
    ws = request.workspace
    return Attempts(
        task=task,
        model=request.model,
        tools=dict(request.tools),
        sandbox=request.sandbox,
        budget=Budget(request.budget),
        io=io,
        config=request.config,
        diff_of=ws.diff_of if isinstance(ws, TreeDiffing) else None,
    )


def exit_code(result: RunResult) -> int:
    """0 solved; 1 not solved (unsolved, budget exhausted, interrupted, stuck); 2 the run broke
    on its environment (model, sandbox: status `error`)."""
    if result.status == "error":
        return 2
    return 0 if result.solved else 1
