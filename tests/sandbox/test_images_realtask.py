"""A real task's env image with its venv in a volume holds what the Dockerfile build gave: the
same packages and versions (dated), the same import check and report, the labels devagent reads;
a sandbox from it runs the task's tests. The expected values were read from the image the
Dockerfile recipe (b674210) built for the same task; the sdist comes from PyPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from devagent.bench.realtask import load_real_tasks
from devagent.bench.sdist import unpack_release
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.images import ensure_env_image, env_report
from sandbox.pyimage import LABELS
from sandbox.venvvolume import VENV_LABEL

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
TASK = "iniconfig-utf8-bom"
PACKAGES_BEFORE = {
    "execnet": "2.1.1",
    "packaging": "25.0",
    "pip": "23.0.1",
    "pluggy": "1.6.0",
    "pygments": "2.19.2",
    "pytest": "8.4.2",
    "pytest-xdist": "3.8.0",
    "setuptools": "80.9.0",
    "setuptools-scm": "9.2.1",
    "wheel": "0.45.1",
}
"""/opt/devagent/environment.json's packages in the Dockerfile-built image of TASK."""


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=600)
    yield client
    client.close()


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """TASK's base sdist tree (readable by the sandbox's user) and its upload time."""
    (task,) = [t for t in load_real_tasks([ROOT / "tasks" / "real"]) if t.id == TASK]
    root = tmp_path_factory.mktemp("real")
    root.chmod(0o755)
    release = unpack_release(task.project, task.base_version, root / TASK)
    return root / TASK, release.upload_time


@pytest.fixture(scope="module")
def built(client: docker.DockerClient, unpacked: tuple[Path, str]) -> str:
    (task,) = [t for t in load_real_tasks([ROOT / "tasks" / "real"]) if t.id == TASK]
    tree, as_of = unpacked
    return ensure_env_image(tree, env=task.environment, as_of=as_of, client=client)


def test_a_real_task_gets_the_packages_and_the_report_the_dockerfile_build_gave(
    client: docker.DockerClient, built: str
) -> None:
    report = env_report(built, client=client)
    assert report["packages"] == PACKAGES_BEFORE
    assert report["import_check"] == (
        "iniconfig -> /workspace/src/iniconfig/__init__.py (iniconfig 2.3.0)"
    )
    assert (report["python"], report["as_of"]) == ("3.11.2", "2025-10-18T23:59:59Z")
    assert report["toolchain"] == "python"


def test_the_env_image_carries_the_labels_user_and_command_devagent_reads(
    client: docker.DockerClient, built: str
) -> None:
    config = client.images.get(built).attrs["Config"]
    labels = config["Labels"]
    assert {k: labels[v] for k, v in LABELS.items()} == {
        "python": "3.11",
        "suite": "bookworm",
        "as_of": "2025-10-18T23:59:59Z",
    }
    assert (config["User"], config["Cmd"]) == ("agent", ["bash"])
    assert config["WorkingDir"] == "/workspace"


def test_a_sandbox_from_it_runs_the_tasks_tests_offline(
    client: docker.DockerClient, built: str, unpacked: tuple[Path, str]
) -> None:
    tree = unpacked[0]
    assert client.images.get(built).labels[VENV_LABEL].startswith("devagent-venv-")
    config = SandboxConfig(image=built, workspace=tree, user="1000:1000")
    with DockerSandbox(config, client=client) as sb:
        result = sb.exec("python -m pytest -q -p no:cacheprovider testing 2>&1 | tail -1")
    assert " passed" in result.output
