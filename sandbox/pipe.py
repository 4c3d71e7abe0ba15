"""Pipes to a long-lived process: its stdin and stdout as bytes, the tail of its stderr aside.

`DockerPipe` runs the process in a started container over its own exec socket (as the sandbox
user, with the sandbox's environment and no other); `LocalPipe` runs it on the host (tests and
`LocalSandbox`). Either stops the process's whole session on `close()`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from sandbox.base import WORKDIR
from sandbox.container import SandboxContainer
from sandbox.frames import FrameSocket

STDERR_TAIL = 8192
"""Bytes of a process's standard error kept for diagnostics (its last ones)."""
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 2.0
"""How long a process whose stdin was closed may take to exit before it is killed."""
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

PIPE_WRAPPER = 'read -r -n 1 __da_go; printf "%s\\n" "$$"; exec "$@"'
"""`bash -c PIPE_WRAPPER NAME ARGV...`: wait for one byte on stdin (output that raced the HTTP
upgrade would be stuck in the SDK's buffer), say the pid (the exec's session id), then become
ARGV, keeping stdin and stdout."""


class PipeError(OSError):
    """The process could not be started or gave no sign of life."""


class ProcessPipe(Protocol):
    """A running process's standard streams."""

    def write(self, data: bytes) -> None:
        """Send `data` to its stdin; OSError once the process is gone."""
        ...

    def read(self) -> bytes:
        """Its next stdout bytes (blocks); b'' at the end of the stream."""
        ...

    def close_stdin(self) -> None: ...

    def stderr_tail(self) -> str:
        """The last `STDERR_TAIL` bytes it wrote to stderr."""
        ...

    def close(self) -> None:
        """Stop the process (its whole session) and release the streams."""
        ...


class _Tail:
    def __init__(self) -> None:
        self.data = bytearray()
        self._lock = threading.Lock()

    def feed(self, chunk: bytes) -> None:
        with self._lock:
            self.data += chunk
            del self.data[: max(len(self.data) - STDERR_TAIL, 0)]

    def text(self) -> str:
        with self._lock:
            return self.data.decode("utf-8", "replace")


def check_env(env: Mapping[str, str]) -> None:
    bad = [name for name in env if not _ENV_NAME.match(name)]
    if bad:
        raise ValueError(f"invalid environment variable names: {bad}")


class DockerPipe:
    """A process in a container, reached over one exec socket (stderr frames kept apart)."""

    def __init__(self, sock: socket.socket, kill: Callable[[int], object]) -> None:
        self._tail = _Tail()
        self._io = FrameSocket(sock, on_stderr=self._tail.feed)
        self._kill = kill
        self._pending = b""
        self._ended = False
        self.pid = 0

    @classmethod
    def open(
        cls,
        box: SandboxContainer,
        argv: Sequence[str],
        kill: Callable[[int], object],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> DockerPipe:
        """Start `argv` in `box`; `kill(sid)` stops a session in it (the control shell)."""
        env = dict(env or {})
        check_env(env)
        api = box.client.api
        exec_id = api.exec_create(
            box.id,
            ["bash", "-c", PIPE_WRAPPER, "devagent-pipe", *argv],
            stdin=True,
            tty=False,
            user=box.user,
            workdir=cwd or WORKDIR,
            environment={**box.base_env(), **env},
        )["Id"]
        raw = api.exec_start(exec_id, socket=True)
        pipe = cls(getattr(raw, "_sock", raw), kill)
        pipe.write(b"g")
        pipe._read_pid(time.monotonic() + READY_TIMEOUT_S)
        return pipe

    def _read_pid(self, deadline: float) -> None:
        data = b""
        while b"\n" not in data:
            try:
                chunk = self._io.recv(deadline)
            except TimeoutError as exc:
                self.close()
                raise PipeError("the process did not start in time") from exc
            if not chunk:
                self.close()
                raise PipeError(f"the process ended at once: {self.stderr_tail()[-500:]}")
            data += chunk
        line, self._pending = data.split(b"\n", 1)
        self.pid = int(line.strip() or 0)

    def write(self, data: bytes) -> None:
        self._io.send(data)

    def read(self) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        while not self._ended:
            try:
                data = self._io.recv(time.monotonic() + 3600)
            except TimeoutError:
                continue
            if not data:
                self._ended = True
            return data
        return b""

    def close_stdin(self) -> None:
        with contextlib.suppress(OSError):
            self._io.sock.shutdown(socket.SHUT_WR)

    def stderr_tail(self) -> str:
        return self._tail.text()

    def close(self) -> None:
        if self.pid and not self._ended:
            self._kill(self.pid)
        self._ended = True
        with contextlib.suppress(OSError):
            self._io.sock.shutdown(socket.SHUT_RDWR)
        self._io.close()


class LocalPipe:
    """A host process in its own session, with the given environment only (plus PATH)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        env = dict(env or {})
        check_env(env)
        self._tail = _Tail()
        try:
            self._proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
                start_new_session=True,
            )
        except OSError as exc:
            raise PipeError(f"could not start {argv[0]!r}: {exc.strerror or exc}") from exc
        self._stderr = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr.start()

    def _drain_stderr(self) -> None:
        stderr = self._proc.stderr
        assert isinstance(stderr, io.BufferedReader)
        while chunk := stderr.read1(65536):
            self._tail.feed(chunk)

    def write(self, data: bytes) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(data)
        self._proc.stdin.flush()

    def read(self) -> bytes:
        stdout = self._proc.stdout
        assert isinstance(stdout, io.BufferedReader)
        try:
            return stdout.read1(65536)
        except (OSError, ValueError):
            return b""

    def close_stdin(self) -> None:
        with contextlib.suppress(OSError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()

    def stderr_tail(self) -> str:
        if self._proc.poll() is not None:  # what it wrote last may still be in the pipe
            self._stderr.join(0.5)
        return self._tail.text()

    def close(self) -> None:
        self.close_stdin()
        try:
            self._proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
