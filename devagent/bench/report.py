"""Bench results as values: one `TaskOutcome` per task, `results.jsonl`, and `report.md`."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.jsonl"
REPORT_FILE = "report.md"
OUTCOMES = ("resolved", "unresolved", "broken", "error")


@dataclass(frozen=True)
class CheckOutcome:
    """One goal check: which test group it runs (`fail_to_pass`/`pass_to_pass`) and its result."""

    name: str
    command: str
    passed: bool
    exit_code: int
    failing_ids: list[str] = field(default_factory=list)
    tests: dict[str, str] = field(default_factory=dict)
    """Node id -> passed/failed/error/skipped, when the check wrote a JUnit report."""


@dataclass(frozen=True)
class TaskOutcome:
    """One line of `results.jsonl`; `status` is one of `OUTCOMES`."""

    id: str
    status: str
    broken: bool = False
    broken_reason: str = ""
    agent_status: str = ""
    reason: str = ""
    checks: list[CheckOutcome] = field(default_factory=list)
    prechecks: list[CheckOutcome] = field(default_factory=list)
    steps: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    patch: str = ""
    model: str = ""
    started_at: float = 0.0
    """When the task started (seconds since the epoch; 0 in results from before it was kept)."""
    worker: str = ""
    """Which of the run's parallel workers ran it (the bench page's timeline)."""
    node: str = ""
    """The machine it ran on."""

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskOutcome:
        data = dict(data)
        for key in ("checks", "prechecks"):
            data[key] = [CheckOutcome(**c) for c in data.get(key) or ()]
        return cls(**data)


def append_result(path: Path, outcome: TaskOutcome) -> None:
    """Append one line (the caller serialises writers)."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(outcome.to_dict()) + "\n")


def read_results(path: Path) -> list[TaskOutcome]:
    """Every complete line of `results.jsonl` (a torn last line from a killed run is skipped);
    for a task id present twice, the last line wins."""
    if not path.is_file():
        return []
    found: dict[str, TaskOutcome] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            outcome = TaskOutcome.from_dict(json.loads(line))
        except (json.JSONDecodeError, TypeError, KeyError):
            continue
        found[outcome.id] = outcome
    return list(found.values())


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Totals:
    tasks: int
    resolved: int
    unresolved: int
    broken: int
    errors: int
    resolved_pct: float
    mean_cost_usd: float
    mean_steps: float
    p50_wall_s: float
    p95_wall_s: float


def totals(outcomes: Sequence[TaskOutcome]) -> Totals:
    n = len(outcomes)
    walls = [o.wall_s for o in outcomes]
    resolved = sum(o.resolved for o in outcomes)
    return Totals(
        tasks=n,
        resolved=resolved,
        unresolved=sum(o.status == "unresolved" for o in outcomes),
        broken=sum(o.broken for o in outcomes),
        errors=sum(o.status == "error" for o in outcomes),
        resolved_pct=round(100.0 * resolved / n, 1) if n else 0.0,
        mean_cost_usd=round(sum(o.cost_usd for o in outcomes) / n, 4) if n else 0.0,
        mean_steps=round(sum(o.steps for o in outcomes) / n, 1) if n else 0.0,
        p50_wall_s=round(percentile(walls, 0.5), 1),
        p95_wall_s=round(percentile(walls, 0.95), 1),
    )


def _check_cell(checks: Iterable[CheckOutcome], name: str) -> str:
    for check in checks:
        if check.name == name:
            return "pass" if check.passed else "FAIL"
    return "-"


def render_report(outcomes: Sequence[TaskOutcome], *, model: str, wall_s: float, jobs: int) -> str:
    """`report.md`: a row per task, then the totals."""
    t = totals(outcomes)
    lines = [
        f"# devagent bench — model `{model}`",
        "",
        "| task | status | F2P | P2P | steps | tokens | cost $ | wall s | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for o in sorted(outcomes, key=lambda o: o.id):
        note = (o.broken_reason or o.reason).replace("|", "\\|").replace("\n", " ")[:120]
        lines.append(
            f"| `{o.id}` | {o.status} | {_check_cell(o.checks, 'fail_to_pass')} "
            f"| {_check_cell(o.checks, 'pass_to_pass')} | {o.steps} | {o.tokens} "
            f"| {o.cost_usd:.4f} | {o.wall_s:.1f} | {note} |"
        )
    lines += [
        "",
        f"**Totals:** {t.resolved}/{t.tasks} resolved ({t.resolved_pct}%), "
        f"{t.unresolved} unresolved, {t.broken} broken, {t.errors} errors (environment or "
        f"infrastructure, not graded); mean cost ${t.mean_cost_usd:.4f}, "
        f"mean steps {t.mean_steps}, wall time p50 {t.p50_wall_s}s / p95 {t.p95_wall_s}s; "
        f"run wall time {wall_s:.1f}s with -j {jobs}.",
        "",
    ]
    return "\n".join(lines)


def write_report(out: Path, outcomes: Sequence[TaskOutcome], **kwargs: Any) -> Path:
    path = out / REPORT_FILE
    path.write_text(render_report(outcomes, **kwargs), encoding="utf-8")
    return path
