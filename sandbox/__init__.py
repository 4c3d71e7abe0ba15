"""Disposable, hardened Docker sandboxes. Usable without devagent: imports nothing from it."""

from sandbox.base import WORKDIR, ExecResult, Sandbox
from sandbox.errors import (
    DaemonUnavailableError,
    ImageBuildError,
    SandboxDied,
    SandboxError,
    SandboxStartError,
)

__all__ = [
    "WORKDIR",
    "DaemonUnavailableError",
    "ExecResult",
    "ImageBuildError",
    "Sandbox",
    "SandboxDied",
    "SandboxError",
    "SandboxStartError",
]
