"""An image layer as one container run and one commit: the files it was given (put, or carried by
a variable the command unpacks), the command's writes, the user, command and labels it names,
none of the command's variables; a network connected at a line of the command's and dropped at
another; a failure carries the command's output; no container is left."""

from __future__ import annotations

import contextlib
import io
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandbox.commitbuild import (
    BUILD_CONTAINER_PREFIX,
    FILES_VARIABLE_LIMIT,
    CommitSpec,
    TreeCopy,
    commit_build,
    files_tar,
    unpack,
)
from sandbox.errors import ImageBuildError
from sandbox.images import BASE_TAG, ensure_base_image


def test_files_tar_owns_trees_as_told_and_leaves_out_skipped_names(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("X = 1\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref\n")
    tree = TreeCopy(tmp_path, "/workspace", (1000, 1000), frozenset({".git"}))
    data = files_tar({"/opt/devagent/spec.json": b"{}"}, (tree,))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        owners = {m.name: (m.uid, m.gid) for m in tar.getmembers()}
    assert owners == {
        "opt/devagent/spec.json": (0, 0),
        "workspace": (1000, 1000),
        "workspace/pkg": (1000, 1000),
        "workspace/pkg/mod.py": (1000, 1000),
    }


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=300)
    ensure_base_image(client=client)
    yield client
    client.close()


@pytest.fixture
def tag(client: docker.DockerClient) -> Iterator[str]:
    name = f"devagent-test/commitbuild:{uuid.uuid4().hex[:12]}"
    yield name
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(name)


def _output(client: docker.DockerClient, image: str, command: str) -> str:
    output = client.containers.run(image, ["sh", "-c", command], remove=True, network_disabled=True)
    return bytes(output).decode().strip()


def _build_containers(client: docker.DockerClient) -> list[str]:
    names = [c.name or "" for c in client.containers.list(all=True, sparse=True)]
    return [n.lstrip("/") for n in names if n.lstrip("/").startswith(BUILD_CONTAINER_PREFIX)]


@pytest.mark.docker
@pytest.mark.timeout(300)
def test_the_layer_holds_the_files_and_the_writes_with_the_named_user_and_labels(
    client: docker.DockerClient, tag: str, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("tree\n")
    spec = CommitSpec(
        image=BASE_TAG,
        command=["sh", "-c", "cat /opt/in.txt > /opt/out.txt"],
        tag=tag,
        step="copying",
        files={"/opt/in.txt": b"given\n"},
        trees=(TreeCopy(tmp_path, "/workspace", (1000, 1000)),),
        user="root",
        image_user="nobody",
        labels={"devagent.test": "1"},
    )
    image = client.images.get(commit_build(client, spec))
    config = image.attrs["Config"]
    assert (config["User"], config["Cmd"]) == ("nobody", ["bash"])
    assert config["Labels"]["devagent.test"] == "1"
    listing = "cat /opt/out.txt; stat -c '%u:%g' /workspace/a.txt"
    assert _output(client, tag, listing) == "given\n1000:1000"
    assert _build_containers(client) == []


@pytest.mark.docker
@pytest.mark.timeout(300)
def test_a_failing_command_raises_with_its_output_and_leaves_no_container(
    client: docker.DockerClient, tag: str
) -> None:
    command = ["sh", "-c", "echo devagent-error: it broke; exit 3"]
    said: list[str] = []
    with pytest.raises(ImageBuildError) as caught:
        commit_build(client, CommitSpec(BASE_TAG, command, tag, "breaking"), said.append)
    assert said == ["Step 1/1 : breaking", "devagent-error: it broke"]
    assert caught.value.step == "breaking"
    assert caught.value.log_tail.splitlines()[-1] == "devagent-error: it broke"
    assert "exit 3" in str(caught.value)
    assert _build_containers(client) == []
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(tag)


@pytest.mark.docker
@pytest.mark.timeout(300)
@pytest.mark.parametrize("size", [10, FILES_VARIABLE_LIMIT + 1])
def test_files_carried_by_a_variable_are_unpacked_by_the_command_and_the_image_has_no_variable(
    client: docker.DockerClient, tag: str, size: int
) -> None:
    spec = CommitSpec(
        image=BASE_TAG,
        command=["sh", "-c", f"{unpack('FILES')} && wc -c < /opt/x/in.txt > /opt/out.txt"],
        tag=tag,
        step="unpacking",
        files={"/opt/x/in.txt": b"a" * size},  # over the limit: put before the start
        files_owner=(1000, 1000),
        links={"/opt/x/link": "/opt/x/in.txt"},
        environment={"DEVAGENT_TEST_ONLY": "1"},
        files_variable="FILES",
    )
    image = client.images.get(commit_build(client, spec))
    env = image.attrs["Config"]["Env"]
    assert [v for v in env if v.startswith(("FILES=", "DEVAGENT_TEST_ONLY="))] == []
    listing = "cat /opt/out.txt; stat -c '%u:%g' /opt/x /opt/x/in.txt; readlink /opt/x/link"
    assert _output(client, tag, listing) == f"{size}\n1000:1000\n1000:1000\n/opt/x/in.txt"


ROUTED = "awk '$2 == \"00000000\"' /proc/net/route | grep -q ."
"""Whether the container has a default route."""


@pytest.mark.docker
@pytest.mark.timeout(300)
def test_the_network_comes_at_the_command_s_mark_and_goes_at_its_release(
    client: docker.DockerClient, tag: str
) -> None:
    until = "for i in $(seq 1000); do {test} && break; sleep 0.01; done; {test} && echo {what}"
    script = "; ".join(
        [
            f"{ROUTED} || echo offline",
            "echo please",
            until.format(test=ROUTED, what="connected"),
            "echo thanks",
            until.format(test=f"! {ROUTED}", what="disconnected"),
        ]
    )
    spec = CommitSpec(
        BASE_TAG,
        ["sh", "-c", script],
        tag,
        "networking",
        network_mark="please",
        network_release="thanks",
    )
    said: list[str] = []
    commit_build(client, spec, said.append)
    assert said == ["Step 1/1 : networking", "offline", "please", "connected", "disconnected"]
