"""The run's outputs in OUT: `report.md`, `result.json` and `patch.diff`, all redacted."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

from devagent.agent.errors import OutputsLostError
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
    lines += ["## Plan", ""]
    lines += [f"- [{s['status']}] {s['step']}" for s in result.plan] or ["No plan recorded."]
    if result.summary:
        lines += ["", "## Agent's summary", "", result.summary]
    return "\n".join(lines) + "\n"


OUTPUT_FILES = ("patch.diff", "result.json", "report.md")
"""The run's files, most valuable first: on a full disk the patch has the best chance."""

Writer = Callable[[Path, str], None]


def write_file(path: Path, text: str) -> None:
    """The default `Writer`: the whole text, UTF-8; a file cut short is removed, not left."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        raise


def write_outputs(
    out: Path,
    task: Task,
    result: RunResult,
    redactor: Redactor,
    *,
    lost: Mapping[str, str] | None = None,
    write: Writer | None = None,
) -> dict[str, Path]:
    """Write patch.diff, result.json and report.md into `out` (in that order); return their
    paths. A file that cannot be written (a full disk) does not stop the others; then
    `OutputsLostError` names every file lost, those in `lost` (name: reason) included."""
    write = write or write_file
    out.mkdir(parents=True, exist_ok=True)
    texts = {
        "patch.diff": lambda: redactor.text(result.patch),
        "result.json": lambda: json.dumps(redactor.value(result.to_dict()), indent=2) + "\n",
        "report.md": lambda: redactor.text(render_report(task, result)),
    }
    missing = dict(lost or {})
    for name in OUTPUT_FILES:
        try:
            write(out / name, texts[name]())
        except OSError as exc:
            missing[name] = exc.strerror or str(exc)
    if missing:
        kept = [name for name in OUTPUT_FILES if name not in missing]
        raise OutputsLostError(out, result.status, missing, kept)
    return {name: out / name for name in OUTPUT_FILES}
