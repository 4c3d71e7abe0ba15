"""`AgentIO`: what the loop is handed instead of importing the workspace, the CLI or signals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.hookrun import Hooks
from devagent.agent.trajectory import Trajectory
from devagent.tools.base import ToolContext
from sandbox import Sandbox


@dataclass
class AgentIO:
    """The run's links to the outside world, injected so the loop imports no workspace code."""

    workspace: Path = Path(".")
    patch_fn: Callable[[], str] = lambda: ""
    """The current patch of the workspace against its base."""
    restore_fn: Callable[[str], None] | None = None
    """Reset the workspace to its base plus the given patch."""
    fork_patch_fn: Callable[[Sandbox], str] = sandbox_diff
    trajectory: Trajectory = field(default_factory=lambda: Trajectory(None))
    stop: threading.Event = field(default_factory=threading.Event)
    """Set by the CLI's SIGINT handler: the current step finishes, then the run ends."""
    cache_dir: Path | None = None
    """The tools' caches (the repo map's tag index); None keeps them in memory per call."""
    context: ToolContext | None = None
    """The run's one tool context, when the caller made it (the pipeline's, which made the
    first map); the loop sets its test command and timeout. None: the loop makes it."""
    hooks: Hooks = field(default_factory=Hooks)
    """The run's hooks (`devagent.agent.hookrun.build_hooks`); none by default."""


class WorkspaceLike(Protocol):
    """What the agent and a chat session need of `devagent.workspace.Workspace` (structural:
    the agent imports no workspace code)."""

    @property
    def tree(self) -> Path:
        """The work tree the sandbox mounts."""
        ...

    def diff(self, *, since_start: bool = False) -> str: ...

    def dirty_diff(self) -> str:
        """The person's carried-over uncommitted changes ("" when the run starts at a commit)."""
        ...

    def reset_to(self, patch: str, *, since_start: bool = False) -> None: ...


def host_workspace(sandbox: Sandbox, default: Path) -> Path:
    """The host directory `sandbox` mounts at /workspace, when it says (a fork has its own copy):
    `DockerSandbox.config.workspace` or `LocalSandbox.root`; else `default`."""
    config = getattr(sandbox, "config", None)
    path = getattr(config, "workspace", None) or getattr(sandbox, "root", None)
    return Path(path) if path else default
