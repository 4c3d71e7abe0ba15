"""report.md as a person reads it: verdict, model, base, checks, diff, human units, next steps."""

from __future__ import annotations

from pathlib import Path

from devagent.agent.checks import CheckResult
from devagent.agent.errors import BudgetExhausted
from devagent.agent.report import DIFF_LINES, RunFacts, render_report
from devagent.agent.task import RunResult, Task
from devagent.llm.types import Usage

PATCH = (
    "diff --git a/src/calc.py b/src/calc.py\n--- a/src/calc.py\n+++ b/src/calc.py\n"
    "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
)
OUT = Path("/tmp/devagent-run-abc")
FACTS = RunFacts(OUT, model="openai:gpt-4o-mini", repo="/src/calc", base="0123456789abcdef0123")


def result(**changes: object) -> RunResult:
    values: dict = {
        "status": "solved",
        "patch": PATCH,
        "checks": [CheckResult("pytest -q", True, 0, "1 passed", duration_s=1.25)],
        "steps": 4,
        "usage": Usage(input_tokens=12_000, output_tokens=345, cached_tokens=5_000),
        "cost_usd": 0.00396506,
        "duration_s": 44.29,
        "reason": "the goal checks passed",
    }
    return RunResult(**{**values, **changes})  # type: ignore[arg-type]


TASK = Task(issue="# add subtracts\n\nadd(1, 2) gives -1.", test_command="pytest -q")


def test_report_shows_the_verdict_model_base_and_run_folder() -> None:
    report = render_report(TASK, result(), FACTS)
    assert report.startswith("# devagent: solved\n\nThe goal checks passed.\n")
    assert "- Model: `openai:gpt-4o-mini`" in report
    assert "- Repository: /src/calc at base commit `0123456789ab`" in report
    assert f"- Run folder: {OUT}" in report


def test_report_shows_the_diff_fenced_with_the_patch_path() -> None:
    report = render_report(TASK, result(), FACTS)
    assert f"1 file changed (+1 -1); the patch: {OUT}/patch.diff" in report
    assert "```diff\n" + PATCH + "```" in report


def test_report_truncates_a_huge_diff_and_names_the_whole_patch() -> None:
    huge = PATCH + "".join(f"+line {i}\n" for i in range(2 * DIFF_LINES))
    report = render_report(TASK, result(patch=huge), FACTS)
    assert "+line 300\n" in report and "+line 500\n" not in report
    assert f"… 407 more lines: the whole patch is in {OUT}/patch.diff" in report


def test_report_puts_cost_time_and_tokens_in_human_units() -> None:
    report = render_report(TASK, result(), FACTS)
    assert "- Cost: $0.0040" in report
    assert "- Time: 44 s" in report
    assert "- Tokens: 12,345 (input 12,000, cached 5,000, output 345)" in report
    assert "### PASS `pytest -q` (exit 0, 1.2 s)" in report
    assert "0.00396506" not in report and "44.29" not in report
    assert "- Time: 2 min 3 s" in render_report(TASK, result(duration_s=123.4), FACTS)


def test_report_has_no_filler_for_a_missing_plan_and_shows_a_given_one() -> None:
    assert "## Plan" not in render_report(TASK, result(), FACTS)
    assert "No plan recorded." not in render_report(TASK, result(), FACTS)
    planned = render_report(TASK, result(plan=[{"step": "fix add", "status": "done"}]), FACTS)
    assert "## Plan\n\n- [done] fix add\n" in planned


def test_report_names_the_next_commands_with_the_real_run_folder() -> None:
    report = render_report(TASK, result(), FACTS)
    assert f"`git -C /src/calc apply {OUT}/patch.diff`" in report
    assert f"--model replay:{OUT}/trajectory.jsonl --apply`" in report
    assert "`--branch NAME`" in report
    assert f"`devagent replay {OUT}/trajectory.jsonl`" in report
    assert "OUT/" not in report


def test_report_of_a_failed_check_says_fail_and_an_exhausted_budget_how_to_give_more() -> None:
    failing = CheckResult("pytest -q", False, 1, "1 failed", failing_ids=("tests/t.py::test_add",))
    reason = str(BudgetExhausted("usd", 0.00396506, 0.003))
    report = render_report(
        TASK, result(status="budget_exhausted", checks=[failing], reason=reason), FACTS
    )
    assert "### FAIL `pytest -q` (exit 1, 0.0 s)\n- failing: `tests/t.py::test_add`" in report
    assert "Usd budget exhausted ($0.0040 of $0.0030)" in report
    assert "--max-steps N --max-usd X" in report
