"""`LocalSandbox`: runs commands as host subprocesses in a directory. NOT isolated.

A real, dependency-free implementation of the `Sandbox` protocol for unit tests and for tools
that only need a shell in the workspace. It maps `/workspace` to its host directory. Use the
Docker backend for anything untrusted.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

from sandbox.base import WORKDIR, ExecResult
from sandbox.output import OutputCap
from sandbox.pipe import LocalPipe


class LocalSandbox:
    """Host-subprocess sandbox rooted at `root` (which stands for `/workspace`)."""

    def __init__(self, root: Path, *, default_timeout: float = 600.0, output_limit: int = 65536):
        self.root = Path(root).resolve()
        self.default_timeout = default_timeout
        self.output_limit = output_limit

    def start(self) -> Self:
        return self

    def _host_path(self, path: str) -> Path:
        if path == WORKDIR or path.startswith(WORKDIR + "/"):
            return self.root / path[len(WORKDIR) :].lstrip("/")
        return self.root / path if not path.startswith("/") else Path(path)

    def exec(
        self,
        command: str,
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        session: bool = True,
    ) -> ExecResult:
        del session  # every command is one-shot here
        started = time.monotonic()
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=self._host_path(cwd or WORKDIR),
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(self.root),
                **(env or {}),
            },
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        cap = OutputCap(self.output_limit)
        timed_out = False
        deadline = started + (timeout or self.default_timeout)
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        while True:
            chunk = proc.stdout.read(65536)
            if chunk:
                cap.feed(chunk)
            elif proc.poll() is not None:
                break
            else:
                time.sleep(0.002)
            if time.monotonic() > deadline:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
        exit_code = proc.wait()
        return ExecResult(
            exit_code=124 if timed_out else exit_code,
            output=cap.text(),
            truncated=cap.dropped > 0,
            timed_out=timed_out,
            duration_s=time.monotonic() - started,
            dropped_bytes=cap.dropped,
        )

    def open_pipe(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> LocalPipe:
        """Start `argv` in the directory (a host process, NOT isolated) with a byte pipe to its
        stdin and stdout; `close()` on the pipe stops it."""
        home = {"HOME": str(self.root)}
        return LocalPipe(argv, env={**home, **(env or {})}, cwd=self._host_path(cwd or WORKDIR))

    def put(self, path: str, data: bytes) -> None:
        target = self._host_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def get(self, path: str) -> bytes:
        return self._host_path(path).read_bytes()

    def snapshot(self) -> str:
        raise NotImplementedError("LocalSandbox has no snapshots")

    def fork(self) -> LocalSandbox:
        raise NotImplementedError("LocalSandbox cannot fork")

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalSandbox({shlex.quote(str(self.root))})"
