"""Connect to the Docker daemon: the one place that does, so a dead daemon reads the same way."""

from __future__ import annotations

import docker
import docker.errors
import requests.exceptions

from sandbox.errors import DaemonUnavailableError

DAEMON_HINT = "run `make setup` or start dockerd, then retry"


def docker_client(
    timeout: float = 120.0, *, client: docker.DockerClient | None = None
) -> docker.DockerClient:
    """`client`, else one from the environment's Docker settings (DOCKER_HOST, ...), once the
    daemon has answered a ping; `DaemonUnavailableError` naming the fix when none answers."""
    try:
        client = client or docker.from_env(timeout=int(timeout))
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise DaemonUnavailableError(f"no Docker daemon answers ({exc}); {DAEMON_HINT}") from exc
    return client
