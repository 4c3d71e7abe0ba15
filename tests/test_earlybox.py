"""A kept workspace's next run starts its sandbox early, as its last run's was configured, and
keeps it only when the run's own configuration is the same; otherwise the container goes."""

from __future__ import annotations

import os
from pathlib import Path

import docker
import pytest

from devagent.assembly import sandbox_config
from devagent.earlybox import EarlySandbox, SlotStart, record_config

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
    assert EarlySandbox.for_slot(slot, template) is None  # no last run yet
    assert EarlySandbox.for_slot(slot) is None
    (slot / "last-sandbox.json").write_text('{"image": 3}')
    assert EarlySandbox.for_slot(slot) is None  # not a configuration
    if os.geteuid() == 0:
        record_config(slot, sandbox_config(IMAGE, None))
        os.chown(slot / "tree", 0, 0)
        assert EarlySandbox.for_slot(slot, template) is None  # would be chowned at start
        assert EarlySandbox.for_slot(slot) is None


def test_a_sandbox_behind_an_egress_proxy_is_not_started_as_it_was(tmp_path):
    slot = slot_with_tree(tmp_path)
    allow = sandbox_config(IMAGE, None, network="allow:pypi.org", egress_log=tmp_path / "e.jsonl")
    record_config(slot, allow)
    assert EarlySandbox.for_slot(slot) is None  # its log was the last run's


def test_only_a_proxy_s_configuration_names_an_egress_log(tmp_path):
    log = tmp_path / "egress.jsonl"
    assert sandbox_config(IMAGE, None, egress_log=log).egress_log is None
    assert sandbox_config(IMAGE, None, network=True, egress_log=log).egress_log is None
    assert sandbox_config(IMAGE, None, network="allow:pypi.org", egress_log=log).egress_log == log


@pytest.mark.docker
def test_the_same_configuration_takes_the_started_sandbox(tmp_path):
    slot = slot_with_tree(tmp_path)
    record_config(slot, sandbox_config(IMAGE, None))
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
    record_config(slot, sandbox_config(IMAGE, None))
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


@pytest.mark.docker
def test_the_last_run_s_sandbox_started_before_the_settings_are_known_is_taken(tmp_path):
    slot = slot_with_tree(tmp_path)
    config = sandbox_config(IMAGE, (slot / "tree").resolve(), env={"A": "2"})
    first = SlotStart(sandbox_config("", None, env={"A": "2"}))
    first(slot)
    first.sandbox(config).close()  # records its configuration for the next run
    started = EarlySandbox.for_slot(slot)  # before this run's settings are read
    assert started is not None

    run = SlotStart(sandbox_config("", None, env={"A": "2"}), started=started)
    run(slot)
    sandbox = run.sandbox(config)

    assert sandbox is started.sandbox
    try:
        assert sandbox.exec("cat hello.txt; echo $A").output.split() == ["hi", "2"]
    finally:
        sandbox.close()
        run.discard()


@pytest.mark.docker
def test_a_sandbox_started_early_for_another_slot_is_removed(tmp_path):
    client = docker.from_env()
    slot = slot_with_tree(tmp_path)
    record_config(slot, sandbox_config(IMAGE, None))
    started = EarlySandbox.for_slot(slot)
    assert started is not None
    other = tmp_path / "other"
    (other / "tree").mkdir(parents=True)

    run = SlotStart(sandbox_config("", None), started=started)
    run(other)
    run.discard()

    label = f"devagent.session={started.sandbox.session_id}"
    assert client.containers.list(all=True, filters={"label": label}) == []
