"""Removing what one owner made, against the real daemon: `remove_owned` takes the containers,
images (one built on another too) and volumes labelled with its token, and leaves another
token's and unlabelled ones."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from sandbox.lifecycle import OWNER_LABEL
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
        labels = {OWNER_LABEL: token} if who != "nobody's" else {"devagent.test.owned": token}
        tag = f"owned-test:{token}"
        base = _image(docker_client, tmp_path / f"{token}-a", TEST_IMAGE, f"{tag}-a", labels)
        child = _image(docker_client, tmp_path / f"{token}-b", base, f"{tag}-b", labels)
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
