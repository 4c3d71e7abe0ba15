"""The SWE-bench formats: instances and predictions round-trip; our tasks export as instances."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devagent.bench.gitrepo import clone_at, git
from devagent.bench.swebench import (
    SwebenchError,
    SwebenchInstance,
    apply_specs,
    dump_instances,
    load_instances,
    load_predictions,
    load_specs,
    mirror_path,
)
from devagent.bench.swebench_run import export_task
from devagent.bench.task import load_task
from sandbox.envspec import EnvironmentSpec

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


SPECS_TOML = """
["acme/widgets"."1.0"]
python = "3.11"
pip = ["pytest==8.3.3"]
test_select_command = "python -m pytest -rA {tests}"
test_command = "python -m pytest -rA"

["acme/widgets"."*"]
python = "3.9"
"""


def test_specs_fill_the_environment_and_test_commands_by_repo_and_version(tmp_path):
    specs_file = tmp_path / "specs.toml"
    specs_file.write_text(SPECS_TOML)
    specs = load_specs(specs_file)
    instance = apply_specs(SwebenchInstance.model_validate(RECORD), specs)
    assert instance.environment() == EnvironmentSpec(
        python="3.11", pip=["pytest==8.3.3"], test_command="python -m pytest -rA"
    )
    assert instance.devagent_test_command == "python -m pytest -rA"
    assert instance.goal_checks() == ["python -m pytest -rA t.py::test_a t.py::test_b"]
    other = apply_specs(SwebenchInstance.model_validate({**RECORD, "version": "2.0"}), specs)
    assert other.environment() == EnvironmentSpec(python="3.9")


def test_specs_in_json_and_instance_fields_win(tmp_path):
    specs_file = tmp_path / "specs.json"
    specs_file.write_text(json.dumps({"acme/widgets": {"1.0": {"python": "3.11", "apt": ["g++"]}}}))
    record = {**RECORD, "devagent_environment": {"python": "3.12"}}
    instance = apply_specs(SwebenchInstance.model_validate(record), load_specs(specs_file))
    assert instance.environment() == EnvironmentSpec(python="3.12", apt=["g++"])


def test_unknown_key_in_specs_is_one_line_naming_file_and_key(tmp_path):
    specs_file = tmp_path / "specs.toml"
    specs_file.write_text('["acme/widgets"."1.0"]\npython = "3.11"\npyhton_version = "3"\n')
    with pytest.raises(SwebenchError) as info:
        load_specs(specs_file)
    message = str(info.value)
    assert "\n" not in message
    assert str(specs_file) in message and "'pyhton_version'" in message


def test_setup_fields_are_kept_on_the_instance():
    record = {**RECORD, "version": 3.1, "environment_setup_commit": "a" * 40}
    instance = SwebenchInstance.model_validate(record)
    assert (instance.version, instance.environment_setup_commit) == ("3.1", "a" * 40)
    assert instance.environment() is None


def test_cli_rejects_an_unknown_specs_key_before_any_model_call(tmp_path):
    instances, specs_file = tmp_path / "in.jsonl", tmp_path / "specs.toml"
    instances.write_text(json.dumps(RECORD) + "\n")
    specs_file.write_text('["acme/widgets"."1.0"]\nbogus = 1\n')
    proc = subprocess.run(
        [sys.executable, "-m", "devagent.cli", "bench", "--swebench", str(instances), "--repos",
         str(tmp_path), "--specs", str(specs_file), "--model", "openai:gpt-x", "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "OPENAI_API_KEY": "x"},
    )  # fmt: skip
    assert proc.returncode != 0
    said = "".join((proc.stdout + proc.stderr).split())  # the terminal may wrap the line
    assert "".join(f"{specs_file}: unknown key 'bogus'".split()) in said
    assert not (tmp_path / "out" / "results.jsonl").exists()
