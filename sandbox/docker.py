"""`DockerSandbox`: a disposable, hardened container that runs commands fast.

A persistent bash session answers commands over one exec socket (about a millisecond a round
trip); a one-shot mode runs each command in a fresh process. A second, builtin-only control shell
kills a timed-out command's whole session (background children included), even when the pids
limit is exhausted. The container is removed on `close()`, at exit, on SIGTERM, or by `gc()`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

import docker
import docker.errors
from docker.types import Mount

from sandbox import lifecycle
from sandbox.base import WORKDIR, ExecResult
from sandbox.client import docker_client
from sandbox.config import SandboxConfig
from sandbox.errors import SandboxDied, SandboxError, SandboxStartError
from sandbox.files import chown_tree, copy_tree, tar_one_file, untar_one_file
from sandbox.output import OutputCap
from sandbox.shell import (
    KEEP_ALIVE,
    KILL_FN,
    ShellChannel,
    ShellClosed,
    ShellStuck,
    ansi_c_quote,
    sh_quote,
)

log = logging.getLogger(__name__)

FALLBACK_UID = 1000
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Waits for one byte on stdin before printing anything: output that raced the HTTP upgrade
# response would be stuck in the SDK's read buffer, out of reach of the raw socket.
ONE_SHOT = (
    "read -r -n 1 __da_go; "
    'printf "\\0DA%s:%s:\\0" "$0" "$$"; '
    "trap '__da_rc=$?; __da_p=(/proc/[0-9]*); "
    'printf "\\0DA%s:%s:%s|\\0" "$0" "$__da_rc" "${#__da_p[@]}"\' EXIT; eval "$1" </dev/null'
)
OWN_PROCESSES = 6
"""What a sandbox runs when idle: the keep-alive and its sleep, two shells and their exec roots.
A sentinel reporting more (a one-shot exec adds its own two) means a command left some behind."""


SWEEP_TIMEOUT_S = 30.0
"""A sweep is milliseconds, but reading /proc of a fork bomb's processes can block for seconds."""


def _kill_line(sid: int, include_leader: bool) -> str:
    scope = " all" if include_leader else ""
    return (
        f"__da_kill {sid} STOP{scope}; __da_kill {sid} KILL{scope}; "
        f"__da_kill {sid} KILL{scope}; __da_done 0\n"
    )


def _noop() -> None:
    return None


class DockerSandbox:
    """A hardened container with the workspace at /workspace. Use as a context manager."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        client: docker.DockerClient | None = None,
        session_id: str | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self._client = client
        self.container: Any = None
        self.user = ""
        self._shell: ShellChannel | None = None
        self._control: ShellChannel | None = None
        self._control_lock = threading.RLock()
        """The control shell serves one request at a time (the loop's thread, or `interrupt`)."""
        self._running: tuple[int, bool] | None = None
        """(session id, kill its leader too) of the command running now, for `interrupt`."""
        self._interrupted = False
        self._snapshots: dict[str, Path | None] = {}
        self._owned_dirs: list[Path] = []
        self._started_at = 0.0

    # lifecycle ---------------------------------------------------------------------------
    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = docker_client()
        return self._client

    def start(self) -> Self:
        if self.container is not None:
            return self
        self.user = self._resolve_user()
        self._started_at = time.time()
        try:
            self.container = self.client.containers.create(**self._create_kwargs())
        except docker.errors.ImageNotFound as exc:
            raise SandboxStartError(
                f"image {self.config.image!r} not found; build it with `devagent images ensure`"
            ) from exc
        except docker.errors.APIError as exc:
            raise SandboxStartError(f"could not create a sandbox: {exc.explanation}") from exc
        lifecycle.register(self.container.id, self._remove_container)
        try:
            self.container.start()
            with ThreadPoolExecutor(max_workers=1) as pool:  # both shells at once
                control = pool.submit(self._open_control)
                self._shell = self._open_channel()
                self._control = control.result()
        except (docker.errors.APIError, ShellClosed, TimeoutError) as exc:
            self.close()
            raise SandboxStartError(f"sandbox did not start: {exc}") from exc
        return self

    def close(self) -> None:
        for channel in (self._shell, self._control):
            if channel is not None:
                channel.close()
        self._shell = self._control = None
        if self.container is not None:
            self._remove_container()
            lifecycle.unregister(self.container.id)
            self.container = None
        for image_id in list(self._snapshots):
            try:
                self.client.images.remove(image_id, force=True)
            except docker.errors.APIError:
                log.debug("snapshot image %s already gone", image_id)
        self._snapshots.clear()
        for path in self._owned_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self._owned_dirs.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _remove_container(self) -> None:
        try:
            self.client.api.remove_container(self.container.id, force=True)
        except docker.errors.APIError as exc:
            if exc.status_code not in (404, 409):  # gone, or being removed already
                raise

    def _resolve_user(self) -> str:
        if self.config.user:
            return self.config.user
        ws = self.config.workspace
        if ws is not None:
            st = ws.stat()
            if st.st_uid != 0:
                return f"{st.st_uid}:{st.st_gid}"
            if os.geteuid() == 0:  # hand the private workspace to the sandbox user
                chown_tree(ws, FALLBACK_UID, FALLBACK_UID)
        return f"{FALLBACK_UID}:{FALLBACK_UID}"

    def _create_kwargs(self) -> dict[str, Any]:
        cfg = self.config
        uid, gid = self.user.split(":")
        tmpfs = {
            # exec: toolchains build and run binaries there (go test, cargo, native wheels);
            # Docker's tmpfs default is noexec.
            "/tmp": f"rw,exec,nosuid,nodev,size={cfg.tmp_size},mode=1777",
            cfg.home: f"rw,exec,nosuid,nodev,size={cfg.home_size},uid={uid},gid={gid},mode=700",
        }
        mounts = [
            Mount(dst, src, type="bind", read_only=True) for src, dst in cfg.extra_mounts.items()
        ]
        if cfg.workspace is not None:
            mounts.append(Mount(WORKDIR, str(cfg.workspace.resolve()), type="bind"))
        else:
            tmpfs[WORKDIR] = (
                f"rw,exec,nosuid,nodev,size={cfg.tmp_size},uid={uid},gid={gid},mode=755"
            )
        return {
            "image": cfg.image,
            "command": ["bash", "-c", KEEP_ALIVE],
            "init": False,
            "user": self.user,
            "working_dir": WORKDIR,
            "environment": self._base_env(),
            "labels": {**cfg.labels, **lifecycle.creator_labels(self.session_id)},
            "network_mode": cfg.network,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "privileged": False,
            "pids_limit": cfg.pids_limit,
            "mem_limit": cfg.memory,
            "memswap_limit": cfg.memory,
            "nano_cpus": int(cfg.cpus * 1e9),
            "read_only": cfg.read_only,
            "tmpfs": tmpfs,
            "mounts": mounts,
            "ipc_mode": "private",
            # Nothing is read from the container's log, and a command writing to PID 1's stdout
            # in a loop must not fill the host's disk: no log at all.
            "log_config": {"type": "none", "config": {}},
        }

    def _base_env(self) -> dict[str, str]:
        return {"HOME": self.config.home, "LANG": "C.UTF-8", "TERM": "dumb", **self.config.env}

    def _open_channel(self) -> ShellChannel:
        channel = ShellChannel(
            self.client.api, self.container.id, user=self.user, env=self._base_env()
        )
        channel.open()
        return channel

    def _open_control(self) -> ShellChannel:
        """The second shell, kept for killing: it defines `__da_kill` (bash builtins only)."""
        control = self._open_channel()
        control.send(KILL_FN + "__da_done 0\n")
        control.read_reply(OutputCap(4096), timeout=30)
        return control

    # commands ----------------------------------------------------------------------------
    def exec(
        self,
        command: str,
        *,
        timeout: float | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        session: bool = True,
    ) -> ExecResult:
        if self.container is None:
            raise SandboxError("sandbox not started; use `with DockerSandbox(...) as sb:`")
        env = dict(env or {})
        bad = [name for name in env if not _ENV_NAME.match(name)]
        if bad:
            raise ValueError(f"invalid environment variable names: {bad}")
        timeout = timeout or self.config.default_timeout
        cap = OutputCap(self.config.output_limit)
        started = time.monotonic()
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
            output += self._kill_note(started)
        return ExecResult(
            exit_code=124 if timed_out else code,
            output=output,
            truncated=cap.dropped > 0,
            timed_out=timed_out,
            duration_s=time.monotonic() - started,
            dropped_bytes=cap.dropped,
            restarted=restarted,
        )

    def _exec_session(
        self, command: str, timeout: float, cwd: str | None, env: dict[str, str], cap: OutputCap
    ) -> tuple[int, bool, bool]:
        assert self._shell is not None
        shell = self._shell
        prefix = f"cd -- {sh_quote(cwd)} && " if cwd else ""
        assigns = "".join(f"{k}={sh_quote(v)} " for k, v in env.items())
        line = f"{prefix}{assigns}eval {ansi_c_quote(command)} </dev/null; __da_done $?\n"
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
        if reply.pwd.startswith("!"):  # the command exited the shell; its trap said goodbye
            self._restart_shell(shell, pwd=reply.pwd[1:])
            return reply.exit_code, reply.timed_out, True
        if reply.processes != OWN_PROCESSES:
            self._sweep()
        return reply.exit_code, reply.timed_out, False

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

    def _sweep(self) -> None:
        """Kill what the last command left running (unless background services are allowed);
        reopen a session shell that the command cut off. When the control shell cannot finish
        (a fork bomb at the pids limit), the container is restarted instead."""
        if self.config.keep_background or self._shell is None or self._control is None:
            return
        line = f"__da_sweep {self._shell.pid} {self._control.pid}; __da_done $?\n"
        try:
            with self._control_lock:
                reply = self._control.run(line, OutputCap(4096), SWEEP_TIMEOUT_S, lambda: None)
            code = reply.exit_code
        except (ShellClosed, ShellStuck):
            code = 5
        if code == 3:
            log.info("the session shell lost its exec stream; reopening it")
            self._restart_shell(self._shell)
        elif code == 4:  # what the killed processes wrote must not leak later
            self._drain(self._shell)
        elif code == 5:
            self._restart_container()

    def _restart_container(self) -> None:
        """Kill everything in the container by restarting it (same workspace and mounts; /tmp
        and home start empty), then reopen both shells where the session shell was."""
        log.warning("sandbox %s: processes could not be stopped; restarting it", self.session_id)
        pwd = self._shell.pwd if self._shell is not None else WORKDIR
        for channel in (self._shell, self._control):
            if channel is not None:
                channel.close()
        try:
            self.container.restart(timeout=1)
        except docker.errors.APIError as exc:
            self._ensure_alive()
            raise SandboxDied(f"sandbox could not be restarted: {exc}") from exc
        self._control = self._open_control()
        self._shell = self._open_channel()
        self._shell.restore(pwd, self._shell.nonce)

    def _drain(self, shell: ShellChannel) -> None:
        """Reap the session shell's killed jobs and read up to a fresh sentinel, dropping what
        came before it (output of the killed processes, job notices)."""
        try:
            # Two lines: bash prints the notices of the reaped jobs before it reads the next.
            shell.run("{ wait; } >/dev/null 2>&1\n__da_done 0\n", OutputCap(0), 30.0, lambda: None)
        except (ShellClosed, ShellStuck):
            self._restart_shell(shell)

    def _restart_shell(self, old: ShellChannel, pwd: str | None = None) -> None:
        old.close()
        try:
            self._revive_if_stopped()
            self._shell = self._open_channel()
            self._shell.restore(pwd or old.pwd, old.nonce)
        except (ShellClosed, TimeoutError, docker.errors.APIError) as exc:
            self._ensure_alive()
            raise SandboxDied(
                f"sandbox container {self.container.id[:12]} is unusable "
                f"(stopped or removed from outside?): {exc}",
                container_id=self.container.id,
            ) from exc

    def _exec_one_shot(
        self, command: str, timeout: float, cwd: str | None, env: dict[str, str], cap: OutputCap
    ) -> tuple[int, bool]:
        api = self.client.api
        nonce = uuid.uuid4().hex[:16]
        exec_id = api.exec_create(
            self.container.id,
            ["setsid", "-w", "bash", "-c", ONE_SHOT, nonce, command],
            stdin=True,
            user=self.user,
            workdir=cwd or WORKDIR,
            environment={**self._base_env(), **env},
        )["Id"]
        channel = ShellChannel(api, self.container.id, user=self.user, env={}, nonce=nonce)
        channel.attach(api.exec_start(exec_id, socket=True))
        channel.send("g")
        deadline = time.monotonic() + timeout
        timed_out = False
        try:
            channel.pid = channel.read_reply(OutputCap(256), timeout=timeout).exit_code
            self._running = (channel.pid, True)
            reply = channel.read_reply(cap, timeout=max(deadline - time.monotonic(), 0.001))
            code, left_over = reply.exit_code, reply.processes != OWN_PROCESSES + 2
        except TimeoutError:
            timed_out, left_over = True, True
            if channel.pid:
                self._kill_session(channel.pid, include_leader=True)
            code = 124
        except ShellClosed:
            self._revive_if_stopped()
            code, left_over = api.exec_inspect(exec_id).get("ExitCode") or 137, True
        finally:
            channel.close()
        if left_over:
            self._sweep()
        return code, timed_out

    def _kill_session(self, sid: int, *, include_leader: bool = False) -> None:
        """Stop, then kill, every process of session `sid` (children that left the process
        group included). Runs in the control shell: bash builtins only, no fork needed."""
        if sid <= 0:
            return
        try:
            assert self._control is not None
            with self._control_lock:
                self._control.run(_kill_line(sid, include_leader), OutputCap(4096), 15.0, _noop)
        except (ShellClosed, ShellStuck, AssertionError):
            log.warning("control shell failed; restarting the container to stop the command")
            self._ensure_alive()
            self._restart_container()

    def interrupt(self) -> bool:
        """Stop the command running now, from another thread (Ctrl-C): its processes are killed
        and it returns exit 130; the session shell and its state survive. False when no
        command was running or the control shell was busy for seconds."""
        running, control = self._running, self._control
        if running is None or control is None or not self._control_lock.acquire(timeout=5):
            return False
        try:
            if self._running != running:
                return False
            self._interrupted = True
            control.run(_kill_line(*running), OutputCap(4096), 15.0, _noop)
        except (ShellClosed, ShellStuck):
            return False
        finally:
            self._control_lock.release()
        return True

    def _revive_if_stopped(self) -> None:
        """Start the container again (same workspace, same mounts) when it stopped under us,
        and reopen the control shell; `SandboxDied` when it was removed or cannot start."""
        try:
            self._ensure_alive()
            return
        except SandboxDied as died:
            if died.oom_killed:
                log.warning("sandbox %s was out of memory; starting it again", died.container_id)
            try:
                self.container.start()
            except docker.errors.APIError as exc:
                raise died from exc
        log.warning("sandbox container %s had stopped; started it again", self.container.id[:12])
        if self._control is not None:
            self._control.close()
        self._control = self._open_control()

    def _ensure_alive(self) -> None:
        """Raise SandboxDied when the container is gone or stopped."""
        try:
            state = self.client.api.inspect_container(self.container.id)["State"]
        except docker.errors.NotFound as exc:
            raise SandboxDied(
                f"sandbox container {self.container.id[:12]} was removed while in use",
                container_id=self.container.id,
            ) from exc
        if not state.get("Running") or state.get("Dead") or state.get("Status") == "removing":
            oom = bool(state.get("OOMKilled"))
            raise SandboxDied(
                f"sandbox container {self.container.id[:12]} was stopped or removed while in use "
                f"(exit {state.get('ExitCode')}{', out of memory' if oom else ''})",
                container_id=self.container.id,
                oom_killed=oom,
            )

    def _kill_note(self, since: float) -> str:
        """Say why a command died of SIGKILL: the memory limit when Docker saw an OOM kill."""
        events = self.client.api.events(
            since=int(since) - 1,
            until=int(time.time()) + 1,
            filters={"container": self.container.id, "event": "oom"},
            decode=True,
        )
        if any(True for _ in events):
            limit = self.config.memory
            return f"\n[sandbox: killed by the out-of-memory killer (memory limit {limit})]"
        return "\n[sandbox: the command was killed (SIGKILL)]"

    # files -------------------------------------------------------------------------------
    def put(self, path: str, data: bytes) -> None:
        parent, name = os.path.split(path.rstrip("/"))
        self.exec(f"mkdir -p -- {sh_quote(parent or '/')}", session=False)
        uid, gid = (int(x) for x in self.user.split(":"))
        try:
            self.container.put_archive(parent or "/", tar_one_file(name, data, uid, gid))
        except docker.errors.APIError as exc:
            raise SandboxError(f"could not write {path}: {exc.explanation}") from exc

    def get(self, path: str) -> bytes:
        try:
            stream, _ = self.container.get_archive(path)
        except docker.errors.NotFound as exc:
            raise FileNotFoundError(path) from exc
        return untar_one_file(stream, path)

    # snapshots ---------------------------------------------------------------------------
    def snapshot(self) -> str:
        """Commit the container and copy the workspace; returns the snapshot's image id."""
        image = self.container.commit(
            repository="devagent/snapshot",
            tag=f"{self.session_id}-{len(self._snapshots)}",
            conf={"Labels": {lifecycle.LABEL: "1"}},
        )
        copy = None
        if self.config.workspace is not None:
            copy = Path(tempfile.mkdtemp(prefix="devagent-snap-"))
            copy_tree(self.config.workspace, copy)
            self._owned_dirs.append(copy)
        self._snapshots[image.id] = copy
        return image.id

    def fork(self, snapshot_id: str | None = None, workspace: Path | None = None) -> DockerSandbox:
        """A started sandbox from `snapshot_id` (a new snapshot when None) with its own copy of
        the workspace: in `workspace` if given (the caller keeps it), else a temp dir removed on
        the fork's close()."""
        snapshot_id = snapshot_id or self.snapshot()
        source = self._snapshots[snapshot_id]
        update: dict[str, Any] = {"image": snapshot_id, "workspace": None}
        child_owned: list[Path] = []
        if source is not None:
            target = workspace or Path(tempfile.mkdtemp(prefix="devagent-fork-"))
            copy_tree(source, target)
            update["workspace"] = target
            if workspace is None:
                child_owned.append(target)
        child = DockerSandbox(self.config.model_copy(update=update), client=self.client)
        child._owned_dirs.extend(child_owned)
        return child.start()

    def __repr__(self) -> str:
        cid = self.container.id[:12] if self.container is not None else "not started"
        return f"DockerSandbox({self.config.image}, {cid})"
