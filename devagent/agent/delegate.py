"""The `delegate` tool: hand a sub-goal to child agents and keep the best of their work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devagent.agent.checks import CheckResult, score
from devagent.agent.prompts import render
from devagent.agent.text import trim
from devagent.tools.base import Observation, Tool, ToolContext
from sandbox import Sandbox

MAX_SHARE = 0.9


@dataclass(frozen=True)
class ChildOutcome:
    """What a finished sub-agent hands back to its parent."""

    label: str
    status: str
    reason: str
    steps: int
    summary: str
    patch: str
    checks: list[CheckResult] = field(default_factory=list)

    def rank(self) -> tuple[tuple[int, int], bool]:
        return (score(self.checks), self.status == "solved")


Spawn = Callable[[str, float, Sandbox | None], ChildOutcome]
"""Run a child on `goal` with `share` of the budget, on the given fork (None: same sandbox)."""


@dataclass(frozen=True)
class Delegation:
    """The parent's hooks a delegation needs."""

    spawn: Spawn
    fork: Callable[[], Sandbox]
    adopt: Callable[[str], None] | None
    """Put a chosen child's patch into the parent's workspace (None: cannot adopt)."""
    attempts: int = 2


def best_outcome(outcomes: list[ChildOutcome]) -> ChildOutcome:
    """The attempt whose checks did best (solved breaks ties; earlier wins a full tie)."""
    return max(outcomes, key=lambda o: o.rank())


def _describe(outcomes: list[ChildOutcome], kept: ChildOutcome | None) -> str:
    children = [
        {
            "label": o.label,
            "status": o.status,
            "reason": o.reason,
            "steps": o.steps,
            "checks": o.checks,
            "passed": sum(c.passed for c in o.checks),
            "summary": o.summary,
            "kept": o is kept,
            "patch": trim(o.patch, 4000) if o is kept else "",
        }
        for o in outcomes
    ]
    return render("delegate_result.j2", children=children)


def _run_parallel(hooks: Delegation, goal: str, share: float) -> Observation:
    if hooks.adopt is None:
        return Observation.failure(render("delegate_refused.j2", reason="cannot adopt patches"))
    outcomes = []
    for _ in range(hooks.attempts):
        try:
            fork = hooks.fork()
        except NotImplementedError:
            reason = "this sandbox cannot fork; delegate with parallel=false"
            return Observation.failure(render("delegate_refused.j2", reason=reason))
        try:
            outcomes.append(hooks.spawn(goal, share / hooks.attempts, fork))
        finally:
            fork.close()
    kept = best_outcome(outcomes)
    hooks.adopt(kept.patch)
    return Observation(_describe(outcomes, kept), data={"kept": kept.label})


def delegate_tool(hooks: Delegation) -> Tool:
    """A `Tool` running a sub-agent (or several on forks, keeping the best by its checks)."""

    def run(args: dict[str, Any], ctx: ToolContext) -> Observation:
        del ctx
        goal = str(args.get("goal", "")).strip()
        share = float(args.get("budget_share", 0.3))
        if not goal or not 0 < share <= MAX_SHARE:
            reason = f"need a non-empty goal and 0 < budget_share <= {MAX_SHARE}"
            return Observation.failure(render("delegate_refused.j2", reason=reason))
        if args.get("parallel"):
            return _run_parallel(hooks, goal, share)
        outcome = hooks.spawn(goal, share, None)
        return Observation(_describe([outcome], outcome), data={"kept": outcome.label})

    return Tool(
        name="delegate",
        description=(
            "Hand a self-contained sub-goal to a sub-agent with a fresh context and a share of "
            "your remaining budget. It works in the same sandbox and returns a summary and its "
            f"patch. With parallel=true, {hooks.attempts} attempts run on forks of the sandbox "
            "and the one whose goal checks do best is kept."
        ),
        parameters={
            "type": "object",
            "properties": {
                "goal": {"type": "string", "description": "The sub-goal, self-contained."},
                "budget_share": {
                    "type": "number",
                    "description": f"Share of your remaining budget (0 < x <= {MAX_SHARE}).",
                },
                "parallel": {"type": "boolean", "description": "Independent attempts on forks."},
            },
            "required": ["goal", "budget_share"],
        },
        fn=run,
    )
