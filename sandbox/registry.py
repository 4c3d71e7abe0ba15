"""Images shared between machines through an operator's registry: pull before building, push after.

An image is stored in the registry under its content hash (`HOST:PORT/devagent/env:<hash16>`,
also for `devagent/base:latest`), and is used under its local name only: after a pull or a push
the registry's name is removed again, so the rest of devagent (labels, `images prune`, the
sandbox) sees exactly what a local build leaves. An image whose hash label does not match its
tag is never used. A registry that cannot be reached is a warning: the image is built here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import docker
import docker.errors
from docker.models.images import Image

from sandbox.imagebuild import HASH_LABEL

log = logging.getLogger(__name__)

Say = Callable[[str], None]


def registry_name(registry: str, tag: str, digest: str) -> tuple[str, str]:
    """(repository, tag) of local `tag` built from `digest` in `registry`: the same repository
    under the registry's address, tagged with the digest's first 16 hex digits. Pure."""
    return f"{registry}/{tag.rpartition(':')[0]}", digest[:16]


def _labels(image: Image) -> dict[str, str]:
    return image.attrs.get("Config", {}).get("Labels") or {}


def _untag(client: docker.DockerClient, name: str) -> None:
    try:
        client.images.remove(name)
    except docker.errors.DockerException as exc:
        log.debug("could not remove the tag %s: %s", name, exc)


def pull_shared(
    client: docker.DockerClient, registry: str, tag: str, digest: str, say: Say
) -> str | None:
    """Pull the registry's copy of `tag` (built from `digest`) and name it `tag`; its image id,
    or None when there is no registry, it lacks the image, or it cannot be reached."""
    if not registry:
        return None
    repository, name = registry_name(registry, tag, digest)
    remote = f"{repository}:{name}"
    try:
        image = client.images.pull(repository, tag=name)
    except docker.errors.NotFound:
        return None
    except docker.errors.APIError as exc:
        log.warning("cannot pull %s (%s); building it here", remote, exc.explanation or exc)
        return None
    if _labels(image).get(HASH_LABEL) != digest:
        log.warning("%s in the registry is not what its tag says; building it here", remote)
        _untag(client, remote)
        return None
    local_repository, _, local_name = tag.rpartition(":")
    image.tag(local_repository, local_name)
    _untag(client, remote)
    say(f"{tag} pulled from {registry}")
    return str(image.id)


def push_shared(
    client: docker.DockerClient, registry: str, tag: str, digest: str, say: Say
) -> bool:
    """Push local `tag` (built from `digest`) to the registry; False (and a warning) when it
    could not be pushed, True when it was (or there is no registry: nothing to do)."""
    if not registry:
        return True
    repository, name = registry_name(registry, tag, digest)
    remote = f"{repository}:{name}"
    try:
        client.images.get(tag).tag(repository, name)
        for chunk in client.api.push(repository, tag=name, stream=True, decode=True):
            if chunk.get("error"):
                raise docker.errors.APIError(str(chunk["error"]))
    except docker.errors.APIError as exc:
        log.warning("could not push %s (%s); other machines build it themselves", remote, exc)
        return False
    finally:
        _untag(client, remote)
    say(f"{tag} pushed to {registry}")
    return True
