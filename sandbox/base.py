"""The backend-neutral sandbox contract: the `Sandbox` protocol and the `ExecResult` value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, Self

WORKDIR = "/workspace"


@dataclass(frozen=True)
class ExecResult:
    """What one command did. A non-zero exit or a timeout is a value here, never an exception."""

    exit_code: int
    output: str
    truncated: bool = False
    timed_out: bool = False
    duration_s: float = 0.0
    dropped_bytes: int = 0
    """Bytes of output left out between the kept head and tail."""
    restarted: bool = False
    """The persistent shell was broken and has been restarted (cwd and variables reset)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class Sandbox(Protocol):
    """A disposable, isolated place to run commands, with the workspace at `WORKDIR`."""

    def start(self) -> Self: ...

    def exec(
        self,
        command: str,
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        session: bool = True,
    ) -> ExecResult:
        """Run `command` with bash; `session=True` uses the persistent shell (cwd and exported
        variables carry over), `session=False` a fresh one-shot process."""
        ...

    def put(self, path: str, data: bytes) -> None: ...

    def get(self, path: str) -> bytes: ...

    def snapshot(self) -> str:
        """Commit the container's state (workspace included) to an image; return its id."""
        ...

    def fork(self) -> Sandbox:
        """A new, started sandbox from a snapshot of this one; the two then diverge."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...
