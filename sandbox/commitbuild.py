"""One image layer made by running one command in a fresh container and committing it.

The classic builder starts and commits a container per Dockerfile instruction (COPY, RUN, USER,
LABEL: about 0.1-0.5 s each here); a `CommitSpec` is one container and one commit for what those
instructions did: its files are put into the created container before it starts, the command
runs (on the bridge network, as the builder's RUN does, unless the spec says "none"), and the
committed image gets the user, command and labels the spec names. Named volumes (`VolumeMount`)
and scratch folders (anonymous volumes, gone with the container) are not committed.
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import tarfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container
from docker.types import Mount

from sandbox import lifecycle
from sandbox.client import DAEMON_HINT
from sandbox.errors import DaemonUnavailableError, ImageBuildError
from sandbox.imagebuild import BuildLog, BuildOutput, Progress

BUILD_CONTAINER_PREFIX = "devagent-build-"
CONNECT_AT_START = "\0start"
"""A `network_mark` no command prints: the container is connected right after its start."""
FILES_VARIABLE_LIMIT = 64 * 1024
"""The largest tar a `files_variable` carries (a variable's value can be 128 KiB at most)."""


def unpack(variable: str) -> str:
    """The shell command (run as root) that unpacks a `files_variable` (none when empty)."""
    data = f'"${variable}"'
    return (
        f"{{ [ -z {data} ] || printf %s {data} | base64 -d | tar -x --numeric-owner -C / -f -; }}"
    )


@dataclass(frozen=True)
class VolumeMount:
    """A named Docker volume the build command sees at `target`."""

    name: str
    target: str
    read_only: bool = False
    no_copy: bool = False
    """Do not fill an empty volume with what the image holds at `target` (Docker's default)."""


@dataclass(frozen=True)
class TreeCopy:
    """A host tree copied into the image (like `COPY --chown=uid:gid`), minus `skipped` names;
    the top folder is 0755 whatever the host folder's mode (a temporary one's is 0700)."""

    source: Path
    target: str
    owner: tuple[int, int] = (0, 0)
    skipped: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CommitSpec:
    """One layer: `command` run as `user` on `image`, committed as `tag`."""

    image: str
    command: list[str]
    tag: str
    step: str
    """What the command does, for progress and errors (`installing the dependencies`)."""
    files: Mapping[str, bytes] = field(default_factory=dict)
    """Absolute path in the image -> content (mode 0644, owned by `files_owner`), put before
    the start."""
    files_owner: tuple[int, int] = (0, 0)
    """uid and gid of `files` and, when not root, of their folders below the top level (with
    `/opt/x/y.json`: `/opt/x`, not `/opt`)."""
    trees: tuple[TreeCopy, ...] = ()
    late_trees: tuple[TreeCopy, ...] = ()
    """Put just before the start, after an image committed before it (`commit` of the created
    container) was made: in the build container only, never in that image."""
    links: Mapping[str, str] = field(default_factory=dict)
    """Absolute path in the image -> the target of a symbolic link put there (with `files`)."""
    user: str = "root"
    image_user: str = ""
    """The committed image's USER ('' keeps the one of `image`)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    volumes: tuple[VolumeMount, ...] = ()
    scratch: tuple[str, ...] = ()
    """Folders given an anonymous volume (removed with the build container, never committed)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Variables of the build command only (not of the committed image: they are set by `env`
    on its command line, as Docker's commit adds the container's own variables to the
    image's)."""
    network: str = "bridge"
    """The build container's network: "bridge" (as the builder's RUN) or "none"."""
    network_mark: str = ""
    """When set, the container starts without `network` and is connected to it once the
    command prints this line (CONNECT_AT_START: by `start`, while the command starts up). A
    container without a network endpoint starts and stops faster."""
    network_release: str = ""
    """When set, the container is disconnected from `network` once the command prints this
    line (it needs no network from then on, and its exit is faster without an endpoint)."""
    files_variable: str = ""
    """When set, `files` and `links` reach the command in this variable (a base64 tar rooted at
    /, which the command unpacks as root: `UNPACK`) instead of being put into the created
    container (which mounts its file system once more before the start: 0.05-0.2 s here),
    unless the tar is over FILES_VARIABLE_LIMIT (then the variable is empty)."""


def files_tar(
    files: Mapping[str, bytes],
    trees: tuple[TreeCopy, ...] = (),
    owner: tuple[int, int] = (0, 0),
    links: Mapping[str, str] | None = None,
) -> bytes:
    """A tar, rooted at /, of `files` and `links` (path -> target; owned by `owner`, and so are
    their folders below the top level when `owner` is not root) and `trees` (owned as each
    says)."""
    links = links or {}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for folder in (
            _owned_folders({**files, **dict.fromkeys(links, b"")}) if owner != (0, 0) else []
        ):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            info.uid, info.gid = owner
            tar.addfile(info)
        for path, data in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(data), 0o644
            info.uid, info.gid = owner
            tar.addfile(info, io.BytesIO(data))
        for path, target in links.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            info.uid, info.gid = owner
            tar.addfile(info)
        for tree in trees:
            _add_tree(tar, tree)
    return buf.getvalue()


def _owned_folders(files: Mapping[str, bytes]) -> list[str]:
    """The folders of `files` below the top level, parents first."""
    folders: set[str] = set()
    for path in files:
        parts = path.strip("/").split("/")[:-1]
        folders.update("/".join(parts[:depth]) for depth in range(2, len(parts) + 1))
    return sorted(folders, key=lambda f: (f.count("/"), f))


def _add_tree(tar: tarfile.TarFile, tree: TreeCopy) -> None:
    top = tree.target.strip("/")

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if Path(info.name).name in tree.skipped:
            return None
        info.uid, info.gid = tree.owner
        if info.name == top:
            info.mode = 0o755
        info.uname = info.gname = ""
        return info

    tar.add(str(tree.source), arcname=top, filter=owned)


def commit_build(
    client: docker.DockerClient, spec: CommitSpec, on_progress: Progress | None = None
) -> str:
    """Run `spec` and commit it; return the image id. A non-zero exit raises ImageBuildError
    with the command's last lines; the build container is removed whatever happens."""
    with translated(spec):
        build = BuildContainer(client, spec)
        try:
            build.run(on_progress)
            return build.commit()
        finally:
            build.remove()


@contextlib.contextmanager
def translated(spec: CommitSpec) -> Iterator[None]:
    """Docker's errors during `spec`'s build as ImageBuildError (DaemonUnavailableError when
    the daemon went away)."""
    try:
        yield
    except docker.errors.APIError as exc:
        message = f"building {spec.tag} failed at `{spec.step}`: {exc.explanation or exc}"
        raise ImageBuildError(message, step=spec.step) from exc
    except requests.exceptions.ConnectionError as exc:
        message = f"the Docker daemon went away during a build; {DAEMON_HINT}"
        raise DaemonUnavailableError(message) from exc


class BuildContainer:
    """The container of one `CommitSpec`: created with its files and trees in (a failure
    removes it), then `run` and `commit`; `remove` it whatever happened. Docker's errors are
    left to the caller (`translated`). It carries its creator's labels (`lifecycle.build_labels`),
    which the images committed from it keep: after a `kill -9`, `lifecycle.gc` removes it, and
    an untagged image it made is then a leftover (sandbox.leftovers)."""

    def __init__(self, client: docker.DockerClient, spec: CommitSpec) -> None:
        self.spec = spec
        start = client.images.get(spec.image)
        self._config = start.attrs.get("Config") or {}
        mounts = [
            Mount(v.target, v.name, type="volume", read_only=v.read_only, no_copy=v.no_copy)
            for v in spec.volumes
        ]
        mounts += [Mount(path, None, type="volume") for path in spec.scratch]
        inline = _inline_tar(spec)
        variables = {**spec.environment, **_variable(spec, inline)}
        command = ["env", *(f"{k}={v}" for k, v in variables.items()), *spec.command]
        name = f"{BUILD_CONTAINER_PREFIX}{uuid.uuid4().hex[:12]}"
        self.container: Container = client.containers.create(
            start.id,
            command if variables else spec.command,
            name=name,
            user=spec.user,
            network_mode=spec.network,
            mounts=mounts,
            labels={**spec.labels, **lifecycle.build_labels(name)},  # gc removes an orphan
        )
        lifecycle.register(self.container.id, self.remove)
        self.connected = self.had_network = not spec.network_mark
        """Whether the container has its network now, and had it at some point."""
        self._late_put = False
        try:
            if spec.network_mark:
                client.networks.get(spec.network).disconnect(self.container)
            files, links = ({}, {}) if inline else (spec.files, spec.links)
            if files or spec.trees or links:
                archive = files_tar(files, spec.trees, spec.files_owner, links)
                self.container.put_archive("/", archive)
        except BaseException:
            self.remove()
            raise

    def run(self, on_progress: Progress | None = None) -> None:
        """Start the command and follow it to its end (`finish`)."""
        self.start()
        self.finish(on_progress)

    def put_late_trees(self, archive: bytes | None = None) -> None:
        """Put the spec's `late_trees` (`archive`: their `files_tar`, when made already), once;
        `start` does it when this was not called."""
        if self.spec.late_trees and not self._late_put:
            tar = files_tar({}, self.spec.late_trees) if archive is None else archive
            self.container.put_archive("/", tar)
        self._late_put = True

    def start(self) -> None:
        """Start the command, its `late_trees` put first (and connect the container, with
        CONNECT_AT_START)."""
        self.put_late_trees()
        self.container.start()
        if self.spec.network_mark == CONNECT_AT_START:
            self._connect()

    def _connect(self) -> None:
        self.container.client.networks.get(self.spec.network).connect(self.container)
        self.connected = self.had_network = True

    def finish(self, on_progress: Progress | None = None) -> None:
        """Follow the started command to its end; a non-zero exit raises ImageBuildError with
        its last lines."""
        log = _follow(self.container, self.spec.step, self._listener(on_progress))
        code = int(self.container.wait().get("StatusCode", -1))
        if code != 0:
            log.error = f"exit {code}"
            raise log.failure(self.spec.tag)

    def _listener(self, on_progress: Progress | None) -> Progress | None:
        """`on_progress`, connecting the container once its `network_mark` line comes and
        disconnecting it at its `network_release` line (which is not passed on)."""
        mark, release = self.spec.network_mark, self.spec.network_release
        if not (mark or release):
            return on_progress

        def hear(line: str) -> None:
            said = line.rstrip("\n")
            if said == mark and not self.connected:
                self._connect()
            elif said == release and self.connected:
                self.container.client.networks.get(self.spec.network).disconnect(self.container)
                self.connected = False
                return
            if on_progress is not None:
                on_progress(line)

        return hear

    def commit(self, *, tagged: bool = True) -> str:
        """Commit the container (stopped, or created and not started yet) as the spec's tag
        (untagged unless `tagged`: see `tag`); return the image id."""
        conf = {
            "Cmd": self._config.get("Cmd"),
            "Env": self._config.get("Env"),  # the image's, without `spec.environment`
            "User": self.spec.image_user or self._config.get("User", ""),
            "Labels": lifecycle.image_owner_labels(),  # merged over the container's
        }
        repository, _, name = self.spec.tag.rpartition(":") if tagged else (None, "", None)
        return str(self.container.commit(repository, name, conf=conf).id)

    def tag(self, image_id: str) -> None:
        """Tag `image_id` (an untagged `commit`) as the spec's tag."""
        repository, _, name = self.spec.tag.rpartition(":")
        self.container.client.api.tag(image_id, repository, name)

    def remove(self) -> None:
        lifecycle.unregister(self.container.id)
        with contextlib.suppress(docker.errors.NotFound):
            self.container.remove(force=True, v=True)


def _inline_tar(spec: CommitSpec) -> bytes | None:
    """The tar of `spec`'s files and links its `files_variable` carries (None: put them)."""
    if not spec.files_variable:
        return None
    archive = files_tar(spec.files, (), spec.files_owner, spec.links)
    return archive if len(archive) <= FILES_VARIABLE_LIMIT else None


def _variable(spec: CommitSpec, inline: bytes | None) -> dict[str, str]:
    """`spec`'s files_variable and its value (empty when the files are put instead)."""
    if not spec.files_variable:
        return {}
    return {spec.files_variable: base64.b64encode(inline).decode() if inline else ""}


def _follow(container: Container, step: str, on_progress: Progress | None) -> BuildLog:
    """Feed the running command's output to a BuildLog (and `on_progress`, after a
    `Step 1/1 : <step>` line as the classic builder prints) until it exits."""
    log = BuildLog()
    chunks = (c.decode(errors="replace") for c in container.logs(stream=True, follow=True))
    for text in itertools.chain([f"Step 1/1 : {step}\n"], chunks):
        for line in log.feed({"stream": text}):
            if on_progress is not None:
                on_progress(BuildOutput(line))
    return log
