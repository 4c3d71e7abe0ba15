"""A kept workspace's next run starts its sandbox early, on the image its last run used, and
keeps it only when the run's own configuration is the same; otherwise the container goes."""

from __future__ import annotations

import os
from pathlib import Path

import docker
import pytest

from devagent.assembly import sandbox_config
from devagent.earlybox import LAST_IMAGE, EarlySandbox, record_image

IMAGE = "devagent/base:latest"


def slot_with_tree(tmp_path: Path, owner: int = 1000) -> Path:
    slot = tmp_path / "slot"
    (slot / "tree").mkdir(parents=True)
    (slot / "tree" / "hello.txt").write_text("hi\n")
    if os.geteuid() == 0:
        os.chown(slot / "tree", owner, owner)
        os.chown(slot / "tree" / "hello.txt", owner, owner)
    return slot


def test_nothing_starts_without_a_recorded_image_or_with_a_root_owned_tree(tmp_path):
    slot = slot_with_tree(tmp_path)
    template = sandbox_config("", None)
    assert EarlySandbox.for_slot(slot, template) is None  # no last image yet
    if os.geteuid() == 0:
        record_image(slot, IMAGE)
        os.chown(slot / "tree", 0, 0)
        assert EarlySandbox.for_slot(slot, template) is None  # would be chowned at start


@pytest.mark.docker
def test_the_same_configuration_takes_the_started_sandbox(tmp_path):
    slot = slot_with_tree(tmp_path)
    record_image(slot, IMAGE)
    assert (slot / LAST_IMAGE).read_text().strip() == IMAGE
    early = EarlySandbox.for_slot(slot, sandbox_config("", None, env={"A": "1"}))
    assert early is not None

    sandbox = early.take(sandbox_config(IMAGE, (slot / "tree").resolve(), env={"A": "1"}))

    assert sandbox is early.sandbox
    try:
        assert sandbox.exec("cat hello.txt; echo $A").output.split() == ["hi", "1"]
    finally:
        sandbox.close()


@pytest.mark.docker
def test_another_configuration_or_a_recreated_tree_removes_the_early_container(tmp_path):
    client = docker.from_env()
    slot = slot_with_tree(tmp_path)
    record_image(slot, IMAGE)
    early = EarlySandbox.for_slot(slot, sandbox_config("", None))
    assert early is not None
    assert early.take(sandbox_config(IMAGE, (slot / "tree").resolve(), network=True)) is None
    assert early.sandbox.container is None

    second = EarlySandbox.for_slot(slot, sandbox_config("", None))
    assert second is not None
    (slot / "tree").rename(tmp_path / "old-tree")  # a fresh clone re-creates the folder
    (slot / "tree").mkdir()
    assert second.take(sandbox_config(IMAGE, (slot / "tree").resolve())) is None
    for box in (early, second):
        label = f"devagent.session={box.sandbox.session_id}"
        assert client.containers.list(all=True, filters={"label": label}) == []
