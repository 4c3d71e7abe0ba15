"""Connect to the Docker daemon, translating a dead one into `DaemonUnavailableError`."""

from __future__ import annotations

import docker
import docker.errors

from sandbox.errors import DaemonUnavailableError

FIX_HINT = "start the Docker daemon (`make setup` starts dockerd as root on Debian) and retry"


def docker_client(timeout: float = 120.0) -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except docker.errors.DockerException as exc:
        raise DaemonUnavailableError(f"Docker daemon not reachable: {exc}; {FIX_HINT}") from exc
    return client
