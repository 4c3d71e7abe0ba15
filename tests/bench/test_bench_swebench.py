"""The SWE-bench formats: instances and predictions round-trip; our tasks export as instances."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devagent.bench.gitrepo import clone_at, git
from devagent.bench.swebench import (
    SwebenchError,
    SwebenchInstance,
    dump_instances,
    load_instances,
    load_predictions,
    mirror_path,
)
from devagent.bench.swebench_run import export_task
from devagent.bench.task import load_task

TASKS = Path(__file__).resolve().parents[2] / "tasks"

RECORD = {
    "instance_id": "acme__widgets-12",
    "repo": "acme/widgets",
    "base_commit": "0" * 40,
    "patch": "diff --git a/w.py b/w.py\n",
    "test_patch": "diff --git a/t.py b/t.py\n",
    "problem_statement": "Widgets break.",
    "FAIL_TO_PASS": '["t.py::test_a", "t.py::test_b"]',
    "PASS_TO_PASS": "[]",
    "version": "1.0",
    "hints_text": "",
}


def test_json_encoded_test_lists_are_decoded_and_extra_keys_ignored():
    instance = SwebenchInstance.model_validate(RECORD)
    assert instance.FAIL_TO_PASS == ["t.py::test_a", "t.py::test_b"]
    assert instance.PASS_TO_PASS == []
    assert instance.goal_checks() == ["python -m pytest -q t.py::test_a t.py::test_b"]


def test_instance_file_round_trips(tmp_path):
    plain = {**RECORD, "FAIL_TO_PASS": ["t.py::test_a"], "PASS_TO_PASS": ["t.py::test_c"]}
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(RECORD) + "\n\n" + json.dumps(plain) + "\n")
    first = load_instances(source)
    dumped = tmp_path / "out.jsonl"
    dump_instances(first, dumped)
    assert load_instances(dumped) == first
    lines = [json.loads(line) for line in dumped.read_text().splitlines()]
    assert lines[1]["PASS_TO_PASS"] == '["t.py::test_c"]'


def test_malformed_instance_names_the_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"instance_id": "x"}) + "\n")
    with pytest.raises(SwebenchError, match=r"in.jsonl:1"):
        load_instances(source)


def test_predictions_load_from_jsonl_and_json(tmp_path):
    preds = [
        {"instance_id": "a", "model_name_or_path": "m", "model_patch": "p1"},
        {"instance_id": "b", "model_name_or_path": "m", "model_patch": None},
    ]
    jsonl, array = tmp_path / "p.jsonl", tmp_path / "p.json"
    jsonl.write_text("".join(json.dumps(p) + "\n" for p in preds))
    array.write_text(json.dumps(preds))
    for path in (jsonl, array):
        loaded = load_predictions(path)
        assert {k: v.model_patch for k, v in loaded.items()} == {"a": "p1", "b": None}


def test_mirror_found_in_either_layout(tmp_path):
    flat, nested = tmp_path / "acme__widgets", tmp_path / "other" / "tool"
    for repo in (flat, nested):
        repo.mkdir(parents=True)
        git(repo, "init", "-q")
    assert mirror_path(tmp_path, "acme/widgets") == flat
    assert mirror_path(tmp_path, "other/tool") == nested
    with pytest.raises(SwebenchError, match="no local mirror of acme/gadgets"):
        mirror_path(tmp_path, "acme/gadgets")


def test_exported_task_base_lacks_tests_and_test_patch_restores_them(tmp_path):
    task = load_task(TASKS / "lru-cache-eviction")
    instance = export_task(task, tmp_path / "repos")
    tree = tmp_path / "tree"
    clone_at(mirror_path(tmp_path / "repos", instance.repo), tree, instance.base_commit)
    assert not (tree / "tests" / "test_lru.py").exists()
    subprocess.run(
        ["git", "apply", "-"], cwd=tree, input=instance.test_patch, text=True, check=True
    )
    restored = (tree / "tests" / "test_lru.py").read_text()
    assert restored == (task.repo_dir / "tests" / "test_lru.py").read_text()
    assert task.config.fail_to_pass == instance.FAIL_TO_PASS
    assert instance.patch == task.solution_patch.read_text()
