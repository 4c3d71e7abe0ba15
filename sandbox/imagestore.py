"""Environment images on the daemon: when each was last used, and pruning the unused ones.

Env images (`devagent/env:*`, `devagent/envdeps:*`) are keyed by a hash of what they were built
from, so every change of a repository's dependencies leaves an old image behind. Docker keeps no
"last used" time; devagent re-tags an image each time it reuses one (`mark_used`), which sets the
image's `LastTagTime`, and that time (or the build time) is its last use. Base and rootfs images
are never pruned, nor is an image any container (running or stopped) was created from.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import docker
import docker.errors
from docker.models.images import Image

log = logging.getLogger(__name__)

ENV_REPOSITORIES = ("devagent/env", "devagent/envdeps")
"""What `prune` may remove; `devagent/base` and `devagent/rootfs` are never among them."""


@dataclass(frozen=True)
class EnvImage:
    """One env image as `prune` sees it."""

    id: str
    tags: tuple[str, ...]
    """Its env-image tags (other tags of the same image are left alone)."""
    last_used: float
    """Seconds since the epoch: the last re-tag by devagent, else the build."""
    in_use: bool
    """Some container (running or stopped) was created from it."""
    size: int
    """Bytes, shared layers included."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mark_used(client: docker.DockerClient, tag: str, image: Image | None = None) -> None:
    """Record that `tag` was just used (a re-tag sets its LastTagTime); best effort. `image`:
    the image `tag` names, when the caller has just read it (saves reading it again)."""
    repository, _, name = tag.rpartition(":")
    try:
        (image or client.images.get(tag)).tag(repository, name)
    except docker.errors.DockerException as exc:
        log.debug("could not mark %s as used: %s", tag, exc)


def _epoch(stamp: str | None) -> float:
    """Docker's RFC 3339 time (nanoseconds, 'Z') as seconds; 0.0 when absent or zero."""
    if not stamp or stamp.startswith("0001-"):
        return 0.0
    head, _, rest = stamp.rstrip("Z").partition(".")
    fraction = "".join(ch for ch in rest if ch.isdigit())[:6]
    zone = rest[len(fraction) :].lstrip("0123456789") if rest else ""
    text = f"{head}.{fraction or '0'}{zone or '+00:00'}"
    return datetime.fromisoformat(text).timestamp()


def env_tags(tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(t for t in tags if t.rpartition(":")[0] in ENV_REPOSITORIES)


def list_env_images(client: docker.DockerClient, *, label: str | None = None) -> list[EnvImage]:
    """Every env image, oldest use first; `label` ('key=value') narrows them down."""
    used = {c.attrs.get("ImageID", "") for c in client.containers.list(all=True, sparse=True)}
    found = []
    for image in client.images.list(filters={"label": label} if label else None):
        tags = env_tags(image.tags)
        if not tags:
            continue
        attrs = image.attrs
        last = _epoch((attrs.get("Metadata") or {}).get("LastTagTime"))
        created = _epoch(attrs.get("Created"))
        size = int(attrs.get("Size") or 0)
        found.append(EnvImage(image.id, tags, max(last, created), image.id in used, size))
    return sorted(found, key=lambda i: i.last_used)


def prunable(images: Iterable[EnvImage], *, now: float, older_than_s: float) -> list[EnvImage]:
    """Those not in use and not used for `older_than_s` seconds. Pure."""
    return [
        image
        for image in images
        if not image.in_use and now - image.last_used >= older_than_s and env_tags(image.tags)
    ]


def remove_images(client: docker.DockerClient, images: Iterable[EnvImage]) -> list[str]:
    """Remove the env tags of `images` (never forced: an image a container took meanwhile
    stays); return the tags removed."""
    removed = []
    for image in images:
        for tag in env_tags(image.tags):
            try:
                client.images.remove(tag, noprune=False)
            except docker.errors.ImageNotFound:
                continue
            except docker.errors.APIError as exc:
                log.warning("kept %s: %s", tag, exc.explanation or exc)
                continue
            removed.append(tag)
    return removed
