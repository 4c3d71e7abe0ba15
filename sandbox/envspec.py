"""The `[environment]` table: how a repository's sandbox image is set up, validated as a model."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sandbox.errors import SandboxError

__all__ = ["EnvironmentSpec", "EnvironmentSpecError", "load_environment"]

_PYTHON = re.compile(r"^3\.\d{1,2}$")


class EnvironmentSpecError(SandboxError):
    """An `[environment]` table has an unknown key or a bad value (one line, naming the file)."""


class EnvironmentSpec(BaseModel):
    """What the user says about a repository's environment; everything else is detected.

    Commands run at image BUILD time (with network), never when the agent works."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    python: str | None = None
    """Python version as X.Y (e.g. "3.9"); None: chosen from requires-python, .python-version,
    classifiers and tox's envlist among the interpreters that can be had."""
    pre_install: list[str] = Field(default_factory=list)
    """Shell commands run as root before the dependencies are installed (cwd: the manifests)."""
    install: list[str] = Field(default_factory=list)
    """Shell commands that replace the automatic dependency install; they run in the project
    layer with the repository at /workspace (e.g. `pip install -r requirements/test.txt`). The
    project's own editable install and the import check still happen."""
    pip: list[str] = Field(default_factory=list)
    """Requirements installed with the test tools; they also override every other requirement
    of the same name (a pin list: `pytest==7.4.4`)."""
    apt: list[str] = Field(default_factory=list)
    """Debian packages installed before anything else (e.g. `libxml2-dev`)."""
    env: dict[str, str] = Field(default_factory=dict)
    """Variables set in the sandbox (and while the image's commands run)."""
    test_command: str | None = None
    """The test command when none is given (flags, task or issue)."""
    as_of: str | None = None
    """Resolve unpinned requirements to versions uploaded by this date (YYYY-MM-DD or an ISO
    time); None: the base commit's date; "none": no date filter."""
    setup_script: str | None = None
    """A script in the repository (default `.devagent/setup.sh` when it exists) run as root at
    image build time, with network, after the dependencies are installed."""

    @field_validator("python")
    @classmethod
    def _major_minor(cls, value: str | None) -> str | None:
        if value is not None and not _PYTHON.match(value):
            raise ValueError(f"python must look like 3.11, got {value!r}")
        return value

    @field_validator("as_of")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is None or value.lower() == "none":
            return value and value.lower()
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"as_of must be a date (2024-01-31), an ISO time or 'none', got {value!r}"
            ) from None
        return value


def load_environment(data: Mapping[str, Any], source: str) -> EnvironmentSpec:
    """Validate an `[environment]` table read from `source` (a file name, for the message)."""
    try:
        return EnvironmentSpec.model_validate(dict(data))
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise EnvironmentSpecError(f"{source}: [environment] {problems}") from exc


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "<table>"
    if err["type"] == "extra_forbidden":
        known = ", ".join(EnvironmentSpec.model_fields)
        return f"unknown key {where!r} (known: {known})"
    return f"{where}: {err['msg']}"
