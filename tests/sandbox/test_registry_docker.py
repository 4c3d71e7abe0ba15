"""An env image built on one machine is pulled, not built, on the next one: against the real
daemon and Debian's docker-registry serving on 127.0.0.1 (dockerd trusts 127.0.0.0/8 plainly)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandbox.hostconfig import HostIndexConfig
from sandbox.imagebuild import HASH_LABEL, BuildOutput
from sandbox.images import IMAGES_DIR, ensure_env_image

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]

REGISTRY_CONFIG = """version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root}
http:
  addr: 127.0.0.1:{port}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """A registry of our own on a free loopback port, its storage under tmp_path."""
    binary = shutil.which("docker-registry")
    assert binary, "docker-registry is missing: `make test` installs it (images/ensure-registry.sh)"
    port = _free_port()
    config = tmp_path / "registry.yml"
    config.write_text(REGISTRY_CONFIG.format(root=tmp_path / "blobs", port=port))
    log = (tmp_path / "registry.log").open("wb")
    proc = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"http://127.0.0.1:{port}/v2/"):
            assert proc.poll() is None, (tmp_path / "registry.log").read_text()
            assert time.monotonic() < deadline, "the registry did not answer within 30 s"
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _recipes(root: Path) -> Path:
    """The real base recipe (so the base image is the one this machine has) and a one-line go
    recipe of this test's own (so the env image is ours alone)."""
    shutil.copytree(IMAGES_DIR / "base", root / "base")
    shutil.copy(IMAGES_DIR / "bootstrap-rootfs.sh", root / "bootstrap-rootfs.sh")
    (root / "go").mkdir()
    marker = uuid.uuid4().hex
    (root / "go" / "Dockerfile").write_text(f"ARG BASE\nFROM $BASE\nLABEL devagent.test={marker}\n")
    return root


def test_an_image_built_on_one_machine_is_pulled_instead_of_built_on_the_next(registry, tmp_path):
    client = docker.from_env(timeout=300)
    images_dir = _recipes(tmp_path / "recipes")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "go.mod").write_text("module example.com/shared\n\ngo 1.21\n")
    host = HostIndexConfig(image_registry=registry)
    on_a: list[str] = []
    tag = ensure_env_image(
        repo, client=client, host=host, images_dir=images_dir, on_progress=on_a.append
    )
    try:
        built = client.images.get(tag)
        assert any(isinstance(line, BuildOutput) for line in on_a)
        assert f"{tag} pushed to {registry}" in on_a
        client.images.remove(tag)  # machine B has never seen it

        on_b: list[str] = []
        again = ensure_env_image(
            repo, client=client, host=host, images_dir=images_dir, on_progress=on_b.append
        )
        pulled = client.images.get(again)
        assert again == tag
        assert [line for line in on_b if isinstance(line, BuildOutput)] == []
        assert f"{tag} pulled from {registry}" in on_b
        assert pulled.id == built.id
        assert pulled.labels[HASH_LABEL] == built.labels[HASH_LABEL]
        assert pulled.labels["devagent.toolchain"] == "go"
        assert [t for t in pulled.tags if t.startswith(registry)] == []
    finally:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag)
        client.close()


def test_an_unreachable_registry_means_a_build_here(tmp_path, caplog):
    client = docker.from_env(timeout=300)
    images_dir = _recipes(tmp_path / "recipes")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "go.mod").write_text("module example.com/alone\n")
    host = HostIndexConfig(image_registry=f"127.0.0.1:{_free_port()}")
    said: list[str] = []
    tag = ensure_env_image(
        repo, client=client, host=host, images_dir=images_dir, on_progress=said.append
    )
    try:
        assert any(isinstance(line, BuildOutput) for line in said)
        assert client.images.get(tag).labels["devagent.toolchain"] == "go"
        assert "could not push" in caplog.text
    finally:
        client.images.remove(tag)
        client.close()
