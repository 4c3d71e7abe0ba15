"""Image builds against the real daemon: base image caching, Python, Node and Go env images used
offline as the agent user, and a failing build's error. Builds are few and shared per module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.types import Mount

from sandbox.client import docker_client
from sandbox.errors import ImageBuildError
from sandbox.hostconfig import HostIndexConfig
from sandbox.images import BASE_TAG, HASH_LABEL, ensure_base_image, ensure_env_image
from sandbox.venvvolume import image_volume, remove_layered, sandbox_mounts

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker_client(timeout=300)
    yield client
    client.close()


@pytest.fixture(scope="module")
def base_id(client: docker.DockerClient) -> str:
    return ensure_base_image(client=client)


def _repo(root: Path, files: dict[str, str]) -> Path:
    root.chmod(0o755)  # readable by the agent user (uid 1000) through the bind mount
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _run_offline(client: docker.DockerClient, image: str, command: str, repo: Path) -> str:
    """Run `command` as uid 1000 without network, the repo mounted at /workspace (and the
    image's venv volume at /opt/venv, as a sandbox has it)."""
    output = client.containers.run(
        image,
        ["bash", "-c", command],
        user="1000:1000",
        network_mode="none",
        volumes={str(repo): {"bind": "/workspace", "mode": "rw"}},
        mounts=sandbox_mounts(client, image),
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
    command = "id -un; id -u; pwd; git --version; rg --version | sed -n 1p; python --version"
    lines = _run_offline(client, base_id, command, _repo(tmp_path, {})).splitlines()
    assert lines[:3] == ["agent", "1000", "/workspace"]
    assert lines[3].startswith("git version")
    assert lines[4].startswith("ripgrep")
    assert lines[5].startswith("Python 3.11")


PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "demo"
version = "0.1.0"

[tool.setuptools.packages.find]
where = ["src"]
"""


@pytest.fixture(scope="module")
def python_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repo(
        tmp_path_factory.mktemp("pyrepo"),
        {
            "requirements.txt": "six\n",
            "pyproject.toml": PYPROJECT,
            "src/demo/__init__.py": "import six\n\nVALUE = six.PY3\n",
            "tests/test_demo.py": "import demo\n\n\ndef test_value():\n    assert demo.VALUE\n",
        },
    )


@pytest.fixture(scope="module")
def python_image(client: docker.DockerClient, base_id: str, python_repo: Path) -> str:
    return ensure_env_image(python_repo, client=client)


def test_python_env_imports_dependencies_and_runs_pytest_offline(
    client: docker.DockerClient, python_image: str, python_repo: Path
) -> None:
    command = (
        "python -c 'import six, demo; print(six.__name__, demo.__file__)' && "
        "python -m pytest --version 2>&1 && "
        "python -m pytest -q -p no:cacheprovider 2>&1 | tail -1"
    )
    lines = _run_offline(client, python_image, command, python_repo).splitlines()
    assert lines[0] == "six /workspace/src/demo/__init__.py"
    assert lines[1].startswith("pytest ")
    assert lines[-1].startswith("1 passed")


def test_python_env_installs_the_project_editable_from_the_workspace(
    client: docker.DockerClient, python_image: str, python_repo: Path
) -> None:
    command = "pip show demo | sed -n 2p; cd / && python -c 'import demo; print(demo.__file__)'"
    checkout = Mount("/workspace", str(python_repo), type="bind", read_only=True)
    output = client.containers.run(  # as a sandbox runs it: the checkout at /workspace
        python_image,
        ["bash", "-c", command],
        network_mode="none",
        mounts=[*sandbox_mounts(client, python_image), checkout],
        labels={"devagent.sandbox": "1"},
        remove=True,
    )
    assert output.decode().splitlines() == [
        "Version: 0.1.0",
        "/workspace/src/demo/__init__.py",
    ]


def test_a_module_change_reuses_the_image_a_data_change_rebuilds_only_the_project_layer(
    client: docker.DockerClient, python_image: str, python_repo: Path
) -> None:
    messages: list[str] = []
    assert ensure_env_image(python_repo, client=client, on_progress=messages.append) == (
        python_image
    )
    assert messages[-1] == f"{python_image} is up to date"  # checked when built: no container
    (python_repo / "src" / "demo" / "extra.py").write_text("X = 1\n")  # mounted over, as is
    assert ensure_env_image(python_repo, client=client) == python_image
    data = f'{{"run": "{uuid.uuid4().hex}"}}\n'  # package data no earlier run has an image of
    (python_repo / "src" / "demo" / "table.json").write_text(data)
    messages.clear()
    changed = ensure_env_image(python_repo, client=client, on_progress=messages.append)
    try:
        assert changed != python_image
        assert any(m.startswith("devagent/envdeps:") and "is up to date" in m for m in messages)
        assert messages[-1] == "import check: demo -> /workspace/src/demo/__init__.py (demo 0.1.0)"
    finally:
        volume = image_volume(client.images.get(changed).attrs)
        client.images.remove(changed, force=True)
        remove_layered(client, volume)


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
    assert caught.value.step == "installing the dependencies"  # the venv-volume build's step
    assert "devagent-no-such-package-4242" in caught.value.log_tail
    assert (
        str(caught.value) == f"dependencies of {repo}: installing the dependencies failed (exit 1)"
    )
    assert len(caught.value.log_tail.splitlines()) <= 30


def test_go_env_tests_a_module_offline(
    client: docker.DockerClient, base_id: str, tmp_path: Path
) -> None:
    repo = _repo(
        tmp_path,
        {
            "go.mod": "module example.com/demo\n\ngo 1.19\n",
            "demo.go": "package demo\n\nfunc Add(a, b int) int { return a + b }\n",
            "demo_test.go": (
                'package demo\n\nimport "testing"\n\n'
                'func TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("sum")\n\t}\n}\n'
            ),
        },
    )
    image = ensure_env_image(repo, client=client)
    output = _run_offline(client, image, "go test ./... 2>&1", repo)
    assert output.startswith("ok  \texample.com/demo")


def test_repo_without_a_toolchain_gets_the_base_image(
    client: docker.DockerClient, base_id: str, tmp_path: Path
) -> None:
    repo = _repo(tmp_path, {"main.c": "int main(void) { return 0; }\n"})
    assert ensure_env_image(repo, client=client) == BASE_TAG


def test_failed_offline_bootstrap_raises_with_the_debootstrap_step(
    client: docker.DockerClient, base_id: str
) -> None:
    # A mirror nobody serves (a closed local port): debootstrap fails within seconds, and the
    # existing base image stays as it is.
    dead_mirror = HostIndexConfig(apt_mirror="http://127.0.0.1:9/debian")
    with pytest.raises(ImageBuildError) as caught:
        ensure_base_image(client=client, host=dead_mirror, rebuild=True)
    assert (
        caught.value.step == "debootstrap --variant=minbase bookworm from http://127.0.0.1:9/debian"
    )
    assert "127.0.0.1:9" in caught.value.log_tail
    assert client.images.get(BASE_TAG).id == base_id
