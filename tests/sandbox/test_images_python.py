"""Python env images against the real daemon: the checkout is what runs. A project named like a
pytest dependency (iniconfig, 99.0) replaces the site-packages copy, reads its version from its
metadata, has its entry point, gets its setup.py test extra; the date filter and a pin decide
the tools' versions; bad setups fail with one clear line. Three dependency builds in all."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.envspec import EnvironmentSpec
from sandbox.errors import ImageBuildError
from sandbox.imagebuild import HASH_LABEL
from sandbox.images import ensure_base_image, ensure_env_image, env_report
from sandbox.venvvolume import remove_unused_volumes

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

SETUP_PY = """\
from setuptools import find_packages, setup

setup(
    name="iniconfig",
    version="99.0",
    package_dir={"": "src"},
    packages=find_packages("src"),
    extras_require={"tests": ["six"]},
    entry_points={"console_scripts": ["iniconfig-demo = iniconfig:main"]},
)
"""
# pytest imports these three names from iniconfig; nothing here reads an ini file.
PACKAGE = """\
from importlib.metadata import version

__version__ = version("iniconfig")
MARK = "image"


class IniConfig:
    pass


class SectionWrapper:
    pass


class ParseError(Exception):
    pass


def main():
    print(__version__, MARK, __file__)
"""
TESTS = """\
import iniconfig
import six


def test_version_from_metadata():
    assert iniconfig.__version__ == "99.0"


def test_imported_from_the_workspace():
    assert iniconfig.__file__ == "/workspace/src/iniconfig/__init__.py"


def test_the_tests_extra_is_installed():
    assert six.PY3
"""


def _repo(root: Path, files: dict[str, str]) -> Path:
    root.chmod(0o755)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=300)
    ensure_base_image(client=client)
    yield client
    client.close()


@pytest.fixture(scope="module")
def shadow_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"setup.py": SETUP_PY, "src/iniconfig/__init__.py": PACKAGE, "tests/test_it.py": TESTS}
    # a top-level file of its own: the project layer is built by this run, not found from an
    # earlier one on the same daemon (a reused image does not say its import check again)
    files["RUN_ID"] = uuid.uuid4().hex
    return _repo(tmp_path_factory.mktemp("shadow"), files)


@pytest.fixture(scope="module")
def shadow_build(client: docker.DockerClient, shadow_repo: Path) -> Iterator[tuple[str, list[str]]]:
    messages: list[str] = []
    spec = EnvironmentSpec(pip=["pytest==8.0.0"])
    tag = ensure_env_image(
        shadow_repo,
        env=spec,
        as_of="2024-06-01T10:00:00+02:00",
        client=client,
        on_progress=messages.append,
    )
    yield tag, messages
    digest = client.images.get(tag).labels[HASH_LABEL]
    client.images.remove(tag)
    remove_unused_volumes(client, label=f"{HASH_LABEL}={digest}")


@pytest.fixture
def other_copy(shadow_repo: Path, tmp_path: Path) -> Path:
    """A different checkout of the same project: what a run bind-mounts at /workspace."""
    copy = tmp_path / "checkout"
    shutil.copytree(shadow_repo, copy)
    init = copy / "src" / "iniconfig" / "__init__.py"
    init.write_text(init.read_text().replace('MARK = "image"', 'MARK = "checkout"'))
    return _repo(copy, {})


def test_the_build_reports_the_import_check(shadow_build: tuple[str, list[str]]) -> None:
    _, messages = shadow_build
    expected = "import check: iniconfig -> /workspace/src/iniconfig/__init__.py (iniconfig 99.0)"
    assert messages[-1] == expected


def test_a_mounted_checkout_replaces_the_site_packages_copy(
    client: docker.DockerClient, shadow_build: tuple[str, list[str]], other_copy: Path
) -> None:
    config = SandboxConfig(image=shadow_build[0], workspace=other_copy)
    with DockerSandbox(config, client=client) as sandbox:
        entry = sandbox.exec("(cd / && iniconfig-demo)")
        tests = sandbox.exec("python -m pytest -q -p no:cacheprovider 2>&1 | tail -1")
        listing = sandbox.exec("ls /opt/venv/lib/python3.11/site-packages | grep -ci '^iniconfig'")
    assert entry.output.split() == ["99.0", "checkout", "/workspace/src/iniconfig/__init__.py"]
    assert tests.output.startswith("3 passed"), tests.output
    assert listing.output.strip() == "1"  # the editable dist-info only; no second copy


def test_the_report_holds_dated_and_pinned_versions(
    client: docker.DockerClient, shadow_build: tuple[str, list[str]]
) -> None:
    report = env_report(shadow_build[0], client=client)
    assert report["python"].startswith("3.11.")
    assert report["as_of"] == "2024-06-01T23:59:59Z"
    assert report["packages"]["pytest"] == "8.0.0"  # the pin overrides the date
    assert report["packages"]["packaging"] == "24.0"  # 24.1 came out on 2024-06-10
    assert report["project"] == {"dist": "iniconfig", "version": "99.0", "extras": ["tests"]}


def test_a_setup_py_project_dated_before_pep_660_setuptools_is_installed_editable(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    # setuptools as of this date (60.9) has no build_editable; the venv's own (the
    # distribution's, newer) builds it, as the project's own date could not
    files = {"setup.py": SETUP_PY, "src/iniconfig/__init__.py": PACKAGE, "RUN_ID": uuid.uuid4().hex}
    repo = _repo(tmp_path, files)
    tag = ensure_env_image(repo, client=client, as_of="2022-02-18")
    try:
        report = env_report(tag, client=client)
        where = "iniconfig -> /workspace/src/iniconfig/__init__.py"
        assert report["import_check"].startswith(where)
        assert report["project"]["dist"] == "iniconfig"
    finally:
        digest = client.images.get(tag).labels[HASH_LABEL]
        client.images.remove(tag)
        remove_unused_volumes(client, label=f"{HASH_LABEL}={digest}")


def test_a_failing_setup_script_is_one_line_naming_it(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    repo = _repo(
        tmp_path,
        {
            "requirements.txt": "",
            ".devagent/setup.sh": "echo preparing the fixtures\nexit 3\n",
        },
    )
    with pytest.raises(ImageBuildError) as caught:
        ensure_env_image(repo, client=client, as_of="2024-06-01")
    assert str(caught.value) == (
        f"dependencies of {repo}: setup script .devagent/setup.sh failed (exit 3)"
    )
    assert "preparing the fixtures" in caught.value.log_tail


def test_an_unknown_python_fails_before_any_build(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    repo = _repo(tmp_path, {"requirements.txt": "six\n"})
    messages: list[str] = []
    with pytest.raises(ImageBuildError, match=r"^python 3\.12 is not available"):
        ensure_env_image(
            repo, env=EnvironmentSpec(python="3.12"), client=client, on_progress=messages.append
        )
    assert messages == []


def test_a_failing_install_command_is_one_line_naming_it(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    repo = _repo(tmp_path, {"requirements.txt": ""})
    spec = EnvironmentSpec(install=["echo installing; exit 4"])
    with pytest.raises(ImageBuildError) as caught:
        ensure_env_image(repo, env=spec, client=client, as_of="2024-06-01")
    assert str(caught.value) == (
        f"environment of {repo}: [environment] install `echo installing; exit 4` failed (exit 4)"
    )
    assert "installing" in caught.value.log_tail
