"""What Python env images share between repositories, against the real daemon: the tools venv
layer is one layer for every repository on a base image, and what one repository's build does
(its setup script runs as root) never reaches another's image; the benchmark's pip baseline
resolves the same versions as uv. Tiny projects, one small dependency at most."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import docker
import pytest

from sandbox.envspec import EnvironmentSpec
from sandbox.hostconfig import read_host_config
from sandbox.images import IMAGES_DIR, ensure_base_image, ensure_env_image, env_report
from sandbox.pyimage import PythonEnvRequest, ensure_python_env
from sandbox.pyversion import DEBIAN_PYTHONS
from sandbox.venvvolume import sandbox_mounts

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

AS_OF = "2024-06-01"
SETUP_PY = (
    'from setuptools import setup\nsetup(name="{name}", version="1.0", py_modules=["{name}"])\n'
)
PLANT = (
    "echo planted > /opt/devagent-tools/planted\n"
    "echo 'raise SystemExit(3)' > /opt/venv/planted.py\n"
)
TOOLS_STEP = "/opt/devagent-tools/bin/pip install"


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=300)
    ensure_base_image(client=client)
    yield client
    client.close()


def _project(root: Path, name: str, extra: dict[str, str] | None = None) -> Path:
    root.mkdir()
    root.chmod(0o755)
    files = {"setup.py": SETUP_PY.format(name=name), f"{name}.py": "VALUE = 1\n", **(extra or {})}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _tools_layer(client: docker.DockerClient, tag: str) -> str:
    """The id of the layer the tools venv step made, from the image's history."""
    history = client.images.get(tag).history()
    return next(str(h["Id"]) for h in history if TOOLS_STEP in str(h.get("CreatedBy", "")))


def _exists(client: docker.DockerClient, tag: str, path: str) -> bool:
    command = ["sh", "-c", f"test -e {path} && echo yes || echo no"]
    mounts = sandbox_mounts(client, tag)
    output = client.containers.run(tag, command, remove=True, network_disabled=True, mounts=mounts)
    return bytes(output).strip() == b"yes"


def test_a_second_repository_reuses_the_tools_layer_and_not_the_firsts_writes(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    hostile = _project(tmp_path / "first", "first", {".devagent/setup.sh": PLANT})
    first = ensure_env_image(hostile, client=client, as_of=AS_OF)
    second = ensure_env_image(_project(tmp_path / "second", "second"), client=client, as_of=AS_OF)
    assert _tools_layer(client, first) == _tools_layer(client, second)
    assert _exists(client, first, "/opt/devagent-tools/planted")  # the setup script did run
    assert not _exists(client, second, "/opt/devagent-tools/planted")
    assert not _exists(client, second, "/opt/venv/planted.py")


def test_the_pip_baseline_resolves_the_versions_uv_resolves(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    repo = _project(tmp_path / "one", "one", {"requirements.txt": "six\n"})
    base_id = ensure_base_image(client=client)
    request = PythonEnvRequest(
        repo=repo,
        deps_repo=repo,
        spec=EnvironmentSpec(),
        interpreter=DEBIAN_PYTHONS[0],
        base_id=base_id,
        host=read_host_config(),
        images_dir=IMAGES_DIR,
        exclude_newer=f"{AS_OF}T23:59:59Z",
    )
    reports = [
        env_report(ensure_python_env(client, replace(request, installer=i), lambda _: None))
        for i in ("uv", "pip")
    ]
    assert reports[0]["packages"]["packaging"] == "24.0"  # 24.1 came out on 2024-06-10
    assert reports[0]["packages"]["six"] == "1.16.0"  # 1.17.0: December 2024
    assert reports[1]["packages"] == reports[0]["packages"]
