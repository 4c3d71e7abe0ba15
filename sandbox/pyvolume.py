"""Python env images whose virtualenv lives in Docker volumes instead of an image layer.

Committing a layer costs in proportion to what it holds, and a dependency venv (80-400 MB) was
most of a cold build's commit time. Here the venv is written straight into named volumes:

- tools: `devagent/envtools:<hash>`, recipes/python/Dockerfile's `tools` stage (uv in
  /opt/devagent-tools, a seeded /opt/venv owned by `agent`, the host's CA and index), built
  once per base image and host configuration. No repository file is in it. Its /opt/venv is
  copied once into a seed volume (sandbox.venvvolume.seed_volume).
- dependencies: one container on the tools image, with the manifests and spec unpacked in
  /opt/devagent (from a variable on its command line: no file put before the start) and, at
  /opt/venv, a new volume layered on the seed (an overlay mount made by Docker's local volume
  driver: nothing is copied, the writes go to a plain volume of its own), runs
  `install_deps.py deps` as `agent`; it is connected to the network right after its start and
  disconnected once uv is done (a container without a network endpoint starts and stops
  faster). The container is committed (/opt/devagent only) as the dependency image, labelled
  `devagent.venv=<volume>`.
- project: one container on the dependency image runs `install_deps.py project` as `agent`
  with the tree in /workspace and, at /opt/venv, a new volume layered on the dependency
  volume; without network unless uv needs the index (`offline`). It writes only to that
  volume, /tmp and /workspace (the report too: VENV_REPORT), so the container is committed
  before it starts (a link to the report) and the image tagged once the step succeeded: the
  env image, labelled with that volume. The tree is put after that commit (`late_trees`), so
  no image holds a copy of it (a sandbox mounts the checkout there, or an empty folder): for
  Django's 58 MB tar the commit took 1.0-1.3 s with it and 0.05 s without (put into a
  scratch volume instead, it took 3 s to put, against 0.8-1.3 s into the container). The
  dependency volume is never written once complete, so no project build can change what
  another repository with the same manifests starts from.
- both (`build_both`, when neither exists): the same two containers, overlapped where nothing
  depends on the other: the project's container is made and committed (on the tools image,
  with the manifests and spec put in as for the dependencies, so the env image holds the same
  files) while the dependencies install, and starts while the dependency container is
  committed. It starts only once the dependency volume is complete.

Layering needs a daemon that stores images with overlay2 (`layered_volumes`); elsewhere the
dependency volume is filled by Docker from the tools image and the project's is a `cp -a` copy
of it. uv's cache sits in the volume being built and is removed at the end of each step (hard
links instead of copies); /tmp is a scratch volume. A failed or interrupted build leaves
neither its container, nor its volumes, nor an env image.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import docker
import docker.errors

from sandbox.commitbuild import (
    CONNECT_AT_START,
    BuildContainer,
    CommitSpec,
    TreeCopy,
    VolumeMount,
    files_tar,
    translated,
    unpack,
)
from sandbox.errors import ImageBuildError
from sandbox.imagebuild import (
    HASH_LABEL,
    BuildSpec,
    Progress,
    labelled_image,
    run_build,
    write_context,
)
from sandbox.toolchain import content_hash
from sandbox.venvvolume import (
    LOWER_LABEL,
    VENV_LABEL,
    VENV_PATH,
    image_volume,
    new_layered_volume,
    new_volume,
    remove_layered,
    seed_volume,
)

TOOLS_REPOSITORY = "devagent/envtools"
TOOLS_STAGE = "tools"
TOOLS = "/opt/devagent-tools"
DEPS_SOURCE = "/opt/devagent-deps"
"""Where a copying project build sees the dependency volume (read-only)."""
AGENT_IDS = (1000, 1000)
"""uid and gid of `agent` (recipes/base/Dockerfile)."""
CACHE = f"{VENV_PATH}/.devagent-uv-cache"
"""uv's cache, in the venv's own volume: installs are hard links (one cannot cross mounts, and
a copy from /tmp took 0.3-0.7 s); removed before the commit."""
BUILD_ENV = {"DEVAGENT_UV_CACHE_DIR": CACHE}
INSTALL = f"{TOOLS}/bin/python {TOOLS}/install_deps.py"
AS_AGENT = "setpriv --reuid=agent --regid=agent --clear-groups env HOME=/home/agent USER=agent"
ARCHIVES = f"{CACHE}/archive-v0"
CLEAN = (
    f"{{ [ ! -d {ARCHIVES} ] || find {ARCHIVES} -mindepth 1 -maxdepth 1 -print0"
    f" | xargs -0 -r -P 4 -n 16 rm -rf; }} && rm -rf {CACHE}"
)
"""Removes uv's cache: its unpacked wheels (one hard link per installed file: 10,000 for a
large set) by four processes, then the rest (about half the time of one `rm -rf` here)."""
DEPS_COMMAND = ["sh", "-c", f"{INSTALL} deps && {CLEAN}"]
"""The dependency build's command, as `agent`."""
FILES_VARIABLE = "DEVAGENT_FILES"
"""Carries the dependency build's files into a layered build (CommitSpec.files_variable)."""
LAYERED_DEPS_COMMAND = [
    "sh",
    "-c",
    f"{unpack(FILES_VARIABLE)} && chown agent:agent {VENV_PATH}"
    f" && {AS_AGENT.replace(' env ', f' env -u {FILES_VARIABLE} ')} {INSTALL} deps && {CLEAN}",
]
"""The dependency build's command on a layered venv volume: as root until its files are
unpacked and the volume's top folder (the overlay's own, root's) is `agent`'s, then as
`agent`."""
LAYERED_COMMAND = [
    "sh",
    "-c",
    f"chown agent:agent {VENV_PATH} && {AS_AGENT} {INSTALL} project && {CLEAN}",
]
"""The project build's command on a layered venv volume (as LAYERED_DEPS_COMMAND)."""
COPY_COMMAND = [
    "sh",
    "-c",
    f"cp -a {DEPS_SOURCE}/. {VENV_PATH}/ && {AS_AGENT} {INSTALL} project && {CLEAN}",
]
"""The project build's command on an empty volume: as root until the copy is made."""
REPORT_PATH = "/opt/devagent/environment.json"
"""Where an env image holds its report (the project step's environment.json)."""
VENV_REPORT = f"{VENV_PATH}/devagent-environment.json"
"""Where a volume build's project step writes the report: in its own venv volume, so that the
env image can be committed before the step starts; REPORT_PATH is a link to it."""
PROJECT_ENV = {**BUILD_ENV, "DEVAGENT_REPORT": VENV_REPORT}
SCRATCH = ("/tmp",)
"""Given a scratch volume: what builds leave in /tmp is never committed."""


def split_context(files: Mapping[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The dependency build context (sandbox.pyimage.deps_context) as the tools image's files
    (no repository's) and what goes to /opt/devagent (manifests and spec.json). Pure."""
    tools = {n: data for n, data in files.items() if not n.startswith("devagent/")}
    state = {f"/opt/{n}": data for n, data in files.items() if n.startswith("devagent/")}
    return tools, state


def layered_volumes(client: docker.DockerClient) -> bool:
    """Whether env volumes are layered on their dependency volume (the daemon stores images
    with overlay2, so its volumes folder can hold overlay mounts) rather than copies of it.
    Asked once per client (`GET /info`, 5-10 ms: a build asks up to three times)."""
    known = _layered.get(client)
    if known is None:
        known = _layered[client] = str(client.info().get("Driver", "")) == "overlay2"
    return known


_layered: weakref.WeakKeyDictionary[docker.DockerClient, bool] = weakref.WeakKeyDictionary()


def project_recipe(layered: bool) -> bytes:
    """What the env image is keyed by besides its tree and dependency image."""
    command = LAYERED_COMMAND if layered else COPY_COMMAND
    return json.dumps({"command": command, "env": BUILD_ENV}).encode()


def ensure_tools_image(
    client: docker.DockerClient, files: Mapping[str, bytes], base_id: str, say: Progress
) -> str:
    """The id of `devagent/envtools:<hash>` built from `files` (the recipe and host files, no
    repository's) on `base_id`; built when missing."""
    digest = content_hash([*files.items(), ("base-image", base_id.encode()), ("stage", b"tools")])
    tag = f"{TOOLS_REPOSITORY}:{digest[:16]}"
    existing = labelled_image(client, tag, digest)
    if existing:
        return existing
    say(f"building {tag}: the build tools")
    with tempfile.TemporaryDirectory(prefix="devagent-envtools-") as context:
        write_context(Path(context), dict(files))
        labels = {HASH_LABEL: digest}
        spec = BuildSpec(Path(context), tag, {"BASE": base_id}, labels, target=TOOLS_STAGE)
        return run_build(client, spec, say)


def _deps_spec(
    client: docker.DockerClient,
    tools_id: str,
    files: Mapping[str, bytes],
    tag: str,
    labels: Mapping[str, str],
) -> CommitSpec:
    """The dependency build (`files`: path under /opt/devagent -> content, the manifests and
    spec.json), with its new volume (named by the spec's VENV_LABEL), which carries `labels`
    too: layered on the tools image's seed venv where `layered_volumes`, else filled with it
    by Docker."""
    layered = layered_volumes(client)
    if layered:
        volume = new_layered_volume(client, seed_volume(client, tools_id), labels)
    else:
        volume = new_volume(client, labels)
    return CommitSpec(
        image=tools_id,
        command=LAYERED_DEPS_COMMAND if layered else DEPS_COMMAND,
        tag=tag,
        step=DEPS_STEP,
        files=files,
        files_owner=AGENT_IDS,
        user="root" if layered else "agent",
        image_user="agent",
        labels={**labels, VENV_LABEL: volume},
        volumes=(VolumeMount(volume, VENV_PATH, no_copy=layered),),
        scratch=SCRATCH,
        environment={**BUILD_ENV, **DEPS_NETWORK_ENV},
        files_variable=FILES_VARIABLE if layered else "",
        network_mark=CONNECT_AT_START,
        network_release=DEPS_RELEASE_MARK,
    )


DEPS_RELEASE_MARK = "devagent: the dependencies are installed"
"""The line at which the dependency build is disconnected (install_deps.RELEASE_NETWORK): it
starts without a network endpoint, is connected while its command starts up (it waits for the
route), and removes uv's cache and exits without one, all faster."""
DEPS_NETWORK_ENV = {"DEVAGENT_WAIT_NETWORK": "1", "DEVAGENT_RELEASE_NETWORK": DEPS_RELEASE_MARK}
DEPS_STEP = "installing the dependencies"
ENV_STEP = "installing the project from /workspace"


def build_env_volume(  # noqa: PLR0913 (the layer's inputs)
    client: docker.DockerClient,
    deps_id: str,
    tree: TreeCopy,
    tag: str,
    labels: Mapping[str, str],
    say: Progress,
    *,
    offline_first: bool = True,
) -> str:
    """Install `tree` (at /workspace) editable into a new venv volume that starts as the
    dependency image's (layered on it where `layered_volumes`, else a copy); commit the
    container as `tag`; return its id. With `offline_first`, the install runs without network
    first (`offline`), and again with it only when that fails."""
    deps_volume = image_volume(client.images.get(deps_id).attrs)

    def attempt(offline_now: bool) -> str:
        spec = replace(_env_spec(client, deps_id, deps_volume, tree, labels), tag=tag)
        spec = offline(spec) if offline_now else spec
        return _with_volume(client, spec.labels[VENV_LABEL], spec, say, retry_follows=offline_now)

    if offline_first:
        built = attempt(offline_now=True)
        if built:
            return built
        say(RETRY_NOTE)
    return attempt(offline_now=False)


RETRY_NOTE = "note: the project's install failed without network; installing it again with network"
NETWORK_MARK = "note: what is installed does not satisfy the project; asking for network"
"""The line the project step prints when uv needs the index (install_deps.ask_network)."""
OFFLINE_ENV = {"UV_OFFLINE": "1", "DEVAGENT_ASK_NETWORK": NETWORK_MARK}


def offline(spec: CommitSpec) -> CommitSpec:
    """The project build `spec` starting without network, uv resolving from the installed
    packages only (UV_OFFLINE): the dependency build installed what the manifests ask for.
    Where the project needs more, the step prints NETWORK_MARK, is connected to the network,
    and uv resolves with the index (what it installs is the same either way: uv keeps the
    installed versions that satisfy a requirement). A container without a network endpoint
    starts and stops faster, and uv makes no index round trip."""
    return replace(spec, network_mark=NETWORK_MARK, environment={**spec.environment, **OFFLINE_ENV})


def _env_spec(
    client: docker.DockerClient,
    image: str,
    deps_volume: str,
    tree: TreeCopy,
    labels: Mapping[str, str],
    files: Mapping[str, bytes] | None = None,
) -> CommitSpec:
    """The project build on `image` (the dependency image, or the tools image with the
    dependency build's `files`), with its new volume (named by the spec's VENV_LABEL)."""
    layered = layered_volumes(client)
    if layered:
        volume = new_layered_volume(client, deps_volume, labels)
        mounts: tuple[VolumeMount, ...] = (VolumeMount(volume, VENV_PATH, no_copy=True),)
    else:
        volume = new_volume(client, {**labels, LOWER_LABEL: deps_volume})
        mounts = (
            VolumeMount(deps_volume, DEPS_SOURCE, read_only=True, no_copy=True),
            VolumeMount(volume, VENV_PATH, no_copy=True),
        )
    return CommitSpec(
        image=image,
        command=LAYERED_COMMAND if layered else COPY_COMMAND,
        tag="",
        step=ENV_STEP,
        files=files or {},
        files_owner=AGENT_IDS,
        late_trees=(tree,),
        links={REPORT_PATH: VENV_REPORT},
        user="root",
        image_user="agent",
        labels={**labels, VENV_LABEL: volume},
        volumes=mounts,
        scratch=SCRATCH,
        environment=PROJECT_ENV,
    )


def _with_volume(
    client: docker.DockerClient,
    volume: str,
    spec: CommitSpec,
    say: Progress,
    *,
    retry_follows: bool,
) -> str:
    """Commit `spec`'s container before it starts (untagged; the project step writes only to
    its volume and /tmp), run it, and tag the image once it succeeded; return the image id.
    When it did not (or on any interrupt) the image and `volume` are removed (the container
    is gone then); a failure raises, or gives "" when `retry_follows` (`_succeeded`)."""
    image, done = "", False
    try:
        with translated(spec):
            build = BuildContainer(client, spec)
            try:
                image = build.commit(tagged=False)
                build.start()
                done = _succeeded(build, say, retry_follows)
                if done:
                    build.tag(image)
            finally:
                build.remove()
    finally:
        if not done:
            _remove_image(client, image)
            remove_layered(client, volume)
    return image if done else ""


def _remove_image(client: docker.DockerClient, image: str) -> None:
    """Remove the untagged image `image` (a failed build's), if any."""
    if image:
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(image)


def _made_meanwhile(make: Callable[[], bytes]) -> Future[bytes]:
    """`make()` run on a thread of its own, the future of its result."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(make)
    finally:
        pool.shutdown(wait=False)


def _commit_and_remove(build: BuildContainer) -> str:
    """Commit `build` (stopped) as its spec's tag, then remove its container; the image id."""
    try:
        return build.commit()
    finally:
        build.remove()


def _succeeded(build: BuildContainer, say: Progress, retry_follows: bool) -> bool:
    """Follow `build` to its end: whether its command succeeded. A failure raises
    ImageBuildError unless `retry_follows` and the build never had its network (it is made
    again with network from the start, in case the failure came from having none)."""
    try:
        build.finish(say)
    except ImageBuildError:
        if not retry_follows or build.had_network:
            raise
        return False
    return True


@dataclass(frozen=True)
class Layer:
    """What an image is committed as."""

    tag: str
    labels: Mapping[str, str]


def build_both(  # noqa: PLR0913 (the two layers' inputs)
    client: docker.DockerClient,
    tools_id: str,
    files: Mapping[str, bytes],
    deps: Layer,
    tree: TreeCopy,
    env: Callable[[str], Layer],
    say: Progress,
    *,
    offline_first: bool = True,
) -> tuple[str, str]:
    """Both layers when neither exists, as a dependency build then `build_env_volume` would
    make them, in less time: the project's container (on the tools image, with the dependency
    build's `files` too) and its volume are made while the dependencies install, and it starts
    while the dependency container is committed. `env` gives the env layer from the name of
    the dependency volume; `offline_first` as for `build_env_volume` (the attempt with network
    is made on the committed dependency image). Returns both image ids. A failure or interrupt
    leaves no container, and no volume of a layer not committed."""
    deps_spec = _deps_spec(client, tools_id, files, deps.tag, deps.labels)
    deps_volume = deps_spec.labels[VENV_LABEL]
    env_volume, env_image, builds, deps_id = "", "", [], ""
    try:
        tree_tar = _made_meanwhile(partial(files_tar, {}, (tree,)))  # while the deps start
        with translated(deps_spec):
            builds.append(BuildContainer(client, deps_spec))
            builds[0].start()
        layer = env(deps_volume)
        env_spec = _env_spec(client, tools_id, deps_volume, tree, layer.labels, files)
        env_spec = replace(env_spec, tag=layer.tag, labels={**deps.labels, **env_spec.labels})
        env_spec = offline(env_spec) if offline_first else env_spec
        env_volume = env_spec.labels[VENV_LABEL]
        with translated(env_spec):  # committed now, tagged once the step succeeded
            builds.append(BuildContainer(client, env_spec))
            env_image = builds[1].commit(tagged=False)
            builds[1].put_late_trees(tree_tar.result())
        with translated(deps_spec):
            builds[0].finish(say)
        with ThreadPoolExecutor(1) as pool:  # a commit takes about as long as a start
            committed = pool.submit(_commit_and_remove, builds[0])
            try:
                with translated(env_spec):
                    builds[1].start()
            finally:  # a committed dependency image keeps its volume
                with translated(deps_spec):
                    deps_id = committed.result()
        with translated(env_spec):
            if _succeeded(builds[1], say, offline_first):
                builds[1].tag(env_image)
                return deps_id, env_image
        builds.pop().remove()
        _remove_image(client, env_image)
        remove_layered(client, env_volume)
        env_volume = env_image = ""
        say(RETRY_NOTE)
        online = partial(build_env_volume, client, deps_id, tree, layer.tag, layer.labels, say)
        return deps_id, online(offline_first=False)
    except BaseException:
        for build in reversed(builds):
            build.remove()
        _remove_image(client, env_image)
        for volume in (env_volume, "" if deps_id else deps_volume):
            if volume:
                remove_layered(client, volume)
        raise
    finally:
        for build in builds:
            build.remove()
