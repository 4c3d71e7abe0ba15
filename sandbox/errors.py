"""The sandbox package's exception tree.

SandboxError
├── DaemonUnavailableError   no Docker daemon answers (the message names the fix)
├── SandboxStartError        a container could not be created or started
├── SandboxDied              the container vanished or was killed mid-use (OOM, removed)
└── ImageBuildError          an image build failed (carries the failing step and the log tail)

Expected outcomes of a command (non-zero exit, timeout, truncated output) are not errors: they are
fields of `ExecResult`.
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base of every error raised by the sandbox package."""


class DaemonUnavailableError(SandboxError):
    """No Docker daemon answers."""


class SandboxStartError(SandboxError):
    """A container could not be created or started."""


class SandboxDied(SandboxError):
    """The container is gone or was killed while in use."""

    def __init__(self, message: str, *, container_id: str = "", oom_killed: bool = False) -> None:
        super().__init__(message)
        self.container_id = container_id
        self.oom_killed = oom_killed


class ImageBuildError(SandboxError):
    """An image build failed."""

    def __init__(self, message: str, *, step: str = "", log_tail: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.log_tail = log_tail
