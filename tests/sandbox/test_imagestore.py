"""Pruning env images: unused ones go; the base image and images a container uses stay."""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest

from sandbox.imagestore import EnvImage, _epoch, prunable

DAY = 86400.0


def image(tag: str, *, idle_days: float, in_use: bool = False, now: float = 1e9) -> EnvImage:
    return EnvImage(f"sha256:{tag}", (tag,), now - idle_days * DAY, in_use, 1)


def test_only_env_images_unused_for_long_enough_and_in_no_container_are_prunable():
    now = 1e9
    images = [
        image("devagent/env:old", idle_days=20),
        image("devagent/envdeps:old", idle_days=15),
        image("devagent/env:recent", idle_days=2),
        image("devagent/env:used", idle_days=30, in_use=True),
        image("devagent/base:latest", idle_days=90),
        image("devagent/rootfs:bookworm", idle_days=90),
    ]
    chosen = prunable(images, now=now, older_than_s=14 * DAY)
    assert [i.tags for i in chosen] == [("devagent/env:old",), ("devagent/envdeps:old",)]


def test_docker_times_are_read_to_the_second():
    assert _epoch("2026-12-02T07:24:25.98059696Z") == pytest.approx(1796196265.980596)
    assert _epoch("2026-12-02T07:24:25Z") == 1796196265.0
    assert _epoch("0001-01-01T00:00:00Z") == 0.0
    assert _epoch(None) == 0.0


BUILD = "FROM devagent/base:latest\nRUN echo {marker} > /tmp/devagent-prune-test\n"


@pytest.fixture
def throwaway(docker_client, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Three env-like images built FROM the base image, under one test label: an env image
    (to be pruned), one tagged in the base repository, and one a stopped container uses."""
    from sandbox.imagebuild import HASH_LABEL

    token = secrets.token_hex(4)
    tags = {
        "env": f"devagent/env:prunetest-{token}",
        "base": f"devagent/base:prunetest-{token}",
        "in_use": f"devagent/envdeps:prunetest-{token}",
    }
    labels = {"devagent.test.prune": token, HASH_LABEL: token, "devagent.toolchain": "python"}
    for role, tag in tags.items():
        context = tmp_path / role
        context.mkdir()
        (context / "Dockerfile").write_text(BUILD.format(marker=f"{role}-{token}"))
        docker_client.images.build(path=str(context), tag=tag, labels=labels, rm=True)
    container = docker_client.containers.create(tags["in_use"], ["true"])
    try:
        yield {**tags, "label": f"devagent.test.prune={token}"}
    finally:
        container.remove(force=True)
        for tag in tags.values():
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.images.remove(tag, force=True)


def exists(client, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


@pytest.mark.docker
def test_prune_removes_an_unused_env_image_and_keeps_base_and_in_use(docker_client, throwaway):
    from sandbox.imagestore import list_env_images, remove_images

    listed = list_env_images(docker_client, label=throwaway["label"])
    assert sorted(t for i in listed for t in i.tags) == sorted(
        [throwaway["env"], throwaway["in_use"]]
    )
    chosen = prunable(listed, now=time.time() + 60, older_than_s=30)
    assert [i.tags for i in chosen] == [(throwaway["env"],)]
    assert remove_images(docker_client, chosen) == [throwaway["env"]]
    assert not exists(docker_client, throwaway["env"])
    assert exists(docker_client, throwaway["base"])
    assert exists(docker_client, throwaway["in_use"])
    assert exists(docker_client, "devagent/base:latest")


@pytest.mark.docker
def test_a_reused_image_counts_as_used_now(docker_client, throwaway):
    from sandbox.imagestore import list_env_images, mark_used

    before = next(i for i in list_env_images(docker_client, label=throwaway["label"])
                  if throwaway["env"] in i.tags)  # fmt: skip
    time.sleep(1.1)
    mark_used(docker_client, throwaway["env"])
    after = next(i for i in list_env_images(docker_client, label=throwaway["label"])
                 if throwaway["env"] in i.tags)  # fmt: skip
    assert after.last_used >= before.last_used + 1


@pytest.mark.docker
def test_images_prune_dry_run_json_lists_without_removing(docker_client, throwaway):
    result = subprocess.run(
        [sys.executable, "-m", "devagent.cli", "images", "prune", "--all", "--dry-run", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    tags = {t for c in report["candidates"] for t in c["tags"]}
    assert throwaway["env"] in tags
    assert throwaway["in_use"] not in tags and throwaway["base"] not in tags
    assert not any(t.startswith("devagent/base:") for t in tags)
    assert (report["dry_run"], report["removed"]) == (True, [])
    assert set(report["leftovers"]) == {"builds", "images"}  # what killed builds left
    assert exists(docker_client, throwaway["env"])
