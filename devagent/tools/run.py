"""The `run` and `run_tests` tools: commands in the sandbox, rendered for the model."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict
from pathlib import Path
from typing import Any

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.paths import PathError
from devagent.tools.quota import baseline, over_quota
from devagent.tools.safefs import WorkspaceRoot
from devagent.tools.testparse import TestSummary, parse_test_output
from sandbox import ExecResult

MAX_OUTPUT_CHARS = 12_000
"""Output shown to the model: the first quarter and the last three quarters of this many chars."""
TEST_TAIL_LINES = 60
MANIFEST_LIMIT = 1024 * 1024


def clip_output(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """`text` cut to `limit` chars (head and tail kept), the cut marked."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit // 4], text[-(limit - limit // 4) :]
    cut = len(text) - len(head) - len(tail)
    return f"{head}\n[... {cut} chars cut; redirect to a file and view or search it ...]\n{tail}"


def render_exec(result: ExecResult, timeout: float) -> str:
    """The output of a command plus a status line that explains timeouts and truncation."""
    notes = []
    if result.timed_out:
        notes.append(
            f"timed out after {timeout:g}s and was killed; run it on a smaller scope, "
            "or in the background with output redirected to a file"
        )
    else:
        notes.append(f"exit code {result.exit_code}")
    if result.truncated:
        notes.append(
            f"{result.dropped_bytes} bytes of output dropped in the middle; "
            "redirect to a file and view or search it to see all"
        )
    if result.restarted:
        notes.append("the shell was restarted: cwd and variables were reset")
    notes.append(f"{result.duration_s:.1f}s")
    body = clip_output(result.output.rstrip("\n")) or "(no output)"
    return f"{body}\n[{'; '.join(notes)}]"


def _timeout(args: dict[str, Any], ctx: ToolContext) -> float:
    asked = args.get("timeout")
    return min(float(asked), ctx.command_timeout) if asked else ctx.command_timeout


def run(args: dict[str, Any], ctx: ToolContext) -> Observation:
    """Run a shell command in the sandbox's persistent shell."""
    command = str(args.get("command", "")).strip()
    if not command:
        return Observation.failure("run needs a non-empty command.")
    timeout = _timeout(args, ctx)
    start = baseline(ctx.workspace, ctx.extra)
    result = ctx.sandbox.exec(command, timeout=timeout)
    data = {"exit_code": result.exit_code, "timed_out": result.timed_out}
    text, quota = render_exec(result, timeout), over_quota(ctx.workspace, start)
    return Observation(f"{text}\n{quota}" if quota else text, ok=result.ok and not quota, data=data)


def _has_npm_test(workspace: Path) -> bool:
    """Whether package.json has a test script; read through `safefs` (the sandbox may have made
    it a FIFO or a symlink to a host file)."""
    try:
        with WorkspaceRoot(workspace) as root:
            manifest = json.loads(root.read_bytes("package.json", MANIFEST_LIMIT) or b"")
    except (OSError, PathError, ValueError):
        return False
    return isinstance(manifest, dict) and "test" in (manifest.get("scripts") or {})


def detect_test_command(workspace: Path) -> str | None:
    """The conventional test command for the project in `workspace`, None if unknown."""
    python_markers = (
        "pytest.ini",
        "conftest.py",
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "tox.ini",
    )
    if any((workspace / name).exists() for name in python_markers):
        return "python -m pytest -q"
    if _has_npm_test(workspace):
        return "npm test"
    if (workspace / "go.mod").exists():
        return "go test ./..."
    if (workspace / "Cargo.toml").exists():
        return "cargo test"
    if (workspace / "tests").is_dir() or any(workspace.glob("test_*.py")):
        return "python -m pytest -q"
    return None


def with_selection(command: str, selection: list[str]) -> str:
    """`command` narrowed to `selection` (test ids, files or packages) in the runner's syntax."""
    if not selection:
        return command
    if command.startswith("go test"):
        return _go_selection(command, selection)
    quoted = " ".join(shlex.quote(item) for item in selection)
    if command.startswith("npm test"):
        return f"{command} -- {quoted}"
    return f"{command} {quoted}"


def _go_selection(command: str, selection: list[str]) -> str:
    tests = [item for item in selection if item.startswith(("Test", "Benchmark", "Example"))]
    packages = [item for item in selection if item not in tests]
    if packages:
        command = (
            command.removesuffix("./...").rstrip() + " " + " ".join(map(shlex.quote, packages))
        )
    if tests:
        command += " -run " + shlex.quote("^(" + "|".join(tests) + ")$")
    return command


MAX_FAILING_SHOWN = 20


def render_test_run(summary: TestSummary | None, result: ExecResult, command: str) -> str:
    """The parsed summary (counts, failing ids, first trace) above the raw output's tail."""
    status = "timed out" if result.timed_out else f"exit code {result.exit_code}"
    if summary is None:
        head = f"$ {command}\ncould not read a test summary from the output ({status})"
    else:
        head = f"$ {command}\ntests: {summary.counts_text()} ({summary.framework}; {status})"
    parts = [head]
    if summary and summary.failing:
        shown = summary.failing[:MAX_FAILING_SHOWN]
        more = len(summary.failing) - len(shown)
        listing = "\n".join(f"  {test_id}" for test_id in shown)
        extra = f"\n  [... {more} more not listed: run a narrower selection]" if more else ""
        parts.append(f"failing ({len(summary.failing)}):\n{listing}{extra}")
    if summary and summary.first_failure:
        parts.append(f"first failure:\n{summary.first_failure}")
    lines = result.output.rstrip("\n").splitlines()
    tail = lines[-TEST_TAIL_LINES:]
    cut = f"last {len(tail)} of {len(lines)} lines" if len(lines) > len(tail) else "all"
    hint = "; use run with a narrower selection or redirect to a file" if cut != "all" else ""
    dropped = " (the sandbox dropped part of it)" if result.truncated else ""
    parts.append(f"--- output, {cut}{dropped}{hint} ---\n" + clip_output("\n".join(tail)))
    return "\n\n".join(parts)


def run_tests(args: dict[str, Any], ctx: ToolContext) -> Observation:
    """Run the project's tests (or a selection) and summarise them."""
    command = ctx.test_command or detect_test_command(ctx.workspace)
    if command is None:
        return Observation.failure(
            "no test command configured and none detected (no pytest/npm/go/cargo project "
            "files found); run the tests with `run` instead."
        )
    selection = args.get("selection") or []
    selection = [selection] if isinstance(selection, str) else [str(s) for s in selection]
    command = with_selection(command, selection)
    start = baseline(ctx.workspace, ctx.extra)
    result = ctx.sandbox.exec(command, timeout=_timeout(args, ctx))
    quota = over_quota(ctx.workspace, start)
    summary = parse_test_output(result.output)
    passed = result.ok and (summary is None or not (summary.failed or summary.errors))
    data: dict[str, Any] = {"command": command, "exit_code": result.exit_code, "passed": passed}
    if summary:
        data["summary"] = asdict(summary)
    text = render_test_run(summary, result, command)
    return Observation(f"{text}\n{quota}" if quota else text, ok=passed and not quota, data=data)


RUN = Tool(
    name="run",
    description=(
        "Run a shell command (bash) in the sandbox, from the repository root unless you cd. "
        "Output is capped; long-running commands are killed at the timeout."
    ),
    parameters={
        "type": "object",
        "properties": {
            "command": {"type": "string"},
            "timeout": {"type": "number", "minimum": 1, "description": "Seconds (capped)."},
        },
        "required": ["command"],
        "additionalProperties": False,
    },
    fn=run,
)

RUN_TESTS = Tool(
    name="run_tests",
    description=(
        "Run the project's tests in the sandbox (or a selection: test ids, files, packages) and "
        "get a summary: counts, failing test ids, the first failure's trace, then the output tail."
    ),
    parameters={
        "type": "object",
        "properties": {
            "selection": {"type": "array", "items": {"type": "string"}},
            "timeout": {"type": "number", "minimum": 1, "description": "Seconds (capped)."},
        },
        "additionalProperties": False,
    },
    fn=run_tests,
)
