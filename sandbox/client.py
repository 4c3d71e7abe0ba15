"""Connect to the Docker daemon: the one place that does, so a dead daemon reads the same way."""

from __future__ import annotations

import threading

import docker
import docker.errors
import docker.utils
import requests.exceptions

from sandbox.errors import DaemonUnavailableError

DAEMON_HINT = "run `make setup` or start dockerd, then retry"

_api_versions: dict[str, str] = {}
"""Daemon address -> the API version its first client in this process agreed on (asking costs
a `GET /version`, 6-14 ms, the slowest call of a warm run's image check)."""
_versions_lock = threading.Lock()


def docker_client(
    timeout: float = 120.0, *, client: docker.DockerClient | None = None
) -> docker.DockerClient:
    """`client`, else one from the environment's Docker settings (DOCKER_HOST, ...), once the
    daemon has answered a ping; `DaemonUnavailableError` naming the fix when none answers.
    A new client speaks the API version this process's first client for the same daemon
    agreed on, without asking again."""
    try:
        client = client or _from_env(timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise DaemonUnavailableError(f"no Docker daemon answers ({exc}); {DAEMON_HINT}") from exc
    return client


def _from_env(timeout: float) -> docker.DockerClient:
    address = str(docker.utils.kwargs_from_env().get("base_url") or "")
    with _versions_lock:
        known = _api_versions.get(address)
    client = docker.from_env(timeout=int(timeout), version=known)
    if known is None:
        with _versions_lock:
            _api_versions[address] = str(client.api.api_version)
    return client
