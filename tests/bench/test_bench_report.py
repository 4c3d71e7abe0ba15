"""Bench results and verdicts as values: results.jsonl, totals, report.md, the broken check."""

from __future__ import annotations

import json

from devagent.agent.checks import CheckResult
from devagent.bench.report import (
    CheckOutcome,
    TaskOutcome,
    append_result,
    percentile,
    read_results,
    render_report,
    totals,
)
from devagent.bench.runner import broken_reason


def outcome(task_id: str, status: str, wall: float, steps: int = 3, cost: float = 0.0):
    checks = [CheckOutcome("fail_to_pass", "pytest a", status == "resolved", 0, [])]
    return TaskOutcome(
        id=task_id,
        status=status,
        steps=steps,
        wall_s=wall,
        cost_usd=cost,
        checks=checks,
        broken=status == "broken",
    )


def check(passed: bool, failing: tuple[str, ...] = (), exit_code: int | None = None):
    code = exit_code if exit_code is not None else (0 if passed else 1)
    return CheckResult(
        command="pytest", passed=passed, exit_code=code, output_tail="", failing_ids=failing
    )


def test_results_round_trip_and_torn_last_line_is_skipped(tmp_path):
    path = tmp_path / "results.jsonl"
    first, second = outcome("a", "resolved", 1.5), outcome("b", "unresolved", 2.0)
    append_result(path, first)
    append_result(path, second)
    with path.open("a") as fh:
        fh.write('{"id": "c", "stat')
    assert read_results(path) == [first, second]


def test_later_line_for_same_task_wins(tmp_path):
    path = tmp_path / "results.jsonl"
    append_result(path, outcome("a", "error", 1.0))
    append_result(path, outcome("a", "resolved", 2.0))
    assert [o.status for o in read_results(path)] == ["resolved"]


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([], 0.5) == 0.0


def test_totals_count_resolved_broken_and_means():
    t = totals(
        [
            outcome("a", "resolved", 1.0, steps=2, cost=0.5),
            outcome("b", "broken", 3.0, steps=4, cost=0.0),
            outcome("c", "resolved", 2.0, steps=3, cost=0.1),
            outcome("d", "error", 4.0, steps=3, cost=0.2),
        ]
    )
    assert (t.tasks, t.resolved, t.broken, t.errors) == (4, 2, 1, 1)
    assert t.resolved_pct == 50.0
    assert t.mean_steps == 3.0
    assert t.mean_cost_usd == 0.2
    assert (t.p50_wall_s, t.p95_wall_s) == (2.0, 4.0)


def test_report_has_a_row_per_task_and_the_totals():
    text = render_report(
        [outcome("b", "unresolved", 2.0), outcome("a", "resolved", 1.0)],
        model="oracle",
        wall_s=3.0,
        jobs=2,
    )
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`a`", "`b`"]
    assert "1/2 resolved (50.0%)" in text
    assert "-j 2" in text


def test_outcome_json_keeps_checks():
    o = outcome("a", "resolved", 1.0)
    assert TaskOutcome.from_dict(json.loads(json.dumps(o.to_dict()))) == o


def test_goal_test_passing_before_the_fix_is_broken():
    assert broken_reason([check(True), check(True)], ["t.py::a"]) == (
        "goal tests already pass before the fix"
    )


def test_one_goal_test_passing_before_is_named():
    prechecks = [check(False, ("t.py::a[1]", "t.py::a[2]")), check(True)]
    assert broken_reason(prechecks, ["t.py::a", "t.py::b"]) == (
        "goal tests pass before the fix: t.py::b"
    )


def test_failing_kept_tests_before_the_fix_is_broken():
    reason = broken_reason([check(False, ("t.py::a",)), check(False, (), 2)], ["t.py::a"])
    assert reason == "pass_to_pass tests fail before the fix (exit 2)"


def test_sound_task_is_not_broken():
    assert broken_reason([check(False, ("t.py::a",)), check(True)], ["t.py::a"]) == ""
    assert broken_reason([check(False), check(True)], ["TestGo"]) == ""
