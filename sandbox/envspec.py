"""A repository's environment description (placeholder; helper H1's module replaces it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class EnvironmentSpec(BaseModel):
    """How to build a repository's sandbox environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    python: str | None = None
    pre_install: list[str] = []
    install: str | None = None
    pip: list[str] = []
    apt: list[str] = []
    env: dict[str, str] = {}
    test_command: str | None = None
    as_of: str | None = None
    setup_script: str | None = None


def load_environment(data: dict[str, Any], source: str) -> EnvironmentSpec:
    """`data` as an `EnvironmentSpec`; `ValueError` naming `source` on a bad key or value."""
    try:
        return EnvironmentSpec.model_validate(data)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from exc
