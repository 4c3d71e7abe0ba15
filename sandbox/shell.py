"""Drive a long-lived `bash` inside a container over one Docker exec socket.

Each command is sent as one line (`eval $'…' </dev/null`, then a sentinel carrying a per-shell
nonce, the exit code and the working directory). Output is read as Docker's multiplexed frames
and capped while it streams; nothing but the kept head and tail reaches host memory.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.output import OutputCap

BOOTSTRAP = r"""exec 2>&1
__da_done() {{
  declare -px > /tmp/.da-state-{nonce} 2>/dev/null
  local __da_p=(/proc/[0-9]*)
  printf '\0DA{nonce}:%s:%s|%s%s\0' "$1" "${{#__da_p[@]}}" "$2" "$PWD"
}}
trap '__da_done "$?" "!"' EXIT
__da_done "$$"
"""

KILL_FN = r"""__da_kill() {
  local S=$1 sig=$2 scope=$3 d st rest
  for d in /proc/[0-9]*; do
    [ "${d#/proc/}" = "$S" ] && [ "$scope" != all ] && continue
    read -r st 2>/dev/null < "$d/stat" || continue
    rest=${st##*) }; set -- $rest
    [ "$4" = "$S" ] && kill -"$sig" "${d#/proc/}" 2>/dev/null
  done
  return 0
}
__da_sweep() {
  local keep1=$1 keep2=$2 pass sig d p st rest found killed=0
  for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    found=
    for sig in STOP KILL; do
      for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [ "$p" = 1 ] || [ "$p" = "$keep1" ] || [ "$p" = "$keep2" ] || [ "$p" = "$$" ] && continue
        read -r st 2>/dev/null < "$d/stat" || continue
        rest=${st##*) }; set -- $rest
        [ "$2" = 0 ] || [ "$4" = 1 ] && continue
        kill -"$sig" "$p" 2>/dev/null && found=1 killed=4
      done
    done
    [ -z "$found" ] && break
  done
  [ -n "$found" ] && return 5
  read -r st 2>/dev/null < "/proc/$keep1/stat" || return 3
  rest=${st##*) }; set -- $rest
  [ "$2" = 1 ] && return 3
  return $killed
}
"""
"""Bash functions of the control shell (builtins only: they work at the pids limit).

`__da_kill SID SIG [all]` signals every process of session SID (the leader only with `all`).
`__da_sweep PID PID` stops, then kills, in passes until a pass finds nothing, every process but
PID 1's session (the keep-alive), the exec roots (parent 0: started from outside by
`docker exec`), the two PIDs given (the shells) and itself: what a command left running,
`setsid` children and fork bombs included. It returns 3 when the first PID (the session shell)
is gone or orphaned (its exec stream is closed), 4 when it killed something, 5 when processes
were still being made after every pass, else 0."""

KEEP_ALIVE = 'trap "" HUP INT QUIT TERM USR1 USR2; while :; do sleep 2147483647 & wait "$!"; done'
"""The container's PID 1. The kernel never delivers a signal from inside the container to its
init unless init handles it, so `kill -9 -1` by the sandbox user cannot stop the container; the
loop restarts the `sleep` it may kill, and bash reaps the orphans that are re-parented to it."""


class ShellClosed(Exception):
    """The exec stream ended before the sentinel (shell exited, container gone)."""


class ShellStuck(Exception):
    """No sentinel even after the command's processes were killed."""


def ansi_c_quote(text: str) -> str:
    """Quote `text` as a bash $'…' word that survives any byte, newline or quote."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


class FrameSocket:
    """Reads the payload of Docker's multiplexed stream (8-byte headers) from a raw socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._raw = bytearray()
        self._frame_left = 0

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, deadline: float) -> bytes:
        """Next payload bytes; b'' at end of stream; TimeoutError past `deadline`."""
        while True:
            payload = self._take_payload()
            if payload:
                return payload
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                raise
            except OSError:
                return b""
            if not data:
                return b""
            self._raw += data

    def _take_payload(self) -> bytes:
        out = bytearray()
        while self._raw:
            if self._frame_left == 0:
                if len(self._raw) < 8:
                    break
                (self._frame_left,) = struct.unpack(">I", self._raw[4:8])
                del self._raw[:8]
                continue
            n = min(self._frame_left, len(self._raw))
            out += self._raw[:n]
            del self._raw[:n]
            self._frame_left -= n
        return bytes(out)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


@dataclass
class ShellReply:
    exit_code: int
    cap: OutputCap
    pwd: str
    timed_out: bool = False
    processes: int = -1
    """How many processes the container had when the sentinel was sent (-1: not reported)."""


def split_process_count(field: str) -> tuple[int, str]:
    """`'<n>|<pwd>'` (what `__da_done` sends) -> (n, pwd); a field without a count -> (-1, it)."""
    count, sep, rest = field.partition("|")
    return (int(count), rest) if sep and count.isdigit() else (-1, field)


class SentinelReader:
    """Splits a stream at `\\0DA<nonce>:<code>:<pwd>\\0`, feeding what precedes it to a cap."""

    def __init__(self, nonce: str, cap: OutputCap) -> None:
        self.marker = b"\0DA" + nonce.encode() + b":"
        self.cap = cap
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> tuple[int, str] | None:
        self._pending += chunk
        start = self._pending.find(self.marker)
        if start < 0:
            keep = len(self.marker) - 1
            if len(self._pending) > keep:
                self.cap.feed(bytes(self._pending[: len(self._pending) - keep]))
                del self._pending[: len(self._pending) - keep]
            return None
        end = self._pending.find(b"\0", start + len(self.marker))
        if end < 0:
            self.cap.feed(bytes(self._pending[:start]))
            del self._pending[:start]
            return None
        self.cap.feed(bytes(self._pending[:start]))
        body = self._pending[start + len(self.marker) : end].decode("utf-8", "replace")
        del self._pending[: end + 1]
        code, _, pwd = body.partition(":")
        return int(code), pwd

    def flush(self) -> None:
        self.cap.feed(bytes(self._pending))
        self._pending.clear()


class ShellChannel:
    """A persistent bash session in a container (started with `setsid`, so it leads a session)."""

    def __init__(
        self, api: Any, container_id: str, *, user: str, env: dict[str, str], nonce: str = ""
    ) -> None:
        self.api = api
        self.container_id = container_id
        self.user = user
        self.env = env
        self.nonce = nonce or secrets.token_hex(8)
        self.pid = 0
        self.pwd = "/workspace"
        self._io: FrameSocket | None = None
        self._reader = SentinelReader(self.nonce, OutputCap(4096))

    def open(self, workdir: str = "/workspace", timeout: float = 30.0) -> None:
        exec_id = self.api.exec_create(
            self.container_id,
            ["setsid", "-w", "bash", "--noprofile", "--norc"],
            stdin=True,
            tty=False,
            user=self.user,
            workdir=workdir,
            environment=self.env,
        )["Id"]
        self.attach(self.api.exec_start(exec_id, socket=True))
        self.send(BOOTSTRAP.format(nonce=self.nonce))
        reply = self.read_reply(OutputCap(4096), timeout=timeout)
        self.pid = reply.exit_code
        self.pwd = reply.pwd

    def attach(self, raw: Any) -> None:
        """Use the socket of a started exec (the SDK wraps it in a SocketIO)."""
        self._io = FrameSocket(getattr(raw, "_sock", raw))

    def restore(self, pwd: str, state_nonce: str) -> None:
        """Bring back the working directory and exported variables of a previous shell."""
        self.send(
            f"source /tmp/.da-state-{state_nonce} >/dev/null 2>&1; "
            f"cd -- {sh_quote(pwd)} >/dev/null 2>&1; __da_done 0\n"
        )
        self.read_reply(OutputCap(4096), timeout=10.0)

    def send(self, line: str) -> None:
        assert self._io is not None, "shell not open"
        self._io.send(line.encode())

    def run(
        self, line: str, cap: OutputCap, timeout: float, on_timeout: Callable[[], None]
    ) -> ShellReply:
        """Send one command line; on timeout call `on_timeout` (which kills the command's
        processes) and wait a short grace for the sentinel; raise ShellStuck without one."""
        self.send(line)
        try:
            return self.read_reply(cap, timeout=timeout)
        except TimeoutError:
            on_timeout()
        try:
            reply = self.read_reply(cap, timeout=3.0, keep_cap=True)
        except TimeoutError as exc:
            raise ShellStuck("the shell did not come back after its command was killed") from exc
        reply.timed_out = True
        return reply

    def read_reply(self, cap: OutputCap, timeout: float, *, keep_cap: bool = False) -> ShellReply:
        """Read up to the next sentinel, feeding what precedes it to `cap` (or, with
        `keep_cap`, to the cap of the reply being continued)."""
        assert self._io is not None, "shell not open"
        if not keep_cap:
            self._reader.cap = cap
        deadline = time.monotonic() + timeout
        found = self._reader.feed(b"")
        while found is None:
            chunk = self._io.recv(deadline)
            if not chunk:
                self._reader.flush()
                raise ShellClosed("the shell's stream ended")
            found = self._reader.feed(chunk)
        code, field = found
        processes, pwd = split_process_count(field)
        self.pwd = pwd or self.pwd
        return ShellReply(exit_code=code, cap=self._reader.cap, pwd=self.pwd, processes=processes)

    def close(self) -> None:
        if self._io is not None:
            self._io.close()
            self._io = None
