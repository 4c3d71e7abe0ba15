"""Read an issue file: Markdown with optional TOML (+++) or YAML (---) front matter."""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from devagent.agent.budget import BudgetConfig
from devagent.agent.budget import parse_duration as budget_duration
from devagent.errors import DevagentError


class IssueError(DevagentError):
    """The issue file or one of its values cannot be read."""

    hint = "front matter keys: checks, goal_tests, test_command, budget"


class FrontMatter(BaseModel):
    """What an issue's front matter may say about its goal and budget."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    checks: list[str] = []
    """Shell commands that must exit 0."""
    goal_tests: list[str] = []
    """Test ids that must pass, run with `test_command`."""
    test_command: str | None = None
    budget: BudgetConfig = BudgetConfig()
    """Only what it sets counts (see `BudgetConfig.overrides`)."""


@dataclass(frozen=True)
class IssueSpec:
    body: str
    checks: tuple[str, ...] = ()
    test_command: str | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    """BudgetConfig fields set by the issue (what its front matter gave)."""


def parse_duration(text: str | float) -> float:
    """Seconds in '90', '90s', '10m', '1h30m', '500ms' (an `IssueError` otherwise)."""
    try:
        return budget_duration(text)
    except ValueError as exc:
        raise IssueError(str(exc)) from exc


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
    budget = front.budget.overrides()
    if not body.strip():
        raise IssueError("the issue has no text")
    return IssueSpec(body.strip(), tuple(checks), front.test_command, budget)
