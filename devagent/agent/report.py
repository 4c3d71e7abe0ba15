"""The run's outputs in OUT: `report.md`, `result.json` and `patch.diff`, all redacted."""

from __future__ import annotations

import json
from pathlib import Path

from devagent.agent import attempts, instructions, stuck
from devagent.agent.redact import Redactor
from devagent.agent.task import RunResult, Task
from devagent.agent.text import trim


def render_report(task: Task, result: RunResult) -> str:
    """The Markdown report: issue, status, checks with output, plan, cost, steps, time."""
    u = result.usage
    lines = [
        "# devagent run report",
        "",
        f"**Status:** {result.status}" + (f" — {result.reason}" if result.reason else ""),
        "",
        f"- Steps: {result.steps}",
        f"- Tokens: {u.total_tokens} (input {u.input_tokens}, cached {u.cached_tokens}, "
        f"output {u.output_tokens})",
        f"- Cost: ${result.cost_usd:.4f}",
        f"- Time: {result.duration_s:.1f}s",
        f"- Patch: {len(result.patch.splitlines())} lines",
        "",
        "## Issue",
        "",
        task.issue.strip(),
        "",
        "## Checks",
        "",
    ]
    if not result.checks:
        lines += ["No goal checks were run.", ""]
    for check in result.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines += [f"### {mark} `{check.command}` (exit {check.exit_code}, {check.duration_s}s)"]
        lines += [f"- failing: `{test_id}`" for test_id in check.failing_ids]
        lines += ["", "```", trim(check.output_tail, 3000), "```", ""]
    lines += stuck.report_section(result.stuck) + instructions.report_section(result.instructions)
    lines += attempts.report_section(result.attempts)
    lines += ["## Plan", ""]
    lines += [f"- [{s['status']}] {s['step']}" for s in result.plan] or ["No plan recorded."]
    if result.summary:
        lines += ["", "## Agent's summary", "", result.summary]
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, task: Task, result: RunResult, redactor: Redactor) -> dict[str, Path]:
    """Write report.md, result.json and patch.diff into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ("report.md", "result.json", "patch.diff")}
    paths["report.md"].write_text(redactor.text(render_report(task, result)), encoding="utf-8")
    payload = redactor.value(result.to_dict())
    paths["result.json"].write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    paths["patch.diff"].write_text(redactor.text(result.patch), encoding="utf-8")
    return paths
