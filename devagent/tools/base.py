"""What every tool is: a name, a JSON schema, and a function `(args, ctx) -> Observation`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import Sandbox


@dataclass(frozen=True)
class Observation:
    """What a tool tells the model. `ok=False` is an expected failure (a hunk that does not apply,
    a missing file): text for the model, never an exception. `data` carries structured facts
    for the harness (e.g. changed paths, a parsed test summary); it is not shown to the model."""

    text: str
    ok: bool = True
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failure(cls, text: str, **data: Any) -> Observation:
        return cls(text=text, ok=False, data=data)


@dataclass
class ToolContext:
    """What tools may touch: the host side of the workspace and the sandbox that mounts it."""

    workspace: Path
    sandbox: Sandbox
    cache_dir: Path | None = None
    """Where tools may keep caches (e.g. the repo-map index). None: no disk cache."""
    test_command: str | None = None
    command_timeout: float = 600.0
    extra: dict[str, Any] = field(default_factory=dict)


ToolFn = Callable[[dict[str, Any], ToolContext], Observation]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments (an object schema)."""
    fn: ToolFn
    listed: bool = True
    """Shown to the model. An unlisted tool still answers a call by its name (e.g. an MCP
    tool the person's config does not allow answers with the refusal and its reason)."""
    asks: bool = False
    """Each call needs the person's approval first (a chat asks; nothing else lists it)."""

    def __call__(self, args: dict[str, Any], ctx: ToolContext) -> Observation:
        return self.fn(args, ctx)
