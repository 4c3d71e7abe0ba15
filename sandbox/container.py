"""`SandboxContainer`: one hardened container's lifecycle, from creation to removal.

The container runs only the keep-alive as PID 1; commands reach it through shells opened with
`open_shell`. It is registered for removal at exit and carries its creator's labels, so an
orphan can always be found (`lifecycle.gc`).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import docker
import docker.errors
from docker.types import Mount

from sandbox import lifecycle
from sandbox.base import WORKDIR
from sandbox.config import SandboxConfig
from sandbox.errors import SandboxDied, SandboxStartError
from sandbox.files import chown_tree
from sandbox.runtime import process_limits
from sandbox.shell import KEEP_ALIVE, ShellChannel
from sandbox.venvvolume import sandbox_mounts

log = logging.getLogger(__name__)

FALLBACK_UID = 1000


class SandboxContainer:
    """A hardened container for one sandbox: create, start, revive, restart, remove."""

    def __init__(
        self,
        config: SandboxConfig,
        client: docker.DockerClient,
        session_id: str,
        *,
        network_name: str | None = None,
    ) -> None:
        self.config = config
        self.network_name = network_name
        """The network joined instead of `config.network` (an egress allowlist's)."""
        self.client = client
        self.session_id = session_id
        self.user = ""
        """`uid:gid` the shells run as (resolved by `create`)."""
        self.handle: Any = None
        """The docker SDK's container object (None before `create` and after `remove`)."""
        self.venv_mounts: list[Mount] = []
        """The image's venv volume, read-only at /opt/venv (resolved by `create`)."""

    @property
    def id(self) -> str:
        return str(self.handle.id)

    def create(self) -> None:
        """Create the container (not started yet) and register it for removal at exit."""
        self.user = self._resolve_user()
        self.venv_mounts = sandbox_mounts(self.client, self.config.image)
        try:
            self.handle = self.client.containers.create(**self._network_kwargs())
        except docker.errors.ImageNotFound as exc:
            raise SandboxStartError(
                f"image {self.config.image!r} not found; build it with `devagent images ensure`"
            ) from exc
        except docker.errors.APIError as exc:
            raise SandboxStartError(f"could not create a sandbox: {exc.explanation}") from exc
        lifecycle.register(self.handle.id, self._force_remove)

    def start(self) -> None:
        self.handle.start()

    def _network_kwargs(self) -> dict[str, Any]:
        """`_create_kwargs` on `network_name` when one is given, where a name outside the
        network fails at once (Docker's DNS there answers nothing else)."""
        kwargs = self._create_kwargs()
        if self.network_name is not None:
            del kwargs["network_mode"]
            kwargs |= {"network": self.network_name, "dns_opt": ["timeout:1", "attempts:1"]}
        return kwargs

    def remove(self) -> None:
        """Remove the container (running or not) and forget it; a no-op when there is none."""
        if self.handle is None:
            return
        self._force_remove()
        lifecycle.unregister(self.handle.id)
        self.handle = None

    def _force_remove(self) -> None:
        try:
            self.client.api.remove_container(self.handle.id, force=True)
        except docker.errors.APIError as exc:
            if exc.status_code not in (404, 409):  # gone, or being removed already
                raise

    def base_env(self) -> dict[str, str]:
        """The environment every command starts with (nothing from the host)."""
        return {"HOME": self.config.home, "LANG": "C.UTF-8", "TERM": "dumb", **self.config.env}

    def open_shell(self) -> ShellChannel:
        """A new persistent bash session in the container, ready for its first command."""
        channel = ShellChannel(self.client.api, self.id, user=self.user, env=self.base_env())
        channel.open()
        return channel

    def running(self) -> bool:
        """Whether the container runs now (False when it is stopped or gone)."""
        try:
            return bool(self.client.api.inspect_container(self.id)["State"].get("Running"))
        except docker.errors.APIError:
            return False

    def ensure_alive(self) -> None:
        """Raise SandboxDied when the container is gone or stopped."""
        try:
            state = self.client.api.inspect_container(self.id)["State"]
        except docker.errors.NotFound as exc:
            raise SandboxDied(
                f"sandbox container {self.id[:12]} was removed while in use",
                container_id=self.id,
            ) from exc
        if not state.get("Running") or state.get("Dead") or state.get("Status") == "removing":
            oom = bool(state.get("OOMKilled"))
            raise SandboxDied(
                f"sandbox container {self.id[:12]} was stopped or removed while in use "
                f"(exit {state.get('ExitCode')}{', out of memory' if oom else ''})",
                container_id=self.id,
                oom_killed=oom,
            )

    def revive(self) -> bool:
        """Start the container again (same workspace, same mounts) when it stopped under us:
        True when it had stopped; `SandboxDied` when it was removed or cannot start."""
        try:
            self.ensure_alive()
            return False
        except SandboxDied as died:
            if died.oom_killed:
                log.warning("sandbox %s was out of memory; starting it again", died.container_id)
            try:
                self.handle.start()
            except docker.errors.APIError as exc:
                raise died from exc
        log.warning("sandbox container %s had stopped; started it again", self.id[:12])
        return True

    def restart(self) -> None:
        """Kill every process by restarting the container (same workspace and mounts; /tmp and
        home start empty); `SandboxDied` when it cannot be restarted."""
        log.warning("sandbox %s: processes could not be stopped; restarting it", self.session_id)
        try:
            self.handle.restart(timeout=1)
        except docker.errors.APIError as exc:
            self.ensure_alive()
            raise SandboxDied(f"sandbox could not be restarted: {exc}") from exc

    def oom_killed_since(self, since: float) -> bool:
        """Whether Docker saw the out-of-memory killer act in the container since `since`."""
        events = self.client.api.events(
            since=int(since) - 1,
            until=int(time.time()) + 1,
            filters={"container": self.id, "event": "oom"},
            decode=True,
        )
        return any(True for _ in events)

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
        mounts += self.venv_mounts
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
            "environment": self.base_env(),
            "labels": {**cfg.labels, **lifecycle.creator_labels(self.session_id)},
            "network_mode": cfg.network,
            **({"runtime": cfg.runtime} if cfg.runtime else {}),
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "privileged": False,
            **process_limits(cfg),
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
