"""Docker volumes holding an env image's /opt/venv: naming, a sandbox's mount, their removal.

An image labelled `devagent.venv=<volume>` is not complete on its own: its virtualenv lives in
that named volume (sandbox/pyvolume.py builds both), which every container from the image gets
read-only at /opt/venv. Images committed from such a container (snapshots, forks) keep the
label. A volume is labelled `devagent.venv=1`; it goes when no tagged image names it any more
and no container mounts it (`remove_unused_volumes`, run by `devagent images prune`).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import docker
import docker.errors
from docker.types import Mount

from sandbox import lifecycle
from sandbox.commitbuild import BUILD_CONTAINER_PREFIX
from sandbox.errors import SandboxStartError

log = logging.getLogger(__name__)

VENV_LABEL = "devagent.venv"
"""On an image: the name of its venv volume; on a volume: "1"."""
VENV_PATH = "/opt/venv"
VOLUME_PREFIX = "devagent-venv-"


def image_volume(attrs: Mapping[str, Any]) -> str:
    """The venv volume an image's attributes name ("" for a self-contained image). Pure."""
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return str(labels.get(VENV_LABEL, ""))


def new_volume(client: docker.DockerClient, labels: Mapping[str, str]) -> str:
    """Create an empty venv volume with `labels` (and `devagent.venv=1`); return its name."""
    name = f"{VOLUME_PREFIX}{uuid.uuid4().hex[:16]}"
    client.volumes.create(name, labels={**labels, VENV_LABEL: "1", **lifecycle.owner_labels()})
    return name


LOWER_LABEL = f"{VENV_LABEL}.from"
"""On a layered volume: the volume it shows underneath (never written through it)."""
PARTS_LABEL = f"{VENV_LABEL}.parts"
"""On a layered volume: the two plain volumes holding its writes and overlayfs's work folder."""


def new_layered_volume(client: docker.DockerClient, lower: str, labels: Mapping[str, str]) -> str:
    """Create a venv volume that shows `lower` with its own writes on top (an overlay mount by
    Docker's local driver, on the daemon's host: no copy of `lower`, which stays unwritten);
    the writes go to a plain volume of its own. Return its name."""
    parts = [new_volume(client, labels) for _ in ("upper", "work")]
    try:
        lower_dirs = ":".join(_lower_dirs(client, lower))
        upper_dir, work_dir = (_mountpoint(client, v) for v in parts)
        name = f"{VOLUME_PREFIX}{uuid.uuid4().hex[:16]}"
        options = f"lowerdir={lower_dirs},upperdir={upper_dir},workdir={work_dir}"
        client.volumes.create(
            name,
            driver="local",
            driver_opts={"type": "overlay", "device": "overlay", "o": options},
            labels={
                **labels,
                VENV_LABEL: "1",
                LOWER_LABEL: lower,
                PARTS_LABEL: ",".join(parts),
                **lifecycle.owner_labels(),
            },
        )
    except BaseException:
        for part in parts:
            remove_volume(client, part)
        raise
    return name


def _mountpoint(client: docker.DockerClient, name: str) -> str:
    return str(client.volumes.get(name).attrs["Mountpoint"])


def _lower_dirs(client: docker.DockerClient, name: str) -> list[str]:
    """The folders overlayfs stacks to show `name` (its writes over its lower's, top first): a
    layered volume's folder exists only while it is mounted, so one layered on it names these."""
    labels = client.volumes.get(name).attrs.get("Labels") or {}
    if PARTS_LABEL not in labels:
        return [_mountpoint(client, name)]
    upper = labels[PARTS_LABEL].split(",")[0]
    return [_mountpoint(client, upper), *_lower_dirs(client, labels[LOWER_LABEL])]


TOOLS_LABEL = f"{VENV_LABEL}.tools"
"""On a seed volume and on its marker: the id of the tools image whose /opt/venv it holds."""
FILLED_LABEL = f"{VENV_LABEL}.filled"
"""On a seed's marker volume, made once the seed is filled: the seed's name. A seed without a
marker (a fill cut short by a kill) is never used."""


def seed_volume(client: docker.DockerClient, tools_id: str) -> str:
    """The volume holding the tools image's seeded /opt/venv (filled by Docker from the image,
    once per tools image), which dependency volumes are layered on."""
    found = client.volumes.list(filters={"label": f"{TOOLS_LABEL}={tools_id}"})
    labels = {str(v.name): v.attrs.get("Labels") or {} for v in found}
    filled = [own[FILLED_LABEL] for own in labels.values() if own.get(FILLED_LABEL) in labels]
    if filled:
        return str(filled[0])
    name = new_volume(client, {TOOLS_LABEL: tools_id})
    try:  # creating a container with the empty volume at /opt/venv fills it
        mounts = [Mount(VENV_PATH, name, type="volume")]
        builder = f"{BUILD_CONTAINER_PREFIX}{uuid.uuid4().hex[:12]}"
        made_by = lifecycle.build_labels(builder)  # gc removes it after a kill
        container = client.containers.create(
            tools_id, ["true"], name=builder, mounts=mounts, labels=made_by
        )
        container.remove(force=True)
        new_volume(client, {TOOLS_LABEL: tools_id, FILLED_LABEL: name})
    except BaseException:
        remove_volume(client, name)
        raise
    return name


def layers(client: docker.DockerClient, name: str) -> list[str]:
    """`name` and the volumes it is made of (lower and parts, recursively), itself first."""
    return made_of(name, _chain_labels(client, name))


def made_of(name: str, labels: Mapping[str, Mapping[str, str]]) -> list[str]:
    """`name` and what it is made of, from each volume's labels (a missing one is listed, with
    nothing below it). Pure."""
    return [name, *(v for part in below(labels.get(name, {})) for v in made_of(part, labels))]


def below(labels: Mapping[str, str]) -> list[str]:
    """The volumes a venv volume with `labels` is made of, one level down. Pure."""
    return [p for p in (labels.get(LOWER_LABEL, ""), *labels.get(PARTS_LABEL, "").split(",")) if p]


VolumeLabels = dict[str, dict[str, str] | None]
"""Volume name -> its labels as read (None: no such venv volume): what one check has asked the
daemon, for the next check in the same breath to reuse."""


def _chain_labels(
    client: docker.DockerClient, name: str, read: VolumeLabels | None = None
) -> dict[str, dict[str, str]]:
    """The labels of `name` and of the venv volumes it is made of, one inspect each unless
    `read` has them (and what is read is added to it); a volume that does not exist, or is no
    venv volume, is left out, with what is below it. Asking for these by name costs the same
    on a daemon holding thousands of volumes, which listing them (even by label) does not."""
    read = {} if read is None else read
    found: dict[str, dict[str, str]] = {}
    todo = [name]
    while todo:
        volume = todo.pop()
        if volume in found:
            continue
        if volume not in read:
            read[volume] = _venv_volume_labels(client, volume)
        labels = read[volume]
        if labels is not None:
            found[volume] = labels
            todo += below(labels)
    return found


def _venv_volume_labels(client: docker.DockerClient, name: str) -> dict[str, str] | None:
    try:
        labels = dict(client.api.inspect_volume(name).get("Labels") or {})
    except docker.errors.NotFound:
        return None
    return labels if labels.get(VENV_LABEL) == "1" else None


def _gone(client: docker.DockerClient, name: str, read: VolumeLabels | None = None) -> list[str]:
    """The volumes `name` is made of (itself included) that do not exist."""
    labels = _chain_labels(client, name, read)
    return [v for v in made_of(name, labels) if v not in labels]


def remove_layered(client: docker.DockerClient, name: str) -> None:
    """Remove `name` and the parts it alone uses (its lower volume stays)."""
    labels: Mapping[str, str] = {}
    with contextlib.suppress(docker.errors.NotFound):
        labels = client.volumes.get(name).attrs.get("Labels") or {}
    if remove_volume(client, name):
        for part in filter(None, labels.get(PARTS_LABEL, "").split(",")):
            remove_volume(client, part)


def volume_exists(client: docker.DockerClient, name: str) -> bool:
    try:
        client.volumes.get(name)
    except docker.errors.NotFound:
        return False
    return True


def remove_volume(client: docker.DockerClient, name: str) -> bool:
    """Remove `name` unless a container uses it (never forced); whether it is gone."""
    try:
        client.api.remove_volume(name)
    except docker.errors.NotFound:
        return True
    except docker.errors.APIError as exc:
        log.warning("kept volume %s: %s", name, exc.explanation or exc)
        return False
    return True


def missing_volume(
    client: docker.DockerClient, attrs: Mapping[str, Any], read: VolumeLabels | None = None
) -> str:
    """The venv volume the image with `attrs` names (or one it is made of) when it no longer
    exists, else ""; `read`: volumes an earlier check of this breath has read."""
    name = image_volume(attrs)
    missing = _gone(client, name, read) if name else []
    return missing[0] if missing else ""


def sandbox_mounts(client: docker.DockerClient, image: str) -> list[Mount]:
    """The read-only /opt/venv mount a sandbox from `image` needs (none for a self-contained
    image or one that does not exist: creating the container reports that)."""
    try:
        attrs = client.images.get(image).attrs
    except docker.errors.ImageNotFound:
        return []
    name = image_volume(attrs)
    if not name:
        return []
    gone = _gone(client, name)
    if gone:
        raise SandboxStartError(
            f"image {image!r} needs its venv volume {gone[0]}, which is gone;"
            " rebuild the env with `devagent images ensure <repo>`"
        )
    return [Mount(VENV_PATH, name, type="volume", read_only=True, no_copy=True)]


def unused_volumes(
    client: docker.DockerClient,
    ignoring: Iterable[str] = (),
    *,
    label: str | None = None,
    containers: Iterable[str] = (),
) -> list[str]:
    """Venv volumes that no tagged image (other than the ids in `ignoring`, about to go) names
    and no container (running or not; other than those named in `containers`, about to go)
    mounts, nor any volume made of them; `label` ('key=value') narrows them down."""
    gone = set(ignoring)
    named = {  # an untagged image (its tag moved to a rebuild) keeps nothing
        image_volume(image.attrs)
        for image in client.images.list(filters={"label": VENV_LABEL})
        if image.id not in gone and image.tags
    }
    leaving = {f"/{name}" for name in containers}
    mounted = {
        str(m.get("Name", ""))
        for c in client.api.containers(all=True)
        if not leaving & set(c.get("Names") or [])
        for m in c.get("Mounts") or []
        if m.get("Type") == "volume"
    }
    wanted = [f"{VENV_LABEL}=1", *([label] if label else [])]
    every = {str(v.name): v.attrs.get("Labels") or {} for v in client.volumes.list()}
    kept = _closure(named | mounted, every)
    volumes = client.volumes.list(filters={"label": wanted})
    unused = [str(v.name) for v in volumes if v.name not in kept]
    # layered volumes before what they are made of
    return sorted(unused, key=lambda n: (PARTS_LABEL not in every.get(n, {}), n))


def _closure(names: set[str], labels: Mapping[str, Mapping[str, str]]) -> set[str]:
    """`names` and every volume they are made of. Pure."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += below(labels.get(name, {}))
    return seen


def remove_unused_volumes(client: docker.DockerClient, *, label: str | None = None) -> list[str]:
    """Remove `unused_volumes` (layered ones first); return the names removed."""
    return [name for name in unused_volumes(client, label=label) if remove_volume(client, name)]
