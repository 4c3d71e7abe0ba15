"""Image builds against the real daemon: base image caching, Python and Node env images used
offline as the agent user, and a failing build's error. Builds are few and shared per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandbox.errors import ImageBuildError
from sandbox.images import BASE_TAG, HASH_LABEL, ensure_base_image, ensure_env_image

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=300)
    yield client
    client.close()


@pytest.fixture(scope="module")
def base_id(client: docker.DockerClient) -> str:
    return ensure_base_image(client=client)


def _repo(root: Path, files: dict[str, str]) -> Path:
    root.chmod(0o755)  # readable by the agent user (uid 1000) through the bind mount
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _run_offline(client: docker.DockerClient, image: str, command: str, repo: Path) -> str:
    """Run `command` as uid 1000 without network, the repo mounted at /workspace."""
    output = client.containers.run(
        image,
        ["bash", "-c", command],
        user="1000:1000",
        network_mode="none",
        volumes={str(repo): {"bind": "/workspace", "mode": "rw"}},
        labels={"devagent.sandbox": "1"},
        remove=True,
        stdout=True,
        stderr=True,
    )
    return output.decode()


def test_base_image_second_call_is_a_no_op(client: docker.DockerClient, base_id: str) -> None:
    messages: list[str] = []
    again = ensure_base_image(client=client, on_progress=messages.append)
    assert again == base_id
    assert messages == [f"{BASE_TAG} is up to date ({base_id[:19]})"]
    assert client.images.get(BASE_TAG).labels[HASH_LABEL]


def test_base_image_has_the_tools_and_the_agent_user(
    client: docker.DockerClient, base_id: str, tmp_path: Path
) -> None:
    command = "id -un; id -u; pwd; git --version; rg --version | head -1; python --version"
    lines = _run_offline(client, base_id, command, _repo(tmp_path, {})).splitlines()
    assert lines[:3] == ["agent", "1000", "/workspace"]
    assert lines[3].startswith("git version")
    assert lines[4].startswith("ripgrep")
    assert lines[5].startswith("Python 3.11")


@pytest.fixture(scope="module")
def python_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repo(
        tmp_path_factory.mktemp("pyrepo"),
        {
            "requirements.txt": "six\n",
            "test_app.py": "import six\n\ndef test_six():\n    assert six.PY3\n",
        },
    )


@pytest.fixture(scope="module")
def python_image(client: docker.DockerClient, base_id: str, python_repo: Path) -> str:
    return ensure_env_image(python_repo, client=client)


def test_python_env_imports_dependencies_and_runs_pytest_offline(
    client: docker.DockerClient, python_image: str, python_repo: Path
) -> None:
    command = (
        "python -c 'import six; print(six.__name__)' && python -m pytest --version 2>&1 && "
        "python -m pytest -q -p no:cacheprovider 2>&1 | tail -1"
    )
    lines = _run_offline(client, python_image, command, python_repo).splitlines()
    assert lines[0] == "six"
    assert lines[1].startswith("pytest ")
    assert lines[-1].startswith("1 passed")


def test_unchanged_python_repo_reuses_its_image(
    client: docker.DockerClient, python_image: str, python_repo: Path
) -> None:
    (python_repo / "test_app.py").write_text("def test_other():\n    assert True\n")
    messages: list[str] = []
    assert ensure_env_image(python_repo, client=client, on_progress=messages.append) == (
        python_image
    )
    assert messages[-1].startswith(f"{python_image} is up to date")


def test_node_env_requires_its_dependency_offline(
    client: docker.DockerClient, base_id: str, tmp_path: Path
) -> None:
    package = '{"name": "demo", "version": "1.0.0", "dependencies": {"is-number": "^7.0.0"}}'
    repo = _repo(tmp_path, {"package.json": package})
    image = ensure_env_image(repo, client=client)
    command = "node -e \"console.log(require('is-number')(5), require('is-number')('x'))\""
    assert _run_offline(client, image, command, repo).strip() == "true false"


def test_bad_requirement_raises_build_error_with_step_and_log_tail(
    client: docker.DockerClient, base_id: str, tmp_path: Path
) -> None:
    repo = _repo(tmp_path, {"requirements.txt": "devagent-no-such-package-4242==1.0\n"})
    with pytest.raises(ImageBuildError) as caught:
        ensure_env_image(repo, client=client)
    assert caught.value.step == "RUN python /opt/devagent/install_deps.py /workspace"
    assert "devagent-no-such-package-4242" in caught.value.log_tail
    assert caught.value.step in str(caught.value)
    assert len(caught.value.log_tail.splitlines()) <= 30
