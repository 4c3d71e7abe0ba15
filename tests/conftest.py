"""Test policy: tests marked `docker` run against a real daemon, tests marked `browser` in a
real headless chromium.

Locally, without a daemon (or chromium), they are skipped with the reason. In CI (`CI=true`) a
missing one ends the session with an error instead: CI must prove those paths, never skip them.

Every Docker object the session makes (in this process, or in a `devagent` it starts) is labelled
with this session's token (`devagent.owner`; on images `devagent.image.owner`), and the session
removes them all when it ends, whatever failed: nothing else (the person's images, another
run's) is touched.
"""

from __future__ import annotations

import os
import shutil
import uuid
from typing import Any

import pytest

from devagent.cli import OWNER_VARIABLE

OWNER = f"pytest-{os.getpid()}-{uuid.uuid4().hex[:8]}"
"""This session's token (sandbox.lifecycle.set_owner)."""


def pytest_configure(config: pytest.Config) -> None:
    from sandbox.lifecycle import set_owner

    os.environ[OWNER_VARIABLE] = OWNER  # the `devagent` processes the tests start
    set_owner(OWNER)


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
    _require(items, "browser", _browser_problem, "`make setup` installs chromium")
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


def _browser_problem() -> str | None:
    """Why the browser tests cannot run here (tests/pages/conftest.py drives it), or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian: chromium, chromium-driver)"
    return None


def _require(items: list[pytest.Item], marker: str, problem_of: Any, hint: str) -> None:
    """Skip the items marked `marker` when `problem_of()` names a problem; in CI, fail."""
    marked = [item for item in items if item.get_closest_marker(marker)]
    problem = problem_of() if marked else None
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(
            f"CI=true but {problem}: the {marker} tests must run in CI. {hint}."
        )
    skip = pytest.mark.skip(reason=f"{problem}; {hint}")
    for item in marked:
        item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave nothing behind, whatever failed: remove this run's sandboxes and any whose creator
    process is gone (a CLI subprocess a test killed, say), then every object the session made
    (`OWNER`)."""
    if _daemon_problem() is not None:
        return
    import docker

    from sandbox.lifecycle import LABEL, gc
    from sandbox.owned import remove_owned

    client = docker.from_env(timeout=300)
    mine = client.containers.list(
        all=True, filters={"label": [f"{LABEL}=1", f"devagent.creator_pid={os.getpid()}"]}
    )
    for container in mine:
        container.remove(force=True)
    gc(client)
    remove_owned(client, OWNER)
    client.close()
