"""What a reviewer reads: the pull request's title, body and draft state, and the issue comment.

Pure functions over a `RunReport`; no I/O. The body carries the issue reference, a summary of the
change, the checks that ran with their results, cost and steps, and says devagent produced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devagent.forge.refs import IssueRef

MARKER = "<!-- devagent:pr -->"
"""Hidden first line of every body devagent writes, so its own PRs can be recognised."""
TITLE_LIMIT = 100
_MENTION = re.compile(r"(?<![\w`/])@[A-Za-z0-9][\w-]*(?:/[\w.-]+)?")
_CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:[\w.-]+/[\w.-]+)?#\d+", re.IGNORECASE
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str = ""
    """One line, e.g. '12 passed, 0 failed'."""


@dataclass(frozen=True)
class RunReport:
    """The facts of a finished run that a pull request or comment reports."""

    issue: IssueRef | None
    issue_title: str
    status: str
    """`solved`, `unsolved`, `budget_exhausted` or `error`."""
    summary: str
    checks: tuple[CheckResult, ...] = ()
    cost_usd: float = 0.0
    steps: int = 0
    model: str = ""
    changed_files: tuple[str, ...] = ()
    concerns: tuple[str, ...] = ()
    """What in the patch a reviewer should look at closely (devagent.deliverypolicy)."""


def defang(text: str) -> str:
    """Model-written text made inert on GitHub: @mentions (which notify people) and closing
    keywords (which would close other issues on merge) are put in code spans."""
    text = _CLOSING.sub(lambda m: f"`{m.group(0)}`", text)
    return _MENTION.sub(lambda m: f"`{m.group(0)}`", text)


def is_draft(report: RunReport) -> bool:
    """A pull request is a draft unless the run was `solved`."""
    return report.status != "solved"


def pr_title(report: RunReport) -> str:
    title = " ".join(report.issue_title.split()) or "devagent patch"
    if report.issue is not None:
        title = f"{title} (#{report.issue.number})"
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1].rstrip() + "…"
    return title


def _inline(text: str) -> str:
    """One table-safe line: no pipes or newlines breaking the markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


def render_checks(checks: tuple[CheckResult, ...]) -> str:
    if not checks:
        return "_No checks ran._"
    rows = ["| check | result | detail |", "|---|---|---|"]
    for check in checks:
        result = "✅ passed" if check.passed else "❌ failed"
        name, detail = _inline(defang(check.name)), _inline(defang(check.detail))
        rows.append(f"| {name} | {result} | {detail} |")
    return "\n".join(rows)


def render_pr_body(report: RunReport) -> str:
    """The pull request body, in GitHub markdown."""
    lines = [MARKER]
    if report.issue is not None:
        verb = "Closes" if report.status == "solved" else "Refs"
        lines.append(f"{verb} {report.issue}")
    if is_draft(report):
        lines += ["", f"> **Draft:** the run ended `{report.status}`; review before merging."]
    lines += ["", "## Summary", "", defang(report.summary.strip()) or "_No summary._"]
    if report.changed_files:
        lines += ["", "Changed files: " + ", ".join(f"`{f}`" for f in report.changed_files)]
    if report.concerns:
        lines += ["", "## Review closely", ""]
        lines += [f"- {defang(concern)}" for concern in report.concerns]
    lines += ["", "## Checks", "", render_checks(report.checks)]
    lines += ["", "## Run", "", f"- status: `{report.status}`", f"- steps: {report.steps}"]
    lines.append(f"- cost: ${report.cost_usd:.4f}")
    if report.model:
        lines.append(f"- model: `{report.model}`")
    lines += ["", "---", "_Produced by devagent, an automated developer agent._", ""]
    return "\n".join(lines)


def render_issue_comment(report: RunReport, pr_url: str | None) -> str:
    """The comment posted back on the issue when a run finishes."""
    passed = sum(check.passed for check in report.checks)
    head = f"devagent finished with status `{report.status}`"
    lines = [f"{head} after {report.steps} steps (cost ${report.cost_usd:.4f})."]
    if report.checks:
        lines.append(f"Checks: {passed}/{len(report.checks)} passed.")
    if pr_url:
        kind = "Draft pull request" if is_draft(report) else "Pull request"
        lines.append(f"{kind}: {pr_url}")
    else:
        lines.append("No pull request was opened.")
    return "\n\n".join(lines) + "\n"
