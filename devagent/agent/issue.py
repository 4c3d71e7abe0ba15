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
from devagent.problems import key_line, located, problems, toml_position, yaml_position


class IssueError(DevagentError):
    """The issue file or one of its values cannot be read (the message names the file and the
    line when they are known)."""


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


def _split(text: str, source: str) -> tuple[dict[str, Any], str, str]:
    """(front matter values, body, front matter text); the front matter starts on line 2."""
    for fence, load in (("+++", tomllib.loads), ("---", yaml.safe_load)):
        if text.startswith(fence + "\n"):
            end = text.find("\n" + fence, len(fence))
            if end < 0:
                raise IssueError(f"{source}:1: front matter opened with {fence} is never closed")
            front = text[len(fence) + 1 : end]
            data = _load_front(front, load, source, "TOML" if fence == "+++" else "YAML")
            return data, text[end + len(fence) + 1 :].lstrip("\n"), front
    return {}, text, ""


def _load_front(front: str, load: Any, source: str, kind: str) -> dict[str, Any]:
    try:
        data = load(front) or {}
    except tomllib.TOMLDecodeError as exc:
        line, message = toml_position(exc)
        where = located(source, line + 1 if line else None)
        raise IssueError(f"{where}: front matter is not valid {kind}: {message}") from exc
    except yaml.YAMLError as exc:
        index, message = yaml_position(exc)
        where = located(source, index + 2 if index is not None else None)
        raise IssueError(f"{where}: front matter is not valid {kind}: {message}") from exc
    if not isinstance(data, dict):
        raise IssueError(f"{source}:2: front matter must be a table of keys ({FRONT_KEYS})")
    return data


FRONT_KEYS = "checks, goal_tests, test_command, budget"


def parse_issue(text: str, source: str = "issue") -> IssueSpec:
    """The issue body and the goal checks, test command and budget its front matter sets;
    `source` (the file's name) is what an `IssueError` names."""
    data, body, front = _split(text, source)
    try:
        front_matter = FrontMatter.model_validate(data)
    except ValidationError as exc:
        first = problems(exc)[0]
        line = key_line(front, first.loc)
        known = f" (known: {FRONT_KEYS})" if first.message == "unknown key" else ""
        where = located(source, line + 1 if line else None)
        raise IssueError(f"{where}: front matter: {first.key}: {first.message}{known}") from exc
    checks = list(front_matter.checks)
    if front_matter.goal_tests:
        if not front_matter.test_command:
            raise IssueError(f"{source}: front matter: goal_tests need a test_command to run them")
        checks.append(f"{front_matter.test_command} {shlex.join(front_matter.goal_tests)}")
    budget = front_matter.budget.overrides()
    if not body.strip():
        raise IssueError(f"{source}: the issue has no text (write it below the front matter)")
    return IssueSpec(body.strip(), tuple(checks), front_matter.test_command, budget)
