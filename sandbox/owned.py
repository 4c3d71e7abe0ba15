"""Removing everything one owner made on the daemon: the objects labelled with its token
(`lifecycle.set_owner`), such as what a test session made, and nothing else.

Nothing is forced: an image a container of someone else's was made from, or that their images
are built on, stays, and so does a volume a container mounts or an image of theirs names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import docker
import docker.errors
from docker.models.images import Image

from sandbox.lifecycle import IMAGE_OWNER_LABEL, OWNER_LABEL, remove_containers
from sandbox.venvvolume import remove_unused_volumes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removed:
    """What `remove_owned` removed."""

    containers: tuple[str, ...]
    networks: tuple[str, ...]
    images: tuple[str, ...]
    """Ids of the images removed (their tags with them)."""
    volumes: tuple[str, ...]


def remove_owned(client: docker.DockerClient, token: str) -> Removed:
    """Remove the containers, networks, images and venv volumes (the only volumes devagent
    names) labelled with `token`, in that order: a container before its image and
    volumes, an image before the images it is built on and the volumes it names."""
    label = f"{OWNER_LABEL}={token}"
    listed = client.api.containers(all=True, filters={"label": label})
    containers = remove_containers(client, listed)
    networks = []
    for network in client.networks.list(filters={"label": label}):
        try:
            network.remove()
        except docker.errors.APIError as exc:
            log.warning("kept network %s: %s", network.name, exc.explanation or exc)
            continue
        networks.append(str(network.name))
    images = _remove_images(client, f"{IMAGE_OWNER_LABEL}={token}")
    volumes = remove_unused_volumes(client, label=label)
    return Removed(tuple(containers), tuple(networks), tuple(images), tuple(volumes))


def _remove_images(client: docker.DockerClient, label: str) -> list[str]:
    """Remove the images labelled `label`, in rounds until one removes nothing: an image others
    are built on goes in the round after them. Returns the ids removed."""
    listed = {str(i.id) for i in client.images.list(filters={"label": label})}
    while [i for i in client.images.list(filters={"label": label}) if _remove_image(client, i)]:
        pass
    left = {str(i.id) for i in client.images.list(filters={"label": label})}
    return sorted(listed - left)


def _remove_image(client: docker.DockerClient, image: Image) -> bool:
    """Remove `image` (never forced) by its id, or by its tags when it has several (Docker
    removes no image by id that more than one tag names); whether a tag or the image went. By
    id: a tag another image took meanwhile is not followed."""
    try:
        for tag in image.tags if len(image.tags) > 1 else []:
            client.images.remove(tag, noprune=False)
        if len(image.tags) <= 1:
            client.images.remove(image.id, noprune=False)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.APIError as exc:
        log.debug("kept image %s for now: %s", image.short_id, exc.explanation or exc)
        return False
    return True
