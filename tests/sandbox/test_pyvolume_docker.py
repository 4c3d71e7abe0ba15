"""Python envs whose venv lives in a Docker volume, against the real daemon: a sandbox imports
the dependency from a read-only /opt/venv; the same manifests reuse the dependency volume; a
project change makes only a new env volume; a removed volume is rebuilt, and a sandbox from an
image whose volume is gone fails naming it; a failed or interrupted build leaves no container
and no volume; snapshots keep the volume; pruning removes the volumes; the project is recorded
as an editable install of /workspace, also when its backend needs the installer's own calls; a
cold build whose project fails keeps the dependency image and its volume, nothing else; the
project step starts without network, and gets it when it needs more than the manifests declare
(or, when it failed without, is made again with network); the env image holds no copy of the
tree (sandboxes mount the checkout) and a link to the report, which is in its volume. Tiny
projects, six only.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from sandbox.commitbuild import BUILD_CONTAINER_PREFIX
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.errors import ImageBuildError, SandboxStartError
from sandbox.imagebuild import HASH_LABEL
from sandbox.images import ensure_base_image, ensure_env_image, env_report
from sandbox.imagestore import list_env_images, remove_images
from sandbox.lifecycle import owner_labels
from sandbox.pyvolume import NETWORK_MARK, RETRY_NOTE
from sandbox.venvvolume import (
    TOOLS_LABEL,
    VENV_LABEL,
    image_volume,
    layers,
    new_volume,
    remove_layered,
    remove_unused_volumes,
    remove_volume,
    sandbox_mounts,
    seed_volume,
    volume_exists,
)

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]

AS_OF = "2024-06-01"
SETUP_PY = (
    'from setuptools import setup\nsetup(name="{name}", version="1.0", py_modules=["{name}"])\n'
)


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=300)
    ensure_base_image(client=client)
    yield client
    client.close()


@pytest.fixture
def built(client: docker.DockerClient) -> Iterator[list[str]]:
    """Tags a test built: removed afterwards with the volumes they name (nothing else)."""
    tags: list[str] = []
    yield tags
    volumes = set()
    for tag in reversed(tags):
        with contextlib.suppress(docker.errors.ImageNotFound):
            volumes.add(image_volume(client.images.get(tag).attrs))
            client.images.remove(tag)
    for name in volumes - {""}:
        remove_layered(client, name)


def _project(root: Path, name: str, requirements: str, setup: bool = True) -> Path:
    """A project importing six; without `setup` its only manifest is requirements.txt (two
    such projects share their dependency image)."""
    root.mkdir()
    root.chmod(0o755)
    if setup:
        (root / "setup.py").write_text(SETUP_PY.format(name=name))
    (root / f"{name}.py").write_text("import six\nVALUE = six.PY3\n")
    (root / "requirements.txt").write_text(requirements)
    return root


def _unique_requirements() -> str:
    return f"six\n# {uuid.uuid4().hex}\n"


def _env(client: docker.DockerClient, repo: Path, built: list[str], said: list[str]) -> str:
    tag = ensure_env_image(repo, client=client, as_of=AS_OF, on_progress=said.append)
    labels = client.images.get(tag).labels
    built.append(tag)
    built.append(f"devagent/envdeps:{_deps_hash(said)}")
    assert labels.get(VENV_LABEL, "").startswith("devagent-venv-")
    return tag


def _deps_hash(said: list[str]) -> str:
    line = next(
        m for m in said if m.startswith(("building devagent/envdeps:", "devagent/envdeps:"))
    )
    return line.split("devagent/envdeps:", 1)[1].split()[0].rstrip(":")


def _volume(client: docker.DockerClient, tag: str) -> str:
    return image_volume(client.images.get(tag).attrs)


def _deps_volume(client: docker.DockerClient, tag: str) -> str:
    return str(client.volumes.get(_volume(client, tag)).attrs["Labels"][f"{VENV_LABEL}.from"])


def _sandbox(client: docker.DockerClient, image: str, repo: Path) -> DockerSandbox:
    config = SandboxConfig(image=image, workspace=repo, user="1000:1000")
    return DockerSandbox(config, client=client).start()


MINE = [f"{k}={v}" for k, v in owner_labels().items()]
"""This test session's objects (tests/conftest.py): not those of builds running beside it."""


def _leftovers(client: docker.DockerClient, before: set[str]) -> tuple[list[str], list[str]]:
    """This session's build containers, and its venv volumes not in `before`."""
    listed = client.containers.list(all=True, sparse=True, filters={"label": MINE})
    names = [str(c.name) for c in listed]
    containers = [n for n in names if n.lstrip("/").startswith(BUILD_CONTAINER_PREFIX)]
    return containers, sorted(_new_volumes(client, before))


def _labels(client: docker.DockerClient, volume: str) -> dict[str, str]:
    return dict(client.volumes.get(volume).attrs.get("Labels") or {})


def _own_volumes(client: docker.DockerClient, tag: str) -> set[str]:
    """The env volume of `tag` and what it is made of, but its dependency volume."""
    deps = _deps_volume(client, tag)
    return set(layers(client, _volume(client, tag))) - set(layers(client, deps))


def _venv_volumes(client: docker.DockerClient) -> set[str]:
    return {str(v.name) for v in client.volumes.list(filters={"label": f"{VENV_LABEL}=1"})}


def _new_volumes(client: docker.DockerClient, before: set[str]) -> set[str]:
    """This session's venv volumes not in `before`."""
    mine = client.volumes.list(filters={"label": [f"{VENV_LABEL}=1", *MINE]})
    return {str(v.name) for v in mine} - before


def test_a_sandbox_imports_the_dependency_from_a_read_only_venv(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    tag = _env(client, repo, built, [])
    sb = _sandbox(client, tag, repo)
    snapshot = ""
    try:
        result = sb.exec(
            "python -c 'import one, six; print(one.VALUE, six.__file__)';"
            " touch /opt/venv/x 2>/dev/null && echo writable || echo read-only"
        )
        assert result.output.split() == [
            "True",
            "/opt/venv/lib/python3.11/site-packages/six.py",
            "read-only",
        ]
        snapshot = sb.snapshot()
        assert client.images.get(snapshot).labels[VENV_LABEL] == _volume(client, tag)
        fork = sb.fork(snapshot)
        try:
            assert fork.exec("python -c 'import six; print(six.PY3)'").output.strip() == "True"
        finally:
            fork.close()
    finally:
        sb.close()
        if snapshot:
            with contextlib.suppress(docker.errors.ImageNotFound):
                client.images.remove(snapshot, force=True)


def test_the_same_manifests_reuse_the_dependency_volume_and_a_change_makes_a_new_env_volume(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    requirements = _unique_requirements()
    first = _env(client, _project(tmp_path / "a", "a", requirements, setup=False), built, [])
    before = _venv_volumes(client)
    said: list[str] = []
    second_repo = _project(tmp_path / "b", "b", requirements, setup=False)
    second = _env(client, second_repo, built, said)
    assert any(m.startswith("devagent/envdeps:") and "is up to date" in m for m in said)
    assert not any("installing the dependencies" in m for m in said)
    assert _deps_volume(client, second) == _deps_volume(client, first)
    assert _new_volumes(client, before) == _own_volumes(client, second)
    (second_repo / "data.txt").write_text("changed\n")  # a top-level file: a new project layer
    third = _env(client, second_repo, built, said)
    assert third != second
    assert _deps_volume(client, third) == _deps_volume(client, first)
    new = _own_volumes(client, second) | _own_volumes(client, third)
    assert _new_volumes(client, before) == new
    deps = built[1]  # the project builds wrote nothing into the dependency volume
    site = "/opt/venv/lib/python3.11/site-packages"
    listing = client.containers.run(
        deps, ["ls", site], remove=True, network_disabled=True, mounts=sandbox_mounts(client, deps)
    )
    assert "00-devagent-workspace.pth" not in bytes(listing).decode().split()
    assert "six.py" in bytes(listing).decode().split()


def test_a_removed_volume_fails_a_sandbox_naming_it_and_the_next_ensure_builds_it_again(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    tag = _env(client, repo, built, [])
    gone = _volume(client, tag)
    remove_layered(client, gone)  # with its parts
    assert not volume_exists(client, gone)
    with pytest.raises(SandboxStartError, match=gone):
        _sandbox(client, tag, repo)
    said: list[str] = []
    again = _env(client, repo, built, said)
    assert f"{tag}: its venv volume {gone} is gone; building it again" in said
    assert volume_exists(client, _volume(client, again))


def test_a_removed_volume_below_the_env_volume_is_named_too(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    tag = _env(client, repo, built, [])
    gone = _deps_volume(client, tag)  # what the env volume is layered on
    remove_layered(client, gone)
    assert not volume_exists(client, gone)
    with pytest.raises(SandboxStartError, match=gone):
        sandbox_mounts(client, tag)
    said: list[str] = []
    _env(client, repo, built, said)
    assert f"{built[1]}: its venv volume {gone} is gone; building it again" in said


@contextlib.contextmanager
def _requests(client: docker.DockerClient) -> Iterator[list[str]]:
    """The `METHOD /path` of every API request `client` makes meanwhile (version prefix cut)."""
    seen: list[str] = []

    def note(response, *args, **kwargs):  # requests' response hook
        path = response.request.path_url.split("?")[0]
        seen.append(f"{response.request.method} /{path.split('/', 2)[-1]}")

    client.api.hooks["response"].append(note)
    try:
        yield seen
    finally:
        client.api.hooks["response"].remove(note)


def test_a_reused_env_reads_each_image_once_and_its_volumes_by_name(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    """On a daemon holding thousands of volumes, listing them (even by label) cost 18 ms a
    time, and a warm run did it twice on its way to the first model call."""
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    tag = _env(client, repo, built, [])
    fresh = docker.from_env(timeout=300)  # its first /info is asked as a run's would be
    with _requests(fresh) as seen:
        said: list[str] = []
        assert ensure_env_image(repo, client=fresh, as_of=AS_OF, on_progress=said.append) == tag
    assert f"{tag} is up to date" in said
    assert "GET /volumes" not in seen  # the list
    named = {f"GET /volumes/{v}" for v in layers(client, _volume(client, tag))}
    assert named <= set(seen)
    inspected = [r for r in seen if r.startswith("GET /images/")]
    assert len(inspected) == len(set(inspected)) == 3  # base, dependencies, env
    assert seen.count("GET /info") == 1
    assert [r.split("/")[-1] for r in seen if r.startswith("POST /images/")] == ["tag", "tag"]


def test_a_failed_or_interrupted_build_leaves_no_container_and_no_volume(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    before = _venv_volumes(client)
    bad = _project(tmp_path / "bad", "bad", "devagent-no-such-package-4242==1.0\n")
    with pytest.raises(ImageBuildError, match="installing the dependencies failed"):
        ensure_env_image(bad, client=client, as_of=AS_OF)
    assert _leftovers(client, before) == ([], [])

    def interrupt(message: str) -> None:
        if message.startswith("Step 1/1 : installing the dependencies"):
            raise KeyboardInterrupt

    good = _project(tmp_path / "good", "good", _unique_requirements())
    with pytest.raises(KeyboardInterrupt):
        ensure_env_image(good, client=client, as_of=AS_OF, on_progress=interrupt)
    assert _leftovers(client, before) == ([], [])


def test_pruning_the_images_removes_their_volumes(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    tag = _env(client, _project(tmp_path / "one", "one", _unique_requirements()), built, [])
    # the env's volume, its parts, the dependencies' and theirs; not the tools image's seed
    volumes = {
        v for v in layers(client, _volume(client, tag)) if TOOLS_LABEL not in _labels(client, v)
    }
    digests = {client.images.get(t).labels[HASH_LABEL] for t in built}
    mine = [i for i in list_env_images(client) if set(i.tags) & set(built)]
    assert sorted(t for i in mine for t in i.tags) == sorted(built)
    assert remove_images(client, mine)
    removed = [
        name
        for digest in digests
        for name in remove_unused_volumes(client, label=f"{HASH_LABEL}={digest}")
    ]
    assert sorted(removed) == sorted(volumes)
    assert not any(volume_exists(client, v) for v in volumes)


def test_a_seed_volume_whose_fill_was_cut_short_is_never_used(client: docker.DockerClient) -> None:
    tools = str(client.images.get("devagent/base:latest").id)  # stands in for a tools image
    label = f"{TOOLS_LABEL}={tools}"
    cut_short = new_volume(client, {TOOLS_LABEL: tools})  # made, then the process was killed
    try:
        seed = seed_volume(client, tools)
        assert seed != cut_short
        assert seed_volume(client, tools) == seed  # filled once, then reused
    finally:
        for volume in client.volumes.list(filters={"label": label}):
            remove_volume(client, str(volume.name))


def test_the_project_is_recorded_as_an_editable_install_of_the_workspace(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    said: list[str] = []
    tag = _env(client, repo, built, said)
    assert said[-1] == "import check: one -> /workspace/one.py (one 1.0)"
    assert RETRY_NOTE not in said  # what the manifests declare is installed: no network needed
    sb = _sandbox(client, tag, repo)
    try:
        read = "import importlib.metadata as m; print(m.distribution('one').read_text(n))"
        result = sb.exec(f"python -c \"n = 'direct_url.json'; {read}\"")
    finally:
        sb.close()
    assert result.output.strip() == '{"url":"file:///workspace","dir_info":{"editable":true}}'


NEEDS_METADATA_BACKEND = """\
from setuptools import build_meta
from setuptools.build_meta import *  # noqa

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    if metadata_directory is None:
        raise RuntimeError("this backend builds from prepared metadata only")
    return build_meta.build_editable(wheel_directory, config_settings, metadata_directory)
"""


def test_a_backend_the_one_process_build_cannot_use_is_built_by_the_installer(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    (repo / "_backend").mkdir()
    (repo / "_backend" / "strict.py").write_text(NEEDS_METADATA_BACKEND)
    (repo / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "strict"\n'
        'backend-path = ["_backend"]\n'
    )
    said: list[str] = []
    _env(client, repo, built, said)
    assert "note: the backend gave no editable wheel; the installer builds it" in said
    assert said[-1] == "import check: one -> /workspace/one.py (one 1.0)"


def test_a_cold_build_whose_project_fails_keeps_the_dependency_image_and_its_volume_only(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    before = _venv_volumes(client)
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    (repo / "one.py").write_text("raise ImportError('broken')\n")  # fails the import check
    said: list[str] = []
    with pytest.raises(ImageBuildError, match=f"environment of {repo}: import check"):
        ensure_env_image(repo, client=client, as_of=AS_OF, on_progress=said.append)
    deps = f"devagent/envdeps:{_deps_hash(said)}"
    built.append(deps)
    names = [str(c.name) for c in client.containers.list(all=True, sparse=True)]
    assert not [n for n in names if n.lstrip("/").startswith(BUILD_CONTAINER_PREFIX)]
    assert _new_volumes(client, before) == set(layers(client, _volume(client, deps))) - before
    env = next(m.split()[1] for m in said if m.startswith("building devagent/env:"))
    digest = env.rstrip(":").split(":")[1]  # its image, committed before the step, is gone
    images = client.images.list(all=True, filters={"label": HASH_LABEL})
    assert not [i for i in images if i.labels[HASH_LABEL].startswith(digest)]
    (repo / "one.py").write_text("VALUE = True\n")
    said.clear()
    _env(client, repo, built, said)
    assert f"{deps} is up to date (python 3.11, bookworm)" in said


def test_a_project_needing_more_than_its_manifests_declare_gets_the_network_when_it_asks(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    before = _venv_volumes(client)
    repo = _project(tmp_path / "one", "one", f"# {uuid.uuid4().hex}\n")  # no six declared
    setup = SETUP_PY.format(name="one").replace(")\n", ', install_requires=["six"])\n')
    (repo / "setup.py").write_text(setup)  # setup.py is run, never parsed: six is not known
    said: list[str] = []
    tag = _env(client, repo, built, said)
    assert NETWORK_MARK in said
    assert RETRY_NOTE not in said
    assert said[-1] == "import check: one -> /workspace/one.py (one 1.0)"
    names = [str(c.name) for c in client.containers.list(all=True, sparse=True)]
    assert not [n for n in names if n.lstrip("/").startswith(BUILD_CONTAINER_PREFIX)]
    assert _new_volumes(client, before) == set(layers(client, _volume(client, tag))) - before
    sb = _sandbox(client, tag, repo)
    try:
        assert sb.exec("python -c 'import one; print(one.VALUE)'").output.strip() == "True"
    finally:
        sb.close()


NEEDS_AN_INTERFACE = (
    "import os\n"
    "assert [n for n in os.listdir('/sys/class/net') if n != 'lo'], 'no network'\n"
    "VALUE = True\n"
)


def test_a_project_step_failing_without_network_is_made_again_with_it(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    before = _venv_volumes(client)
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    (repo / "one.py").write_text(NEEDS_AN_INTERFACE)  # its import check fails without one
    said: list[str] = []
    tag = _env(client, repo, built, said)
    assert RETRY_NOTE in said
    assert said[-1] == "import check: one -> /workspace/one.py (one 1.0)"
    names = [str(c.name) for c in client.containers.list(all=True, sparse=True)]
    assert not [n for n in names if n.lstrip("/").startswith(BUILD_CONTAINER_PREFIX)]
    assert _new_volumes(client, before) == set(layers(client, _volume(client, tag))) - before


def test_the_env_image_holds_no_copy_of_the_tree_and_its_report_is_read_through_its_link(
    client: docker.DockerClient, tmp_path: Path, built: list[str]
) -> None:
    repo = _project(tmp_path / "one", "one", _unique_requirements())
    tag = _env(client, repo, built, [])
    report = env_report(tag, client=client)
    assert report["import_check"] == "one -> /workspace/one.py (one 1.0)"
    for image in (tag, built[1]):  # none of the build's variables (UV_OFFLINE, the files)
        env = client.images.get(image).attrs["Config"]["Env"]
        assert [v for v in env if v.startswith(("UV_", "DEVAGENT_"))] == []
    assert "six" in report["packages"]
    listing = client.containers.run(
        tag, ["ls", "/workspace"], remove=True, network_disabled=True, mounts=[]
    )
    assert bytes(listing).decode().split() == []  # the build's copy was a scratch volume
    sb = _sandbox(client, tag, repo)
    try:
        read = "import json; print(json.load(open('/opt/devagent/environment.json'))['project'])"
        result = sb.exec(f'python -c "{read}"')
    finally:
        sb.close()
    assert result.output.strip() == "{'dist': 'one', 'extras': [], 'version': '1.0'}"
