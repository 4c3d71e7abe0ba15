"""Read an issue file: Markdown with optional TOML (+++) or YAML (---) front matter."""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from devagent.errors import DevagentError

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)?", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, None: 1.0}


class IssueError(DevagentError):
    """The issue file or one of its values cannot be read."""

    hint = "front matter keys: checks, goal_tests, test_command, budget"


class IssueBudget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_steps: int | None = None
    max_tokens: int | None = None
    max_usd: float | None = None
    max_time: str | float | None = None
    """A duration: seconds, or '90s', '10m', '1h30m'."""


class FrontMatter(BaseModel):
    """What an issue's front matter may say about its goal and budget."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    checks: list[str] = []
    """Shell commands that must exit 0."""
    goal_tests: list[str] = []
    """Test ids that must pass, run with `test_command`."""
    test_command: str | None = None
    budget: IssueBudget = IssueBudget()


@dataclass(frozen=True)
class IssueSpec:
    body: str
    checks: tuple[str, ...] = ()
    test_command: str | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    """BudgetConfig fields set by the issue (max_time already in seconds as max_time_s)."""


def parse_duration(text: str | float) -> float:
    """Seconds in '90', '90s', '10m', '1h30m', '500ms'."""
    if isinstance(text, int | float):
        return float(text)
    compact = text.strip().replace(" ", "")
    parts = list(_DURATION_PART.finditer(compact))
    if not compact or "".join(p.group(0) for p in parts) != compact:
        raise IssueError(f"cannot read duration {text!r}; use e.g. 90s, 10m or 1h30m")
    return sum(float(p.group(1)) * _UNIT_SECONDS[(p.group(2) or "").lower() or None] for p in parts)


def _split(text: str) -> tuple[dict[str, Any], str]:
    for fence, load in (("+++", tomllib.loads), ("---", yaml.safe_load)):
        if text.startswith(fence + "\n"):
            end = text.find("\n" + fence, len(fence))
            if end < 0:
                raise IssueError(f"front matter opened with {fence} is never closed")
            try:
                data = load(text[len(fence) + 1 : end]) or {}
            except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
                raise IssueError(f"front matter is not valid: {exc}") from exc
            return data, text[end + len(fence) + 1 :].lstrip("\n")
    return {}, text


def parse_issue(text: str) -> IssueSpec:
    """The issue body and the goal checks, test command and budget its front matter sets."""
    data, body = _split(text)
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as exc:
        raise IssueError(
            f"front matter: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}"
        ) from exc
    checks = list(front.checks)
    if front.goal_tests:
        if not front.test_command:
            raise IssueError("goal_tests need a test_command to run them")
        checks.append(f"{front.test_command} {shlex.join(front.goal_tests)}")
    budget = front.budget.model_dump(exclude_none=True)
    if "max_time" in budget:
        budget["max_time_s"] = parse_duration(budget.pop("max_time"))
    if not body.strip():
        raise IssueError("the issue has no text")
    return IssueSpec(body.strip(), tuple(checks), front.test_command, budget)
