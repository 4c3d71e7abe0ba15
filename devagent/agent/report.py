"""The run's outputs in OUT: `report.md`, `result.json` and `patch.diff`, all redacted."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devagent.agent import attempts, hooks, instructions, stuck
from devagent.agent.checks import CheckResult
from devagent.agent.errors import OutputsLostError
from devagent.agent.redact import Redactor
from devagent.agent.task import RunResult, Task
from devagent.agent.testfiles import patch_paths
from devagent.agent.text import trim
from devagent.units import count, duration, usd

log = logging.getLogger(__name__)

DIFF_LINES = 400
"""A longer patch is shown up to here in report.md; the whole of it is in OUT/patch.diff."""


@dataclass(frozen=True)
class RunFacts:
    """What the report says about the run beyond its result: where and on what it ran."""

    out: Path | None = None
    """The run folder (OUT), named in the next commands and the patch's path."""
    model: str = ""
    repo: str = ""
    base: str = ""
    """The commit the patch applies to."""

    @classmethod
    def from_meta(cls, out: Path | None, meta: Mapping[str, Any]) -> RunFacts:
        """From a run's `meta` record (repo, base, model)."""
        return cls(
            out, str(meta.get("model", "")), str(meta.get("repo", "")), str(meta.get("base", ""))
        )

    def path(self, name: str) -> str:
        return str(self.out / name) if self.out is not None else f"OUT/{name}"


def render_report(task: Task, result: RunResult, facts: RunFacts | None = None) -> str:
    """The Markdown report: verdict, what ran where, checks, the diff, cost and time, the plan
    (when there is one), the agent's summary, the issue and the next commands."""
    facts = facts or RunFacts()
    lines = [f"# devagent: {result.status}", ""]
    if result.reason:
        lines += [_sentence(result.reason), ""]
    lines += [*_facts(result, facts), "", "## Checks", "", *_checks(result.checks)]
    lines += stuck.report_section(result.stuck) + instructions.report_section(result.instructions)
    lines += hooks.report_section(result.hooks) + attempts.report_section(result.attempts)
    lines += ["## Changes", "", *_diff(result.patch, facts)]
    if result.plan:
        lines += ["## Plan", "", *(f"- [{s['status']}] {s['step']}" for s in result.plan), ""]
    if result.summary:
        lines += ["## Agent's summary", "", result.summary.strip(), ""]
    lines += ["## Next", "", *_next(result, facts), "", "## Issue", "", task.issue.strip()]
    return "\n".join(lines) + "\n"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?", ")")) else ".")


def _facts(result: RunResult, facts: RunFacts) -> list[str]:
    u = result.usage
    lines = [f"- Model: `{facts.model}`"] if facts.model else []
    if facts.repo:
        at = f" at base commit `{facts.base[:12]}`" if facts.base else ""
        lines.append(f"- Repository: {facts.repo}{at}")
    lines += [
        f"- Steps: {result.steps}",
        f"- Tokens: {count(u.total_tokens)} (input {count(u.input_tokens)}, cached "
        f"{count(u.cached_tokens)}, output {count(u.output_tokens)})",
        f"- Cost: {usd(result.cost_usd)}",
        f"- Time: {duration(result.duration_s)}",
    ]
    if facts.out is not None:
        lines.append(f"- Run folder: {facts.out}")
    return lines


def _checks(checks: list[CheckResult]) -> list[str]:
    if not checks:
        return ["No goal checks were run.", ""]
    lines = []
    for check in checks:
        mark = "PASS" if check.passed else "FAIL"
        timed_out = ", timed out" if check.timed_out else ""
        lines.append(
            f"### {mark} `{check.command}` (exit {check.exit_code}{timed_out}, "
            f"{duration(check.duration_s)})"
        )
        lines += [f"- failing: `{test_id}`" for test_id in check.failing_ids]
        if check.output_tail.strip():
            lines += ["", "```", trim(check.output_tail.rstrip(), 3000), "```"]
        lines.append("")
    return lines


def _diff(patch: str, facts: RunFacts) -> list[str]:
    if not patch.strip():
        return ["No change: the patch is empty.", ""]
    files = patch_paths(patch)
    body = patch.rstrip("\n").splitlines()
    added = sum(1 for ln in body if ln.startswith("+") and not ln.startswith("+++"))
    removed = sum(1 for ln in body if ln.startswith("-") and not ln.startswith("---"))
    head = (
        f"{len(files)} file{'s' * (len(files) != 1)} changed (+{added} -{removed}); "
        f"the patch: {facts.path('patch.diff')}"
    )
    fence = "````" if any(ln.startswith("```") for ln in body) else "```"
    shown = body[:DIFF_LINES]
    lines = [head, "", f"{fence}diff", *shown, fence]
    if len(body) > DIFF_LINES:
        rest = len(body) - DIFF_LINES
        lines.append(
            f"\n… {count(rest)} more lines: the whole patch is in {facts.path('patch.diff')}"
        )
    return [*lines, ""]


def _next(result: RunResult, facts: RunFacts) -> list[str]:
    trajectory = facts.path("trajectory.jsonl")
    again = f"devagent solve … --repo {facts.repo or '…'} --model replay:{trajectory}"
    lines = []
    if result.patch.strip():
        target = f"git -C {facts.repo} apply" if facts.repo else "git apply"
        lines += [
            f"- Apply the patch to your working tree: `{target} {facts.path('patch.diff')}`",
            f"- Or have devagent apply it (the recorded run again, no model calls): "
            f"`{again} --apply`; `--branch NAME` commits it on a new branch instead",
        ]
    if result.status == "budget_exhausted":
        lines.append(
            "- Give it more room: `devagent solve … --max-steps N --max-usd X --max-time 30m`"
        )
    lines.append(f"- Re-run the recorded replies to check them: `devagent replay {trajectory}`")
    return lines


OUTPUT_FILES = ("patch.diff", "result.json", "report.md")
"""The run's files, most valuable first: on a full disk the patch has the best chance. The run
page (report.html) comes after them and is never counted lost."""
PAGE_NAME = "report.html"

Writer = Callable[[Path, str], None]


def write_file(path: Path, text: str) -> None:
    """The default `Writer`: the whole text, UTF-8; a file cut short is removed, not left."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class RunExtras:
    """What the run's files say beyond its result."""

    dirty: str = ""
    """The person's uncommitted changes the run started from (--include-dirty): dirty.diff."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """The run's meta record (model, repo, base), for the report."""
    lost: Mapping[str, str] = field(default_factory=dict)
    """Files already lost (name: reason), e.g. a trajectory the disk had no room for."""


def write_outputs(
    out: Path,
    task: Task,
    result: RunResult,
    redactor: Redactor,
    extras: RunExtras | None = None,
    write: Writer | None = None,
) -> dict[str, Path]:
    """Write patch.diff (the agent's change only), result.json and report.md into `out` (in
    that order), and dirty.diff when the run started from the person's uncommitted changes,
    then the run page (report.html; a warning when it fails); return their paths. A file that
    cannot be written (a full disk) does not stop the others; then `OutputsLostError` names
    every file lost, `extras.lost` included (never the page)."""
    extras = extras or RunExtras()
    dirty, meta, lost = extras.dirty, extras.meta, extras.lost
    write = write or write_file
    out.mkdir(parents=True, exist_ok=True)
    texts = {
        "patch.diff": lambda: redactor.text(result.patch),
        "result.json": lambda: json.dumps(redactor.value(result.to_dict()), indent=2) + "\n",
        "report.md": lambda: redactor.text(
            render_report(task, result, RunFacts.from_meta(out, meta or {}))
        ),
    }
    names = list(OUTPUT_FILES)
    if dirty:
        texts["dirty.diff"] = lambda: redactor.text(dirty)
        names.append("dirty.diff")
    missing = dict(lost or {})
    for name in names:
        try:
            write(out / name, texts[name]())
        except OSError as exc:
            missing[name] = exc.strerror or str(exc)
    paths = {name: out / name for name in names if name not in missing}
    page = _write_page(out, redactor, texts["patch.diff"](), write)
    if missing:
        kept = [name for name in names if name not in missing]
        raise OutputsLostError(out, result.status, missing, kept)
    return {**paths, PAGE_NAME: page} if page is not None else paths


def _write_page(out: Path, redactor: Redactor, patch: str, write: Writer) -> Path | None:
    """OUT/report.html, written after the run's own files; a page that cannot be rendered or
    written is a warning, never a lost run (its path, else None)."""
    from devagent.pages.run import run_page_html

    try:
        write(out / PAGE_NAME, run_page_html(out, redact=redactor.text, patch=patch))
    except Exception as exc:  # a view of the run: whatever breaks it must not cost the run
        log.warning("the run page %s was not written: %s", out / PAGE_NAME, exc)
        return None
    return out / PAGE_NAME
