"""Removing what one owner made, against the real daemon: `remove_owned` takes the containers,
images (one built on another too) and volumes labelled with its token, and leaves another
token's and unlabelled ones, and a container someone else made from its image (with the image);
a committed image names its owner, and passes no owner to the containers made from it."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from devagent.cli import OWNER_VARIABLE
from sandbox.commitbuild import CommitSpec, commit_build
from sandbox.lifecycle import IMAGE_OWNER_LABEL, OWNER_LABEL
from sandbox.owned import remove_owned
from sandbox.venvvolume import VENV_LABEL
from tests.sandbox.conftest import TEST_IMAGE

pytestmark = pytest.mark.docker


def _image(client: docker.DockerClient, context: Path, base: str, tag: str, labels: dict) -> str:
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {base}\nRUN echo {tag} > /tmp/owned-test\n")
    client.images.build(path=str(context), tag=tag, labels=labels, rm=True)
    return tag


@pytest.fixture
def made(docker_client, tmp_path: Path) -> Iterator[dict[str, dict[str, str]]]:
    """For two tokens and no token: a volume, an image, an image built on it and a stopped
    container of it (names by kind); all removed afterwards."""
    made: dict[str, dict[str, str]] = {}
    for who in ("mine", "theirs", "nobody's"):
        token = secrets.token_hex(4)
        owned = who != "nobody's"
        labels = {OWNER_LABEL: token} if owned else {"devagent.test.owned": token}
        image_labels = {IMAGE_OWNER_LABEL: token} if owned else labels
        tag = f"owned-test:{token}"
        base = _image(docker_client, tmp_path / f"{token}-a", TEST_IMAGE, f"{tag}-a", image_labels)
        child = _image(docker_client, tmp_path / f"{token}-b", base, f"{tag}-b", image_labels)
        venv = {**labels, VENV_LABEL: "1"}  # the only volumes devagent names
        volume = docker_client.volumes.create(f"owned-test-{token}", labels=venv).name
        container = docker_client.containers.create(base, ["true"], labels=labels).id
        made[who] = {"token": token, "image": base, "child": child, "volume": str(volume)}
        made[who]["container"] = str(container)
    yield made
    for things in made.values():
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_container(things["container"], force=True)
        for kind in ("child", "image"):
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.images.remove(things[kind], force=True)
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_volume(things["volume"])


def _exists(client: docker.DockerClient, kind: str, name: str) -> bool:
    get = {"image": client.images.get, "child": client.images.get, "volume": client.volumes.get}
    try:
        get.get(kind, client.containers.get)(name)
    except docker.errors.NotFound:
        return False
    return True


def test_remove_owned_takes_the_tokens_objects_and_nothing_else(docker_client, made):
    removed = remove_owned(docker_client, made["mine"]["token"])
    kinds = ("container", "image", "child", "volume")
    assert [k for k in kinds if _exists(docker_client, k, made["mine"][k])] == []
    for other in ("theirs", "nobody's"):
        assert [k for k in kinds if _exists(docker_client, k, made[other][k])] == list(kinds)
    assert removed.volumes == (made["mine"]["volume"],)
    assert len(removed.images) == 2 and len(removed.containers) == 1


def test_remove_owned_leaves_a_container_someone_made_from_its_image(docker_client, made):
    mine = made["mine"]
    stranger = docker_client.containers.create(mine["child"], ["true"])  # no labels of its own
    try:
        remove_owned(docker_client, mine["token"])
        assert _exists(docker_client, "container", stranger.id)
        assert _exists(docker_client, "child", mine["child"])  # it is in use
        assert not _exists(docker_client, "container", mine["container"])
    finally:
        stranger.remove(force=True)


def test_a_committed_image_names_its_owner_and_gives_its_containers_none(docker_client):
    session = os.environ[OWNER_VARIABLE]  # tests/conftest.py: this process's token
    tag = f"owned-test:{secrets.token_hex(4)}"
    image = commit_build(docker_client, CommitSpec(TEST_IMAGE, ["true"], tag, "nothing"))
    try:
        labels = docker_client.images.get(image).labels
        assert (labels[IMAGE_OWNER_LABEL], labels[OWNER_LABEL]) == (session, "")
        stranger = docker_client.containers.create(image, ["true"])  # made by someone else
        assert stranger.labels[OWNER_LABEL] == ""
        stranger.remove(force=True)
    finally:
        docker_client.images.remove(tag, force=True)
