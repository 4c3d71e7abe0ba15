"""`DockerSandbox`: a disposable, hardened container that runs commands fast.

It puts together a `SandboxContainer` (the container's lifecycle) and, once that has started, a
`CommandRunner` (session shell, one-shot commands, kills). The container is removed on `close()`,
at exit, on SIGTERM, or by `lifecycle.gc()`. With `network='allow'` it joins an `EgressProxy`'s
network, and a command's output says which destinations the proxy refused while it ran.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

import docker
import docker.errors

from sandbox import lifecycle
from sandbox.base import ExecResult
from sandbox.client import docker_client
from sandbox.commands import CommandRunner
from sandbox.config import SandboxConfig
from sandbox.container import SandboxContainer
from sandbox.egress import denial_note, parse_allowlist
from sandbox.egressimage import ensure_egress_image
from sandbox.errors import SandboxError, SandboxStartError
from sandbox.files import copy_tree, tar_one_file, untar_one_file
from sandbox.pipe import DockerPipe
from sandbox.proxy import EgressProxy, EgressSpec
from sandbox.runtime import check_runtime
from sandbox.shell import ShellClosed, sh_quote

__all__ = ["DockerSandbox", "SandboxConfig"]

log = logging.getLogger(__name__)


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
        self._box: SandboxContainer | None = None
        self._runner: CommandRunner | None = None
        self._snapshots: dict[str, Path | None] = {}
        self._owned_dirs: list[Path] = []
        self._proxy: EgressProxy | None = None

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = docker_client()
        return self._client

    @property
    def container(self) -> Any:
        """The docker SDK's container object; None when not started."""
        return self._box.handle if self._box is not None else None

    @property
    def user(self) -> str:
        """`uid:gid` commands run as; '' when not started."""
        return self._box.user if self._box is not None else ""

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        if self._box is not None:
            return self
        check_runtime(self.config, self.client)
        try:
            if self.config.network == "allow":
                box = self._container_behind_proxy()
            else:
                box = SandboxContainer(self.config, self.client, self.session_id)
            box.create()
        except BaseException:
            self.close()  # the proxy and its network, when they were made
            raise
        self._box = box
        try:
            box.start()
            if self._proxy is not None:
                self._proxy.wait_ready()
            self._runner = CommandRunner.open(box)
        except SandboxStartError:
            self.close()
            raise
        except (docker.errors.APIError, ShellClosed, TimeoutError) as exc:
            self.close()
            raise SandboxStartError(f"sandbox did not start: {exc}") from exc
        return self

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        if self._box is not None:
            self._box.remove()
            self._box = None
        for image_id in list(self._snapshots):
            try:
                self.client.images.remove(image_id, force=True)
            except docker.errors.APIError:
                log.debug("snapshot image %s already gone", image_id)
        self._snapshots.clear()
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        for path in self._owned_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self._owned_dirs.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        if self._runner is None:
            raise SandboxError("sandbox not started; use `with DockerSandbox(...) as sb:`")
        result = self._runner.exec(command, timeout=timeout, cwd=cwd, env=env, session=session)
        if self._proxy is None:
            return result
        note = denial_note(self._proxy.poll(), self._allow_text())
        return replace(result, output=f"{result.output}\n{note}") if note else result

    def _allow_text(self) -> str:
        return "allow:" + ",".join(self.config.allow)

    def _container_behind_proxy(self) -> SandboxContainer:
        """Start the egress proxy and its internal network; the container to join them, with
        the variables that lead HTTP clients to the proxy."""
        spec = EgressSpec(
            rules=parse_allowlist(self._allow_text()),
            allow_text=self._allow_text(),
            image=ensure_egress_image(self.client),
            log_path=self.config.egress_log,
            labels=dict(self.config.labels),
        )
        self._proxy = EgressProxy(self.client, self.session_id, spec)
        self._proxy.start()
        env = {**self.config.env, **self._proxy.env()}
        config = self.config.model_copy(update={"env": env})
        return SandboxContainer(
            config, self.client, self.session_id, network_name=self._proxy.network_name
        )

    def interrupt(self) -> bool:
        """Stop the command running now, from another thread (Ctrl-C): its processes are killed
        and it returns exit 130; the session shell and its state survive. False when no
        command was running or the control shell was busy for seconds."""
        runner = self._runner
        return runner.interrupt() if runner is not None else False

    def open_pipe(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> DockerPipe:
        """Start `argv` beside the shells, its stdin and stdout a byte pipe (e.g. an MCP server
        speaking over stdio). It runs as the sandbox user with the sandbox's environment plus
        `env`; `close()` on the pipe (or on the sandbox) stops it. Like any process an exec
        started, the sweep after a command leaves it running, but not its child processes."""
        runner, box = self._runner, self._box
        if runner is None or box is None:
            raise SandboxError("sandbox not started; use `with DockerSandbox(...) as sb:`")
        try:
            pipe = DockerPipe.open(box, argv, runner.kill_session, env=env, cwd=cwd)
        except docker.errors.APIError as exc:
            raise SandboxError(f"could not start {argv[0]!r}: {exc.explanation}") from exc
        return pipe

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
            conf={"Labels": {lifecycle.LABEL: "1", **lifecycle.image_owner_labels()}},
        )
        copy = None
        if self.config.workspace is not None:
            copy = Path(tempfile.mkdtemp(prefix="devagent-snap-"))
            copy_tree(self.config.workspace, copy)
            self._owned_dirs.append(copy)
        self._snapshots[image.id] = copy
        return str(image.id)

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
