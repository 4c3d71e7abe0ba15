"""What a build killed outright (`kill -9`) leaves, against the real daemon: a build held in its
project step by an `[environment] install` command is killed once that command runs; its build
container, its untagged env image and the image's venv volumes are left, and
`remove_leftovers` removes them, while a live build's untagged image is kept; a container that
inherited a build container's labels from its image is no build container to `gc`."""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from sandbox.imagebuild import HASH_LABEL
from sandbox.images import ensure_base_image
from sandbox.leftovers import remove_leftovers
from sandbox.lifecycle import BUILD_LABEL, gc
from sandbox.venvvolume import (
    LOWER_LABEL,
    PARTS_LABEL,
    image_volume,
    remove_layered,
    volume_exists,
)
from tests.sandbox.conftest import TEST_IMAGE

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]

MARK = "devagent-test: the project step is held"
BUILDER = textwrap.dedent(
    f"""
    import sys
    from pathlib import Path
    from sandbox.envspec import EnvironmentSpec
    from sandbox.images import ensure_env_image
    env = EnvironmentSpec(install=["echo '{MARK}' && sleep 600"])
    say = lambda message: print(str(message).rstrip("\\n"), flush=True)
    ensure_env_image(Path(sys.argv[1]), env=env, as_of="2024-06-01", on_progress=say)
    """
)


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=300)
    ensure_base_image(client=client)
    yield client
    client.close()


@pytest.fixture
def held(client: docker.DockerClient, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A build (a child process) held in its project step, and its env image's hash prefix;
    afterwards, whatever the test did, nothing of either layer is left."""
    repo = tmp_path / "repo"
    repo.mkdir()
    repo.chmod(0o755)
    (repo / "setup.py").write_text('from setuptools import setup\nsetup(name="held")\n')
    (repo / "requirements.txt").write_text(f"# {uuid.uuid4().hex}\n")
    child = subprocess.Popen(
        [sys.executable, "-c", BUILDER, str(repo)], stdout=subprocess.PIPE, text=True
    )
    said: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:  # until the held command runs (or the build ends)
            said.append(line.rstrip("\n"))
            if said[-1] == MARK:
                break
        assert said and said[-1] == MARK, "\n".join(said)
        yield child, _hash(said, "devagent/env:")
    finally:
        child.kill()
        child.wait()
        for prefix in ("devagent/env:", "devagent/envdeps:"):
            with contextlib.suppress(StopIteration):
                _remove_layer(client, _hash(said, prefix))


def _hash(said: list[str], repository: str) -> str:
    """The hash prefix a `building <repository><hash>: ...` line names."""
    line = next(m for m in said if m.startswith(f"building {repository}"))
    return line.split(repository, 1)[1].split(":", 1)[0]


def _labelled(client: docker.DockerClient, prefix: str) -> str:
    """The full hash label starting with `prefix`, as a label filter ('' when none is here)."""
    for image in client.images.list(filters={"label": HASH_LABEL}):
        digest = image.labels.get(HASH_LABEL, "")
        if digest.startswith(prefix):
            return f"{HASH_LABEL}={digest}"
    return ""


def _remove_layer(client: docker.DockerClient, prefix: str) -> None:
    """Remove the containers, images and volumes of the layer whose hash starts with `prefix`."""
    label = _labelled(client, prefix)
    if not label:
        return
    for container in client.containers.list(all=True, filters={"label": label}):
        container.remove(force=True, v=True)
    volumes = set()
    for image in client.images.list(filters={"label": label}):
        volumes.add(image_volume(image.attrs))
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(image.id, force=True)
    for name in volumes - {""}:
        remove_layered(client, name)


def _untagged(client: docker.DockerClient, label: str) -> list[str]:
    return [i.id for i in client.images.list(filters={"label": label}) if not i.tags]


def test_a_killed_builds_leftovers_are_removed_and_a_live_builds_kept(
    client: docker.DockerClient, held: tuple[subprocess.Popen, str]
) -> None:
    child, env_hash = held
    label = _labelled(client, env_hash)
    [image] = _untagged(client, label)  # committed before the project step started
    volume = image_volume(client.images.get(image).attrs)
    own = client.volumes.get(volume).attrs["Labels"]
    volumes = [volume, *own[PARTS_LABEL].split(",")]  # not the dependency volume below
    [build] = client.containers.list(filters={"label": label})  # running the held command

    remove_leftovers(client, label=label)  # the build is alive: nothing of it goes
    assert _untagged(client, label) == [image]
    assert all(volume_exists(client, v) for v in volumes)

    child.kill()  # SIGKILL: no exit hook, no `finally` runs
    child.wait()
    assert _untagged(client, label) == [image]  # left behind, with its build container
    assert client.containers.list(all=True, filters={"id": build.id})

    removed = remove_leftovers(client, label=label)
    assert _untagged(client, label) == []
    assert not client.containers.list(all=True, filters={"id": build.id})
    assert [v for v in volumes if volume_exists(client, v)] == []
    assert volume_exists(client, own[LOWER_LABEL])  # the dependency image keeps its volume
    assert image in removed.images


def test_gc_leaves_a_container_that_inherited_a_build_label(docker_client, tmp_path: Path):
    token = secrets.token_hex(4)
    dead = {
        BUILD_LABEL: "devagent-build-gone",
        "devagent.creator_host": socket.gethostname(),
        "devagent.creator_pid": str(2**22 + 1),  # above pid_max: no such process
    }
    (tmp_path / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\n")
    tag = f"devagent-leftovers-test:{token}"
    docker_client.images.build(path=str(tmp_path), tag=tag, labels=dead, rm=True)
    container = docker_client.containers.create(tag, ["true"])
    try:
        assert container.labels[BUILD_LABEL] == "devagent-build-gone"  # from its image
        gc(docker_client)
        assert docker_client.containers.list(all=True, filters={"id": container.id})
    finally:
        container.remove(force=True)
        docker_client.images.remove(tag, force=True)
