"""Make sandboxes impossible to leave behind: labels, exit hooks, and garbage collection.

Every container carries `devagent.sandbox=1` plus its creator's host, pid and process start time.
Live sandboxes are removed at interpreter exit and on SIGTERM/SIGHUP; `gc()` removes containers
whose creator process is gone (a crash, `kill -9`). Image build containers carry their
creator's labels too, under `devagent.build=<their own name>` instead of `devagent.sandbox`
(`build_labels`), and `gc()` removes them the same way. Once a process `set_owner`, everything
it makes carries its token (`devagent.owner` on containers, networks and volumes,
`devagent.image.owner` on images), so that the owner (a test session) can remove all of it
(sandbox.owned); without one, the labels are empty, never inherited.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType

import docker
import docker.errors

log = logging.getLogger(__name__)

LABEL = "devagent.sandbox"
OWNER_LABEL = "devagent.owner"
"""On a container, network or volume: the token of the process that made it ('' for none)."""
IMAGE_OWNER_LABEL = "devagent.image.owner"
"""The same on an image. Not OWNER_LABEL: a container inherits its image's labels, and belongs
to whoever made it."""
_owner = {"token": ""}
_live: dict[str, Callable[[], None]] = {}
_lock = threading.Lock()
_hooks_installed = False


def process_start_time(pid: int) -> str:
    """The kernel's start time of `pid` (clock ticks since boot), '' when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def set_owner(token: str) -> None:
    """Label what this process makes from now on with `token` ('' for none)."""
    _owner["token"] = token


def owner_labels() -> dict[str, str]:
    """The owner label of a container, network or volume this process makes: its token, or ''
    (overriding one a container would inherit from its image)."""
    return {OWNER_LABEL: _owner["token"]}


def image_owner_labels() -> dict[str, str]:
    """The owner labels of an image this process builds or commits: its token, or '' (never the
    parent image's), and an empty OWNER_LABEL (never the committed container's, which every
    container made from the image would inherit)."""
    return {OWNER_LABEL: "", IMAGE_OWNER_LABEL: _owner["token"]}


def creator_labels(session_id: str) -> dict[str, str]:
    return {LABEL: "1", "devagent.session": session_id, **_creator()}


BUILD_LABEL = "devagent.build"
"""On a build container: its own name. An image committed from it keeps its labels, so this
names the container that made the image; a container made from that image inherits it, with
another name than its own (so it is no build container)."""


def build_labels(name: str) -> dict[str, str]:
    """The labels of the build container `name`: its name and its creator's. Not `LABEL`: the
    images committed from it keep its labels, and so would every container made from them."""
    return {BUILD_LABEL: name, **_creator()}


def _creator() -> dict[str, str]:
    pid = os.getpid()
    return {
        "devagent.creator_host": socket.gethostname(),
        "devagent.creator_pid": str(pid),
        "devagent.creator_start": process_start_time(pid),
        "devagent.created_at": str(int(time.time())),
        **owner_labels(),
    }


def creator_alive(labels: dict[str, str]) -> bool:
    """True when the process that made the container still runs (same pid AND start time)."""
    pid = labels.get("devagent.creator_pid", "")
    if not pid.isdigit():
        return False
    return process_start_time(int(pid)) == labels.get("devagent.creator_start", "-")


def register(container_id: str, remove: Callable[[], None]) -> None:
    _install_hooks()
    with _lock:
        _live[container_id] = remove


def unregister(container_id: str) -> None:
    with _lock:
        _live.pop(container_id, None)


def remove_all() -> None:
    """Remove every sandbox this process still holds, newest first (a sandbox before the
    network it joined)."""
    with _lock:
        removers = list(reversed(_live.values()))
        _live.clear()
    for remove in removers:
        try:
            remove()
        except Exception as exc:  # cleanup must go on for the others
            log.warning("could not remove a sandbox at exit: %s", exc)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    remove_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(remove_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:  # never replace an application's handler
            signal.signal(sig, _on_signal)


def _orphaned(labels: dict[str, str], host: str, all_hosts: bool) -> bool:
    if labels.get("devagent.creator_host") != host:
        return all_hosts
    return not creator_alive(labels)


def gc(
    client: docker.DockerClient, *, all_hosts: bool = False, session: str | None = None
) -> list[str]:
    """Remove sandbox containers, then networks (an egress allowlist's), whose creator process
    is gone (only `session`'s when given; without one, build containers too). Returns their
    names.

    Reads the one container listing (labels included) instead of inspecting each container, so
    that a container another process removes meanwhile (a sandbox closing, another gc) is
    skipped."""
    host = socket.gethostname()
    labels = [f"{LABEL}=1"] + ([f"devagent.session={session}"] if session else [])
    listed = client.api.containers(all=True, filters={"label": labels})
    orphans = [c for c in listed if _orphaned(c.get("Labels") or {}, host, all_hosts)]
    removed = remove_containers(client, orphans)
    if session is None:
        removed += remove_containers(client, orphaned_builds(client, all_hosts=all_hosts))
    for network in client.networks.list(filters={"label": labels}):
        if not _orphaned(network.attrs.get("Labels") or {}, host, all_hosts):
            continue
        try:
            network.remove()
            removed.append(network.name)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:
            log.warning("could not remove network %s: %s", network.name, exc)
    return removed


def _name(container: dict) -> str:
    """A container's name from its listing."""
    return str((container.get("Names") or ["/" + container["Id"][:12]])[0]).lstrip("/")


def builds(client: docker.DockerClient, *, label: str | None = None) -> list[dict]:
    """Every build container (`build_labels`), as listed (`label`, 'key=value', narrows them
    down); not a container that merely inherited BUILD_LABEL from its image."""
    labels = [BUILD_LABEL, *([label] if label else [])]
    listed = client.api.containers(all=True, filters={"label": labels})
    return [c for c in listed if (c.get("Labels") or {}).get(BUILD_LABEL) == _name(c)]


def orphaned_builds(
    client: docker.DockerClient, *, all_hosts: bool = False, label: str | None = None
) -> list[dict]:
    """The build containers whose creator process is gone (a build killed outright)."""
    return orphaned(builds(client, label=label), all_hosts=all_hosts)


def orphaned(listed: list[dict], *, all_hosts: bool = False) -> list[dict]:
    """Those of the `listed` containers (with their labels) whose creator process is gone."""
    host = socket.gethostname()
    return [c for c in listed if _orphaned(c.get("Labels") or {}, host, all_hosts)]


def remove_containers(client: docker.DockerClient, listed: list[dict]) -> list[str]:
    """Remove the `listed` containers with their anonymous volumes; return their names. One
    already gone, or being removed by someone else, is skipped."""
    removed = []
    for container in listed:
        try:
            client.api.remove_container(container["Id"], force=True, v=True)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:  # already being removed by someone else
            log.debug("could not remove %s: %s", container["Id"][:12], exc)
            continue
        removed.append(_name(container))
    return removed
