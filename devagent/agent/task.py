"""What one run is asked to do (`Task`) and what it ended with (`RunResult`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devagent.agent.checks import CheckResult
from devagent.llm.types import Usage

STATUSES = ("solved", "unsolved", "budget_exhausted", "error", "interrupted", "stuck")


@dataclass(frozen=True)
class Task:
    """The issue and the goal: explicit `checks`, else the `test_command` plus a repro test."""

    issue: str
    checks: tuple[str, ...] = ()
    test_command: str | None = None
    repo_map: str = ""
    memory: dict[str, str] = field(default_factory=dict)
    """Facts earlier runs learned about this repository (shown in the system prompt)."""

    def goal_checks(self) -> tuple[str, ...]:
        if self.checks:
            return self.checks
        return (self.test_command,) if self.test_command else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue": self.issue,
            "checks": list(self.checks),
            "test_command": self.test_command,
            "repo_map": self.repo_map,
            "memory": dict(self.memory),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        return cls(
            issue=data["issue"],
            checks=tuple(data.get("checks") or ()),
            test_command=data.get("test_command"),
            repo_map=data.get("repo_map") or "",
            memory=dict(data.get("memory") or {}),
        )


@dataclass(frozen=True)
class RunResult:
    """The outcome of `Agent.run`; `status` is one of `STATUSES`."""

    status: str
    patch: str
    checks: list[CheckResult]
    steps: int
    usage: Usage
    cost_usd: float
    duration_s: float
    trajectory_path: Path | None = None
    reason: str = ""
    summary: str = ""
    plan: list[dict[str, str]] = field(default_factory=list)
    budget: dict[str, Any] = field(default_factory=dict)
    stuck: list[dict[str, Any]] = field(default_factory=list)
    """The loop watch's detections (`Detection.to_dict()`), in order."""
    instructions: list[dict[str, Any]] = field(default_factory=list)
    """The repository instruction files read (`Instruction.to_record()`), in order."""
    dirty_paths: tuple[str, ...] = ()
    """The person's uncommitted changes the run started from (--include-dirty): part of the
    starting point, never of `patch` (they are in OUT/dirty.diff)."""
    hooks: list[dict[str, Any]] = field(default_factory=list)
    """The hooks that ran (`HookRun.to_record()`), in order."""
    attempts: list[dict[str, Any]] = field(default_factory=list)
    """Parallel attempts (`--attempts N`), one dict each (`AttemptOutcome.to_dict()`); empty
    for a run of one attempt."""

    @property
    def solved(self) -> bool:
        return self.status == "solved"

    def to_dict(self) -> dict[str, Any]:
        """The `result.json` object (the patch itself lives in patch.diff)."""
        return {
            "status": self.status,
            "reason": self.reason,
            "summary": self.summary,
            "steps": self.steps,
            "usage": {**asdict(self.usage), "total_tokens": self.usage.total_tokens},
            "cost_usd": round(self.cost_usd, 6),
            "duration_s": round(self.duration_s, 3),
            "checks": [c.to_dict() for c in self.checks],
            "plan": self.plan,
            "budget": self.budget,
            "stuck": self.stuck,
            "instructions": self.instructions,
            **({"attempts": self.attempts} if self.attempts else {}),
            "hooks": self.hooks,
            "patch_bytes": len(self.patch.encode()),
            "dirty_paths": list(self.dirty_paths),
            "trajectory": str(self.trajectory_path) if self.trajectory_path else None,
        }
