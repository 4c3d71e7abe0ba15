"""Bench results and verdicts as values: results.jsonl, totals, report.md, the broken check."""

from __future__ import annotations

import json

from devagent.bench.report import (
    CheckOutcome,
    TaskOutcome,
    append_result,
    percentile,
    read_results,
    render_report,
    totals,
)


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


def test_errors_are_counted_apart_from_unresolved_in_the_report():
    outcomes = [
        outcome("a", "resolved", 1.0),
        outcome("b", "unresolved", 1.0),
        outcome("c", "error", 1.0),
        outcome("d", "error", 1.0),
    ]
    t = totals(outcomes)
    assert (t.resolved, t.unresolved, t.broken, t.errors) == (1, 1, 0, 2)
    text = render_report(outcomes, model="m", wall_s=1.0, jobs=1)
    assert "1/4 resolved (25.0%), 1 unresolved, 0 broken, 2 errors" in text


def test_per_test_results_round_trip():
    check = CheckOutcome("fail_to_pass", "pytest", True, 0, [], {"t.py::a[x y]": "passed"})
    o = TaskOutcome(id="a", status="resolved", checks=[check])
    assert TaskOutcome.from_dict(json.loads(json.dumps(o.to_dict()))).checks == [check]
