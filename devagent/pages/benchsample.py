"""Made-up bench outcomes of any size, reproducible from a seed: the pages' tests, their
screenshots and the performance script use them where a real bench would take hours."""

from __future__ import annotations

import random

from devagent.bench.report import CheckOutcome, TaskOutcome

_STATUSES = ("resolved",) * 11 + ("unresolved",) * 6 + ("error", "broken")


def sample_outcomes(
    n: int, *, seed: int = 0, workers: int = 4, nodes: int = 1, model: str = "sample:model"
) -> list[TaskOutcome]:
    """`n` outcomes run back to back on `workers` workers per node, with plausible steps, cost
    and time; a few are errors or broken (one of those whose goal already passed)."""
    rng = random.Random(seed)
    clock = {(node, w): 1_780_000_000.0 for node in range(nodes) for w in range(workers)}
    outcomes = []
    for i in range(n):
        status = _STATUSES[rng.randrange(len(_STATUSES))]
        lane = min(clock, key=lambda k: clock[k])
        steps = 0 if status in ("error", "broken") else rng.randint(3, 40)
        wall = round(rng.uniform(20, 60) + steps * rng.uniform(3, 9), 1)
        outcomes.append(
            TaskOutcome(
                id=f"task-{i:03d}",
                status=status,
                broken=status == "broken",
                broken_reason=_broken_reason(i) if status == "broken" else "",
                reason=_reason(status),
                checks=_checks(status),
                prechecks=[_check("fail_to_pass", status == "broken" and i % 2 == 0)],
                steps=steps,
                tokens=steps * rng.randint(4_000, 12_000),
                cost_usd=round(steps * rng.uniform(0.004, 0.02), 4),
                wall_s=wall,
                model=model,
                started_at=clock[lane],
                worker=str(lane[1]),
                node=f"node-{lane[0]}",
            )
        )
        clock[lane] += wall + 1.0
    return outcomes


def _broken_reason(i: int) -> str:
    if i % 2 == 0:
        return "goal tests already pass before the change: tests/test_x.py::test_goal"
    return "PASS_TO_PASS tests fail before the change: tests/test_y.py::test_kept"


def _reason(status: str) -> str:
    return {
        "resolved": "every goal and PASS_TO_PASS test passes",
        "unresolved": "not passing after the change: tests/test_x.py::test_goal (failed)",
        "error": "SandboxError: the container exited while the tests ran",
    }.get(status, "")


def _checks(status: str) -> list[CheckOutcome]:
    if status in ("error", "broken"):
        return []
    return [_check("fail_to_pass", status == "resolved"), _check("pass_to_pass", True)]


def _check(name: str, passed: bool) -> CheckOutcome:
    return CheckOutcome(name=name, command=f"pytest -q ({name})", passed=passed, exit_code=0)
