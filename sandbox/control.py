"""`ControlShell`: the builtin-only second shell that kills a command's processes.

It runs beside the session shell and forks nothing, so it can kill even when a fork bomb has
used up the pids limit. One request runs at a time: the loop's thread, or `interrupt` from
another one.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable

from sandbox.container import SandboxContainer
from sandbox.output import OutputCap
from sandbox.shell import ShellChannel, ShellClosed, ShellStuck

SWEEP_TIMEOUT_S = 30.0
"""A sweep is milliseconds, but reading /proc of a fork bomb's processes can block for seconds."""
KILL_TIMEOUT_S = 15.0

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
  local keep1=$1 keep2=$2 pass sig d p st rest found killed=0 roots=" "
  for d in /proc/[0-9]*; do
    read -r st 2>/dev/null < "$d/stat" || continue
    rest=${st##*) }; set -- $rest
    [ "$2" = 0 ] && roots+="${d#/proc/} "
  done
  for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    found=
    for sig in STOP KILL; do
      for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [ "$p" = 1 ] || [ "$p" = "$keep1" ] || [ "$p" = "$keep2" ] || [ "$p" = "$$" ] && continue
        read -r st 2>/dev/null < "$d/stat" || continue
        rest=${st##*) }; set -- $rest
        [ "$2" = 0 ] || [ "$4" = 1 ] || [[ "$roots" == *" $4 "* ]] && continue
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
`docker exec`) and the sessions they lead (an exec'd process's children, e.g. an MCP server's:
a command's processes can never join them), the two PIDs given (the shells) and itself: what a
command left running,
`setsid` children and fork bombs included. It returns 3 when the first PID (the session shell)
is gone or orphaned (its exec stream is closed), 4 when it killed something, 5 when processes
were still being made after every pass, else 0 (see `Sweep`)."""


class Sweep(enum.IntEnum):
    """What `__da_sweep` found (its exit status)."""

    CLEAN = 0
    """Nothing was left running."""
    SESSION_LOST = 3
    """The session shell is gone or lost its exec stream."""
    KILLED = 4
    """Left-over processes were killed (their output may still be in the session's stream)."""
    STUCK = 5
    """Processes were still being made after every pass, or the control shell failed."""


def kill_line(sid: int, include_leader: bool) -> str:
    """The control shell's command that stops, then kills, session `sid`."""
    scope = " all" if include_leader else ""
    return (
        f"__da_kill {sid} STOP{scope}; __da_kill {sid} KILL{scope}; "
        f"__da_kill {sid} KILL{scope}; __da_done 0\n"
    )


def _noop() -> None:
    return None


def _always() -> bool:
    return True


class ControlShell:
    """A shell in the container that only kills: `__da_kill` and `__da_sweep` (see `KILL_FN`)."""

    def __init__(self, channel: ShellChannel) -> None:
        self._channel = channel
        self._lock = threading.RLock()

    @classmethod
    def open(cls, container: SandboxContainer) -> ControlShell:
        channel = container.open_shell()
        channel.send(KILL_FN + "__da_done 0\n")
        channel.read_reply(OutputCap(4096), timeout=30)
        return cls(channel)

    @property
    def pid(self) -> int:
        return self._channel.pid

    def kill(
        self,
        sid: int,
        include_leader: bool = False,
        *,
        wait_s: float = -1,
        wanted: Callable[[], bool] = _always,
    ) -> bool:
        """Stop, then kill, every process of session `sid` (children that left the process
        group included; its leader too with `include_leader`). `wanted` is asked once the shell
        is free; waits at most `wait_s` for it (-1: as long as it takes). False when the kill
        was not wanted, the shell stayed busy, or it failed."""
        if sid <= 0:
            return True
        if not self._lock.acquire(timeout=wait_s):
            return False
        try:
            if not wanted():
                return False
            self._channel.run(
                kill_line(sid, include_leader), OutputCap(4096), KILL_TIMEOUT_S, _noop
            )
        except (ShellClosed, ShellStuck):
            return False
        finally:
            self._lock.release()
        return True

    def sweep(self, keep: int) -> Sweep:
        """Kill every process but the shells (`keep` and this one) and the keep-alive."""
        line = f"__da_sweep {keep} {self.pid}; __da_done $?\n"
        try:
            with self._lock:
                reply = self._channel.run(line, OutputCap(4096), SWEEP_TIMEOUT_S, _noop)
        except (ShellClosed, ShellStuck):
            return Sweep.STUCK
        known = reply.exit_code in Sweep._value2member_map_  # __da_sweep returns no other
        return Sweep(reply.exit_code) if known else Sweep.CLEAN

    def abort(self) -> None:
        """End the shell's stream from another thread (its container died)."""
        self._channel.abort()

    def close(self) -> None:
        self._channel.close()
