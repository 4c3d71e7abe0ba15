"""Drive a long-lived `bash` inside a container over one Docker exec socket.

Each command is sent as one line (`eval $'…' </dev/null`, then `__da_done`). After its output the
shell sends a sentinel record, `\\0DA<nonce>:<kind>:<number>:<strays>:<pwd>\\0`, parsed into a
`Sentinel`. Output is read as Docker's multiplexed frames and capped while it streams; nothing but
the kept head and tail reaches host memory.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.frames import FrameSocket
from sandbox.output import OutputCap

STRAYS_FN = (
    "__da_strays() { local __da_c=() __da_i=() __da_f __da_l; "
    "if [ -e /proc/$$/task/$$/children ]; then "
    "builtin read -r -a __da_c 2>/dev/null < /proc/$$/task/$$/children; "
    "builtin read -r -a __da_i 2>/dev/null < /proc/1/task/1/children; "
    "__da_n=$(( ${#__da_c[@]} + ${#__da_i[@]} - 1 )); "
    "else __da_n=-1; for __da_f in /proc/[0-9]*/stat; do "
    'builtin read -r __da_l 2>/dev/null < "$__da_f" || continue; '
    "__da_l=${__da_l##*) }; __da_l=${__da_l#* }; __da_l=${__da_l%% *}; "
    '[ "$__da_l" = "$$" ] || [ "$__da_l" = 1 ] && __da_n=$(( __da_n + 1 )); '
    "done; fi; "
    '[ -z "$__da_ctl" ] || builtin kill -0 "$__da_ctl" 2>/dev/null '
    "|| __da_n=$(( __da_n < 0 ? __da_n : __da_n + 1 )); "
    "}"
)
"""Defines `__da_strays`, which sets `__da_n` to what may have been left running: the shell's
children, PID 1's children beyond its one `sleep` (orphans land there: `setsid`, double forks,
a one-shot shell's jobs), and one more when the control shell `$__da_ctl` is gone (but -1
stays -1, and -1 + 1 would say "nothing left"). Builtins only: two small reads where the kernel
has /proc/PID/task/TID/children; where it has not (gVisor), the same count from the parent
field of each /proc/PID/stat (a few processes: no fork, no sweep). The sweep runs when it is not
0 (-1 when PID 1's `sleep` is not seen, so that command is swept). Processes started from
outside (`docker exec`: pipes, hooks, a person's shell) are children of no process inside, so
they never cost a sweep."""

BOOTSTRAP = (
    STRAYS_FN.replace("{", "{{").replace("}", "}}")
    + r"""
exec 2>&1
__da_done() {{
  declare -px > /tmp/.da-state-{nonce} 2>/dev/null
  __da_strays
  printf '\0DA{nonce}:%s:%s:%s:%s\0' "${{2:-done}}" "$1" "$__da_n" "$PWD"
}}
trap '__da_done "$?" exited' EXIT
__da_done "$$" started
"""
)
"""Defines `__da_done STATUS [KIND]` (KIND 'done' unless given), sends the shell's 'started'
record and makes its exit send an 'exited' one."""

ONE_SHOT = (
    STRAYS_FN + "; __da_ctl=$2; read -r -n 1 __da_go; "
    'printf "\\0DA%s:started:%s::\\0" "$0" "$$"; '
    "trap '__da_rc=$?; __da_strays; "
    'printf "\\0DA%s:exited:%s:%s:\\0" "$0" "$__da_rc" "$__da_n"\' EXIT; eval "$1" </dev/null'
)
"""`bash -c ONE_SHOT NONCE COMMAND CONTROL_PID`: one command in a fresh shell, with the same
records. It waits for one byte on stdin before printing anything: output that raced the HTTP
upgrade response would be stuck in the SDK's read buffer, out of reach of the raw socket."""

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


SentinelKind = Literal["started", "done", "exited"]


@dataclass(frozen=True)
class Sentinel:
    """One record a shell sends after its output: `<kind>:<number>:<strays>:<pwd>`, where the
    number is the shell's pid for 'started' and an exit status for 'done' and 'exited'."""

    kind: SentinelKind
    """'started': a shell is ready; 'done': a command finished; 'exited': the shell is exiting."""
    pid: int = 0
    """The shell's pid (session id), in a 'started' record only."""
    exit_code: int = 0
    """The command's or the exiting shell's status; 0 in a 'started' record."""
    strays: int = -1
    """How many processes may have been left running (see `STRAYS_FN`); 0 when none,
    -1 when not reported."""
    pwd: str = ""
    """The shell's working directory ('' when not reported)."""


def parse_sentinel(body: str) -> Sentinel:
    """`'done:0:1:/workspace'` -> Sentinel('done', exit_code=0, strays=1, pwd='/workspace')."""
    fields = body.split(":", 3)
    if len(fields) != 4 or fields[0] not in ("started", "done", "exited"):
        raise ValueError(f"not a sentinel record: {body!r}")
    kind, number, strays, pwd = fields
    count = int(strays) if strays.isdigit() else -1
    if kind == "started":
        return Sentinel("started", pid=int(number), strays=count, pwd=pwd)
    return Sentinel(kind, exit_code=int(number), strays=count, pwd=pwd)  # type: ignore[arg-type]


@dataclass
class ShellReply:
    """What one command line got back: its output and the sentinel record that ended it."""

    exit_code: int
    cap: OutputCap
    pwd: str
    timed_out: bool = False
    strays: int = -1
    """How many processes may have been left running (see `Sentinel.strays`)."""
    shell_exited: bool = False
    """The command made the shell exit; `pwd` is where it was."""


class SentinelReader:
    """Splits a stream at `\\0DA<nonce>:<record>\\0`, feeding what precedes it to a cap."""

    def __init__(self, nonce: str, cap: OutputCap) -> None:
        self.marker = b"\0DA" + nonce.encode() + b":"
        self.cap = cap
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> Sentinel | None:
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
        return parse_sentinel(body)

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
        self.read_started(timeout)

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
        if self._io is None:
            raise ShellClosed("the shell is not open")
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

    def read_started(self, timeout: float) -> int:
        """Read a new shell's 'started' record; remember and return the shell's pid."""
        sentinel = self.read_sentinel(OutputCap(4096), timeout)
        if sentinel.kind != "started":
            raise ShellClosed(f"the shell sent a {sentinel.kind!r} record before 'started'")
        self.pid = sentinel.pid
        return self.pid

    def read_reply(self, cap: OutputCap, timeout: float, *, keep_cap: bool = False) -> ShellReply:
        """Read a command's output up to its 'done' (or 'exited') record, feeding it to `cap`
        (or, with `keep_cap`, to the cap of the reply being continued)."""
        sentinel = self.read_sentinel(cap, timeout, keep_cap=keep_cap)
        return ShellReply(
            exit_code=sentinel.exit_code,
            cap=self._reader.cap,
            pwd=self.pwd,
            strays=sentinel.strays,
            shell_exited=sentinel.kind == "exited",
        )

    def read_sentinel(self, cap: OutputCap, timeout: float, *, keep_cap: bool = False) -> Sentinel:
        """Read up to the next sentinel record, feeding what precedes it to `cap`."""
        if self._io is None:
            raise ShellClosed("the shell is not open")
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
        self.pwd = found.pwd or self.pwd
        return found

    def abort(self) -> None:
        """End the stream from another thread: a read waiting on it raises ShellClosed."""
        io = self._io
        if io is not None:
            io.shutdown()

    def close(self) -> None:
        if self._io is not None:
            self._io.close()
            self._io = None
