"""Make sandboxes impossible to leave behind: labels, exit hooks, and garbage collection.

Every container carries `devagent.sandbox=1` plus its creator's host, pid and process start time.
Live sandboxes are removed at interpreter exit and on SIGTERM/SIGHUP; `gc()` removes containers
whose creator process is gone (a crash, `kill -9`).
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


def creator_labels(session_id: str) -> dict[str, str]:
    pid = os.getpid()
    return {
        LABEL: "1",
        "devagent.session": session_id,
        "devagent.creator_host": socket.gethostname(),
        "devagent.creator_pid": str(pid),
        "devagent.creator_start": process_start_time(pid),
        "devagent.created_at": str(int(time.time())),
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
    is gone (only `session`'s when given). Returns their names.

    Reads the one container listing (labels included) instead of inspecting each container, so
    that a container another process removes meanwhile (a sandbox closing, another gc) is
    skipped."""
    host = socket.gethostname()
    removed = []
    labels = [f"{LABEL}=1"] + ([f"devagent.session={session}"] if session else [])
    for container in client.api.containers(all=True, filters={"label": labels}):
        if not _orphaned(container.get("Labels") or {}, host, all_hosts):
            continue
        try:
            client.api.remove_container(container["Id"], force=True)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:  # already being removed by someone else
            log.debug("could not remove %s: %s", container["Id"][:12], exc)
            continue
        removed.append(str((container.get("Names") or ["/" + container["Id"][:12]])[0]).lstrip("/"))
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
