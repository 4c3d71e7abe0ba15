"""Test policy: tests marked `docker` run against a real daemon.

Locally, without a daemon, they are skipped with the reason. In CI (`CI=true`) a missing daemon
ends the session with an error instead: CI must prove the Docker paths, never skip them.
"""

from __future__ import annotations

import os

import pytest


def _daemon_problem() -> str | None:
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        client.close()
    except Exception as exc:  # any failure means "no usable daemon"
        return f"no Docker daemon reachable ({type(exc).__name__}: {exc})"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    docker_items = [item for item in items if item.get_closest_marker("docker")]
    if not docker_items:
        return
    problem = _daemon_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(
            f"CI=true but {problem}: the docker tests must run in CI. "
            "Run `make setup` (it starts dockerd) before the tests."
        )
    skip = pytest.mark.skip(reason=f"{problem}; run `make setup` to start one")
    for item in docker_items:
        item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave no container behind, whatever failed: remove this run's sandboxes and any whose
    creator process is gone (a CLI subprocess a test killed, say)."""
    if _daemon_problem() is not None:
        return
    import docker

    from sandbox.lifecycle import LABEL, gc

    client = docker.from_env(timeout=30)
    mine = client.containers.list(
        all=True, filters={"label": [f"{LABEL}=1", f"devagent.creator_pid={os.getpid()}"]}
    )
    for container in mine:
        container.remove(force=True)
    gc(client)
    client.close()
