"""Real-world task manifests (`tasks/real/<id>.toml`): load and validate them.

A manifest names a PyPI project, a base release (the repository the agent works on) and the
next release (whose `fix_files` form the reference fix and whose `test_files` form the hidden
test patch), the goal tests and the tests that must keep passing. It holds no third-party code:
`devagent.bench.realmirror` downloads both sdists and builds the repository at run time.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from devagent.bench.swebench import DEFAULT_SELECT
from devagent.errors import DevagentError
from devagent.problems import summary
from sandbox.envspec import EnvironmentSpec

STYLES = frozenset(
    {
        "setup-py-extras",
        "setup-cfg",
        "src-layout",
        "flat-layout",
        "poetry",
        "hatch",
        "flit",
        "setuptools-scm",
        "pytest-dependency",
        "importlib-metadata-version",
        "filterwarnings-error",
    }
)
"""The packaging styles a manifest may claim (documentation, checked for typos)."""


class RealTaskError(DevagentError):
    """A real-task manifest is missing, malformed, or names files its releases lack."""

    hint = "see tasks/real/README.md for the manifest format"


class RealTask(BaseModel):
    """One real-world task: a PyPI release pair and its tests."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    """Unique, lower case; also the mirror's name."""
    project: str
    """PyPI name."""
    base_version: str
    """The release the agent starts from."""
    fix_version: str
    """The next release: its `fix_files` and `test_files` are the reference."""
    title: str
    issue: str
    """The problem as a user would report it, written for this suite (never copied text)."""
    fix_files: list[str] = Field(min_length=1)
    """Source files taken from the fix release: the reference patch."""
    test_files: list[str] = Field(min_length=1)
    """Test files taken from the fix release: the hidden test patch."""
    fail_to_pass: list[str] = Field(min_length=1)
    pass_to_pass: list[str] = []
    test_select_command: str = DEFAULT_SELECT
    """Runs the given tests; `{tests}` is replaced by the ids."""
    styles: list[str] = []
    """Packaging styles this task covers (see `STYLES`)."""
    environment: EnvironmentSpec = EnvironmentSpec()

    @field_validator("styles")
    @classmethod
    def _known_styles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - STYLES)
        if unknown:
            raise ValueError(f"unknown styles {unknown}; known: {sorted(STYLES)}")
        return value

    @field_validator("fix_files", "test_files")
    @classmethod
    def _relative(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if p.startswith("/") or ".." in p.split("/")]
        if bad:
            raise ValueError(f"paths must be relative to the sdist's root: {bad}")
        return value

    @field_validator("test_select_command")
    @classmethod
    def _has_placeholder(cls, value: str) -> str:
        if "{tests}" not in value:
            raise ValueError("must contain {tests}")
        return value


def parse_real_task(text: str, source: str) -> RealTask:
    """A manifest from TOML text; `source` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RealTaskError(f"{source}: not TOML: {exc}") from exc
    try:
        return RealTask.model_validate(data)
    except ValidationError as exc:
        raise RealTaskError(f"{source}: not a real-task manifest: {summary(exc)}") from exc


def load_real_task(path: Path) -> RealTask:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RealTaskError(f"cannot read {path}: {exc}") from exc
    task = parse_real_task(text, str(path))
    if task.id != path.stem:
        raise RealTaskError(f"{path}: id {task.id!r} differs from the file name {path.stem!r}")
    return task


def manifest_paths(path: Path) -> list[Path]:
    """The manifests of a suite directory (its `*.toml` files), or `path` itself."""
    if path.is_file():
        return [path]
    return sorted(path.glob("*.toml")) if path.is_dir() else []


def is_real_suite(path: Path) -> bool:
    """Whether `path` is a real-task manifest or a directory of them (not a bundled task)."""
    if path.is_file():
        return path.suffix == ".toml" and path.name != "task.toml"
    return path.is_dir() and not (path / "task.toml").is_file() and bool(manifest_paths(path))


def load_real_tasks(paths: Iterable[Path]) -> list[RealTask]:
    """Tasks from manifests or suite directories, sorted by id; a duplicate id is an error."""
    tasks: dict[str, RealTask] = {}
    for path in paths:
        found = manifest_paths(path)
        if not found:
            raise RealTaskError(f"no real-task manifests at {path}")
        for manifest in found:
            task = load_real_task(manifest)
            if task.id in tasks:
                raise RealTaskError(f"duplicate real-task id {task.id!r} ({manifest})")
            tasks[task.id] = task
    return [tasks[key] for key in sorted(tasks)]
