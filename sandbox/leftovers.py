"""What image builds killed outright (`kill -9`) leave on the daemon: finding and removing it.

A volume build (sandbox.pyvolume) commits the env image untagged before its project step starts
and tags it once the step succeeded; its build container exists all that time (it is removed
only after the tag, or after the image on a failure). A build killed in between leaves its
build container (still running, or stopped), the untagged image and the image's venv volumes.
The container carries its creator's labels (`lifecycle.build_labels`) and the image keeps them,
naming the container that made it. So an untagged image from a build container is a leftover
when that container is gone or its creator is: never while its build is alive.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import docker
import docker.errors

from sandbox.lifecycle import (
    BUILD_LABEL,
    builds,
    orphaned,
    orphaned_builds,
    remove_containers,
)
from sandbox.venvvolume import remove_unused_volumes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leftovers:
    """What killed builds left (or what of it was removed)."""

    builds: tuple[str, ...] = ()
    """Names of build containers whose creator process is gone."""
    images: tuple[str, ...] = ()
    """Ids of untagged images committed by a build that is not alive."""
    volumes: tuple[str, ...] = ()
    """Venv volumes removed once nothing keeps them (`remove_leftovers` only)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_leftovers(client: docker.DockerClient, *, label: str | None = None) -> Leftovers:
    """The build containers and untagged images killed builds left; `label` ('key=value')
    narrows them down. The images are listed before the containers: a live build's image,
    listed untagged, had its container made before, so the container is listed too (or the
    build is over, and `remove_leftovers` finds the image tagged)."""
    labels = [BUILD_LABEL, *([label] if label else [])]
    untagged = [i for i in client.images.list(filters={"label": labels}) if not i.tags]
    every = builds(client)  # one listing: which builds are alive, and which are left over
    orphans = orphaned(every)
    dead = {c["Id"] for c in orphans}
    alive = {c["Labels"][BUILD_LABEL] for c in every if c["Id"] not in dead}
    mine = [c["Labels"][BUILD_LABEL] for c in orphans if _labelled(c["Labels"], label)]
    images = [str(i.id) for i in untagged if i.labels.get(BUILD_LABEL) not in alive]
    return Leftovers(tuple(mine), tuple(images))


def _labelled(labels: dict[str, str], label: str | None) -> bool:
    """Whether `labels` hold `label` ('key=value', or a bare key; None: any). Pure."""
    if label is None:
        return True
    key, has_value, value = label.partition("=")
    return key in labels and (not has_value or labels[key] == value)


def remove_leftovers(client: docker.DockerClient, *, label: str | None = None) -> Leftovers:
    """Remove what `find_leftovers` finds: the containers, then the images still untagged
    (never forced: an image a container was made from, or one other images are built on,
    stays), then the venv volumes nothing keeps any more (`remove_unused_volumes`, narrowed by
    `label`). Returns what was removed."""
    removed_builds = remove_containers(client, orphaned_builds(client, label=label))
    images = [i for i in find_leftovers(client, label=label).images if _remove_untagged(client, i)]
    volumes = remove_unused_volumes(client, label=label)
    return Leftovers(tuple(removed_builds), tuple(images), tuple(volumes))


def _remove_untagged(client: docker.DockerClient, image: str) -> bool:
    """Remove `image` unless it has a tag now (its build was tagging it while listed); whether
    it went."""
    try:
        if client.images.get(image).tags:
            return False
        client.images.remove(image, noprune=False)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.APIError as exc:
        log.warning("kept leftover image %s: %s", image[:19], exc.explanation or exc)
        return False
    return True
