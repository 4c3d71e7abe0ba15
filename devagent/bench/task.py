"""The bundled task format: `tasks/<id>/task.toml` as a validated model, and its loader.

A task directory holds:

- `task.toml`: the `TaskConfig` below (unknown keys are rejected);
- `issue.md`: the problem as a user reports it, without the fix;
- `repo/`: the project's files, turned into a git repository at run time. The goal tests
  (`fail_to_pass`) live in the repo's test files, so the agent can run them; they fail before
  the fix and pass after;
- `solution.patch`: the reference fix (a `git diff` applying with `git apply` at the repo root,
  touching non-test files only); read only by the oracle.

Test ids are substituted into `test_select_command`: ids joined with `test_separator`; when the
separator is blank each id is shell-quoted, otherwise ids must be plain names (e.g. Go tests
joined with `|` inside a `-run` regex).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from devagent.agent.budget import BudgetConfig
from devagent.errors import DevagentError
from sandbox.envspec import EnvironmentSpec

__all__ = [
    "TASK_FILE",
    "Task",
    "TaskConfig",
    "TaskError",
    "load_task",
    "load_tasks",
    "test_files",
]

TASK_FILE = "task.toml"
ISSUE_FILE = "issue.md"
REPO_DIR = "repo"
SOLUTION_FILE = "solution.patch"

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PLAIN_TEST_ID = re.compile(r"^[A-Za-z0-9_./:-]+$")


class TaskError(DevagentError):
    """A task directory is missing a file or its `task.toml` is malformed."""

    hint = "a task needs task.toml, issue.md, repo/ and solution.patch; see devagent/bench/task.py"


class TaskConfig(BaseModel):
    """The contents of `task.toml`."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    id: str
    """Equals the task's directory name; lowercase letters, digits, '-' and '_'."""
    language: Literal["python", "node", "go"]
    """Picks the toolchain image when `image` is not given."""
    title: str
    """One line for reports."""
    test_command: str
    """Runs the whole suite from the repo root, e.g. `python -m pytest -q`."""
    test_select_command: str
    """Runs a selection; `{tests}` is replaced by the ids, e.g. `python -m pytest -q {tests}`."""
    test_separator: str = " "
    """Joins ids in `{tests}`; blank means shell-quote each id (Go uses `|` in a `-run` regex)."""
    fail_to_pass: list[str] = Field(min_length=1)
    """Goal tests: each fails before the fix and passes after."""
    pass_to_pass: list[str] = Field(min_length=1)
    """Tests that pass before the fix and must keep passing."""
    budget: BudgetConfig = BudgetConfig()
    """Limits for the agent's run: what `[budget]` sets, over the settings' defaults."""
    image: str | None = None
    """A prebuilt sandbox image; None: build one for `language` from the repo's dependency files."""
    environment: EnvironmentSpec | None = None
    """How the environment image is set up (python, pins, install commands, setup script)."""

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"task id {value!r} must match {_ID.pattern}")
        return value

    @field_validator("test_select_command")
    @classmethod
    def _has_placeholder(cls, value: str) -> str:
        if "{tests}" not in value:
            raise ValueError("test_select_command must contain the '{tests}' placeholder")
        return value

    @model_validator(mode="after")
    def _ids_fit_separator(self) -> TaskConfig:
        overlap = set(self.fail_to_pass) & set(self.pass_to_pass)
        if overlap:
            raise ValueError(f"tests in both fail_to_pass and pass_to_pass: {sorted(overlap)}")
        if self.test_separator.strip():
            for test_id in [*self.fail_to_pass, *self.pass_to_pass]:
                if not _PLAIN_TEST_ID.match(test_id):
                    raise ValueError(
                        f"test id {test_id!r} cannot be joined with {self.test_separator!r}; "
                        f"use ids matching {_PLAIN_TEST_ID.pattern}"
                    )
        return self

    def select_command(self, tests: Sequence[str]) -> str:
        """The shell command that runs exactly `tests` (ids from this task)."""
        if not tests:
            raise ValueError("select_command needs at least one test id")
        if self.test_separator.strip():
            joined = self.test_separator.join(tests)
        else:
            joined = self.test_separator.join(shlex.quote(t) for t in tests)
        return self.test_select_command.replace("{tests}", joined)


@dataclass(frozen=True)
class Task:
    """A loaded task: its config, its issue text and where its files are."""

    config: TaskConfig
    root: Path
    issue: str

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def repo_dir(self) -> Path:
        """The project's files (not yet a git repository)."""
        return self.root / REPO_DIR

    @property
    def solution_patch(self) -> Path:
        """The reference fix; only the oracle reads it."""
        return self.root / SOLUTION_FILE


def load_task(path: Path | str) -> Task:
    """Load the task in directory `path` (or the directory of the `task.toml` given)."""
    root = Path(path)
    if root.name == TASK_FILE:
        root = root.parent
    if not root.is_dir():
        raise TaskError(f"task directory not found: {root}")
    config = _read_config(root / TASK_FILE)
    if config.id != root.name:
        raise TaskError(f"{root / TASK_FILE}: id {config.id!r} differs from its directory name")
    _require(root / ISSUE_FILE, is_dir=False)
    _require(root / REPO_DIR, is_dir=True)
    _require(root / SOLUTION_FILE, is_dir=False)
    issue = (root / ISSUE_FILE).read_text(encoding="utf-8")
    if not issue.strip():
        raise TaskError(f"{root / ISSUE_FILE} is empty")
    return Task(config=config, root=root.resolve(), issue=issue)


def load_tasks(paths: Iterable[Path | str]) -> list[Task]:
    """Load tasks from task directories or suite directories (whose children hold `task.toml`).

    Tasks come back sorted by id; a duplicate id is an error.
    """
    tasks: dict[str, Task] = {}
    for path in paths:
        for task_dir in _task_dirs(Path(path)):
            task = load_task(task_dir)
            if task.id in tasks:
                first = tasks[task.id].root
                raise TaskError(f"duplicate task id {task.id!r}: {first} and {task_dir}")
            tasks[task.id] = task
    return [tasks[key] for key in sorted(tasks)]


def _task_dirs(path: Path) -> list[Path]:
    if (path / TASK_FILE).is_file() or path.name == TASK_FILE:
        return [path]
    if not path.is_dir():
        raise TaskError(f"no task or task suite at {path}")
    found = sorted(child for child in path.iterdir() if (child / TASK_FILE).is_file())
    if not found:
        raise TaskError(f"{path} holds no task directories (none has a {TASK_FILE})")
    return found


def _read_config(toml_path: Path) -> TaskConfig:
    _require(toml_path, is_dir=False)
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TaskError(f"{toml_path}: not valid TOML: {exc}") from exc
    try:
        return TaskConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise TaskError(f"{toml_path}: {problems}") from exc


def _require(path: Path, *, is_dir: bool) -> None:
    exists = path.is_dir() if is_dir else path.is_file()
    if not exists:
        kind = "directory" if is_dir else "file"
        raise TaskError(f"missing {kind}: {path}")


def test_files(task: Task) -> list[str]:
    """The repo files holding the task's tests: pytest ids' and Node ids' files; Go's *_test.go."""
    if task.config.language == "go":
        return sorted(str(p.relative_to(task.repo_dir)) for p in task.repo_dir.rglob("*_test.go"))
    ids = [*task.config.fail_to_pass, *task.config.pass_to_pass]
    return sorted({test_id.split("::")[0] for test_id in ids})
