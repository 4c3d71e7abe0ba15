"""`CommandRunner`: runs commands in a started sandbox container; their outcomes are values.

A persistent bash session answers commands over one exec socket (under half a millisecond a
command); a one-shot mode runs each command in a fresh process. A timed-out or interrupted
command's whole session is killed through the control shell, background children included, and
what a command leaves running is swept away (the sweep runs when the sentinel reports strays).
A broken shell is reopened where it was; a stopped container is started again.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import docker.errors

from sandbox.base import WORKDIR, ExecResult
from sandbox.container import SandboxContainer
from sandbox.control import ControlShell, Sweep
from sandbox.deathwatch import DeathWatch
from sandbox.errors import SandboxDied
from sandbox.output import OutputCap
from sandbox.shell import ONE_SHOT, ShellChannel, ShellClosed, ShellStuck, ansi_c_quote, sh_quote

log = logging.getLogger(__name__)

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KILL_WAIT_S = 30.0
"""How long `kill_session` waits for the control shell (a sweep may hold it)."""


class CommandRunner:
    """The session shell, the control shell and one-shot commands of one started container."""

    def __init__(
        self, container: SandboxContainer, shell: ShellChannel, control: ControlShell
    ) -> None:
        self._container = container
        self._config = container.config
        self._shell = shell
        self._control = control
        self._running: tuple[int, bool] | None = None
        """(session id, kill its leader too) of the command running now, for `interrupt`."""
        self._interrupted = False
        self._one_shot: ShellChannel | None = None
        self._watch = (
            DeathWatch(container.client.api, container.id, self._on_container_death)
            if self._config.runtime == "runsc"
            else None
        )
        """Under runsc only: an out-of-memory kill there stops the container and leaves its
        exec streams open (see `sandbox.deathwatch`)."""

    @classmethod
    def open(cls, container: SandboxContainer) -> CommandRunner:
        """Open the session and control shells of a started container (both at once)."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            control = pool.submit(ControlShell.open, container)
            shell = container.open_shell()
            return cls(container, shell, control.result())

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        self._shell.close()
        self._control.close()

    def _on_container_death(self) -> None:
        """The container died (or was restarted): when it is down, end the shells' streams so
        that the command waiting on them returns and the container is started again."""
        if self._container.running():
            return
        log.warning("sandbox %s: its container died; ending its commands", self._container.id[:12])
        for channel in (self._shell, self._one_shot):
            if channel is not None:
                channel.abort()
        self._control.abort()

    def exec(
        self,
        command: str,
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        session: bool = True,
    ) -> ExecResult:
        """Run `command` (see `Sandbox.exec`); a non-zero exit or a timeout is a value."""
        env = dict(env or {})
        bad = [name for name in env if not _ENV_NAME.match(name)]
        if bad:
            raise ValueError(f"invalid environment variable names: {bad}")
        timeout = timeout or self._config.default_timeout
        cap = OutputCap(self._config.output_limit)
        started, started_at = time.monotonic(), time.time()
        self._interrupted = False
        try:
            if session:
                code, timed_out, restarted = self._exec_session(command, timeout, cwd, env, cap)
            else:
                code, timed_out = self._exec_one_shot(command, timeout, cwd, env, cap)
                restarted = False
        finally:
            self._running = None
        output = cap.text()
        if self._interrupted:
            code, output = 130, output + "\n[sandbox: the command was stopped by the user]"
        elif code == 137 and not timed_out:
            output += self._kill_note(started_at)
        return ExecResult(
            exit_code=124 if timed_out else code,
            output=output,
            truncated=cap.dropped > 0,
            timed_out=timed_out,
            duration_s=time.monotonic() - started,
            dropped_bytes=cap.dropped,
            restarted=restarted,
        )

    def interrupt(self) -> bool:
        """Stop the command running now, from another thread (Ctrl-C): its processes are killed
        and it returns exit 130; the session shell and its state survive. False when no
        command was running or the control shell was busy for seconds."""
        running = self._running
        if running is None:
            return False

        def still_running() -> bool:
            if self._running != running:
                return False
            self._interrupted = True
            return True

        return self._control.kill(*running, wait_s=5, wanted=still_running)

    def kill_session(self, sid: int) -> bool:
        """Stop, then kill, every process of session `sid` (its leader too), from any thread
        (e.g. a process started over its own exec socket); False when the kill failed."""
        return self._control.kill(sid, include_leader=True, wait_s=KILL_WAIT_S)

    def _exec_session(
        self, command: str, timeout: float, cwd: str | None, env: dict[str, str], cap: OutputCap
    ) -> tuple[int, bool, bool]:
        """(exit code, timed out, shell restarted) of `command` run in the session shell."""
        shell = self._shell
        prefix = f"cd -- {sh_quote(cwd)} && " if cwd else ""
        assigns = "".join(f"{k}={sh_quote(v)} " for k, v in env.items())
        watch = f"__da_ctl={self._control.pid}; "  # __da_done counts it gone as a stray
        line = f"{watch}{prefix}{assigns}eval {ansi_c_quote(command)} </dev/null; __da_done $?\n"
        self._running = (shell.pid, False)
        try:
            reply = shell.run(line, cap, timeout, lambda: self._kill_session(shell.pid))
        except ShellClosed:
            self._revive_if_stopped()
            if self._shell is shell:  # not already replaced by a container restart
                self._restart_shell(shell)
            return 137, False, True
        except ShellStuck:
            self._kill_session(shell.pid, include_leader=True)
            self._restart_shell(shell)
            return 124, True, True
        if reply.timed_out and not self._reaped(shell):
            self._kill_session(shell.pid, include_leader=True)
            self._restart_shell(shell)
            return reply.exit_code, True, True
        if reply.shell_exited:  # the command exited the shell; its trap said where it was
            self._restart_shell(shell, pwd=reply.pwd)
            return reply.exit_code, reply.timed_out, True
        if reply.strays != 0:
            self._sweep()
        return reply.exit_code, reply.timed_out, False

    def _exec_one_shot(
        self, command: str, timeout: float, cwd: str | None, env: dict[str, str], cap: OutputCap
    ) -> tuple[int, bool]:
        """(exit code, timed out) of `command` run in a fresh shell of its own session."""
        box = self._container
        api = box.client.api
        nonce = uuid.uuid4().hex[:16]
        exec_id = api.exec_create(
            box.id,
            ["setsid", "-w", "bash", "-c", ONE_SHOT, nonce, command, str(self._control.pid)],
            stdin=True,
            user=box.user,
            workdir=cwd or WORKDIR,
            environment={**box.base_env(), **env},
        )["Id"]
        channel = ShellChannel(api, box.id, user=box.user, env={}, nonce=nonce)
        channel.attach(api.exec_start(exec_id, socket=True))
        self._one_shot = channel
        channel.send("g")
        deadline = time.monotonic() + timeout
        timed_out = False
        try:
            self._running = (channel.read_started(timeout), True)
            reply = channel.read_reply(cap, timeout=max(deadline - time.monotonic(), 0.001))
            code, left_over = reply.exit_code, reply.strays != 0
        except TimeoutError:
            timed_out, left_over = True, True
            if channel.pid:
                self._kill_session(channel.pid, include_leader=True)
            code = 124
        except ShellClosed:
            self._revive_if_stopped()
            code, left_over = api.exec_inspect(exec_id).get("ExitCode") or 137, True
        finally:
            self._one_shot = None
            channel.close()
        if left_over:
            self._sweep()
        return code, timed_out

    def _reaped(self, shell: ShellChannel) -> bool:
        """Reap the killed jobs now, so their notices do not leak into the next command;
        False when the shell does not come back."""
        try:
            shell.run(
                "{ wait; } >/dev/null 2>&1; __da_done 0\n", OutputCap(1024), 10.0, lambda: None
            )
        except (ShellStuck, ShellClosed):
            return False
        return True

    def _kill_session(self, sid: int, *, include_leader: bool = False) -> None:
        """Kill session `sid` through the control shell; restart the container when it fails."""
        if not self._control.kill(sid, include_leader):
            log.warning("control shell failed; restarting the container to stop the command")
            self._container.ensure_alive()
            self._restart_container()

    def _sweep(self) -> None:
        """Kill what the last command left running (unless background services are allowed);
        reopen a session shell that the command cut off. When the control shell cannot finish
        (a fork bomb at the pids limit), the container is restarted instead."""
        if self._config.keep_background:
            return
        outcome = self._control.sweep(keep=self._shell.pid)
        if outcome is Sweep.SESSION_LOST:
            log.info("the session shell lost its exec stream; reopening it")
            self._restart_shell(self._shell)
        elif outcome is Sweep.KILLED:  # what the killed processes wrote must not leak later
            self._drain(self._shell)
        elif outcome is Sweep.STUCK:
            self._restart_container()

    def _drain(self, shell: ShellChannel) -> None:
        """Reap the session shell's killed jobs and read up to a fresh sentinel, dropping what
        came before it (output of the killed processes, job notices)."""
        try:
            # Two lines: bash prints the notices of the reaped jobs before it reads the next.
            shell.run("{ wait; } >/dev/null 2>&1\n__da_done 0\n", OutputCap(0), 30.0, lambda: None)
        except (ShellClosed, ShellStuck):
            self._restart_shell(shell)

    def _restart_container(self) -> None:
        """Restart the container to kill everything in it, then reopen both shells, the session
        shell where it was."""
        pwd = self._shell.pwd
        self._shell.close()
        self._control.close()
        self._container.restart()
        self._control = ControlShell.open(self._container)
        self._shell = self._container.open_shell()
        self._shell.restore(pwd, self._shell.nonce)

    def _restart_shell(self, old: ShellChannel, pwd: str | None = None) -> None:
        """Replace a broken session shell with a new one, in `pwd` (else where the old one was),
        with the variables it exported."""
        old.close()
        try:
            self._revive_if_stopped()
            self._shell = self._container.open_shell()
            self._shell.restore(pwd or old.pwd, old.nonce)
        except (ShellClosed, TimeoutError, docker.errors.APIError) as exc:
            self._container.ensure_alive()
            cid = self._container.id
            raise SandboxDied(
                f"sandbox container {cid[:12]} is unusable "
                f"(stopped or removed from outside?): {exc}",
                container_id=cid,
            ) from exc

    def _revive_if_stopped(self) -> None:
        """Start the container again when it stopped under us, with a new control shell;
        `SandboxDied` when it was removed or cannot start."""
        if self._container.revive():
            self._control.close()
            self._control = ControlShell.open(self._container)

    def _kill_note(self, since: float) -> str:
        """Say why a command died of SIGKILL: the memory limit when Docker saw an OOM kill."""
        if self._container.oom_killed_since(since):
            limit = self._config.memory
            return f"\n[sandbox: killed by the out-of-memory killer (memory limit {limit})]"
        return "\n[sandbox: the command was killed (SIGKILL)]"
