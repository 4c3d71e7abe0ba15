"""Job specs are plain data: they survive pickling, carry no secret value, and pack run folders."""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pytest

from devagent.bench.jobspec import (
    InstanceWork,
    JobEvent,
    JobResult,
    JobSpec,
    ModelChoice,
    TaskWork,
    pack_folder,
    unpack_folder,
)
from devagent.bench.rayexec import RayConfig, RayExecutor
from devagent.bench.swebench import SwebenchInstance
from devagent.bench.task import load_tasks
from devagent.commands.benchexec import instance_specs, model_choice, task_specs
from devagent.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-test-0123456789abcdef-never-in-a-spec"


def instance() -> SwebenchInstance:
    return SwebenchInstance(
        instance_id="o__r-1",
        repo="o/r",
        base_commit="0" * 40,
        patch="--- a/x\n+++ b/x\n",
        test_patch="",
        problem_statement="fix it",
        FAIL_TO_PASS=["t::a"],
        PASS_TO_PASS=[],
    )


SPECS = [
    JobSpec(TaskWork("t", b"\x1f\x8b"), ModelChoice("oracle"), "oracle"),
    JobSpec(
        InstanceWork(instance(), "/mirrors", prediction="diff"),
        ModelChoice("none"),
        "predictions:p.jsonl",
        {"max_steps": 3},
    ),
    JobSpec(
        InstanceWork(instance(), "/mirrors"),
        ModelChoice("openai:gpt-x", base_url="http://h:1/v1", tool_protocol="text"),
        "openai:gpt-x",
        forward_records=True,
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: type(s.work).__name__)
def test_every_job_spec_survives_a_pickle_round_trip(spec):
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_events_and_results_survive_a_pickle_round_trip():
    event = JobEvent("t", "record", record={"type": "step", "n": 1}, node="abc", pid=7)
    result = JobResult({"id": "t", "status": "resolved"}, b"bytes", "abc")
    assert pickle.loads(pickle.dumps(event)) == event
    assert pickle.loads(pickle.dumps(result)) == result


def test_a_run_folder_comes_back_whole(tmp_path):
    run = tmp_path / "run"
    (run / "sub").mkdir(parents=True)
    (run / "patch.diff").write_text("diff\n")
    (run / "sub" / "t.jsonl").write_bytes(b"\x00\x01")
    unpack_folder(pack_folder(run), tmp_path / "back")
    assert (tmp_path / "back" / "patch.diff").read_text() == "diff\n"
    assert (tmp_path / "back" / "sub" / "t.jsonl").read_bytes() == b"\x00\x01"


def cli_args(**given) -> argparse.Namespace:
    values = {"model": None, "base_url": None, "tool_protocol": None, "predictions": None}
    return argparse.Namespace(**{**values, **given})


def test_a_spec_names_the_model_keys_and_never_holds_their_values(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("MY_SERVICE_TOKEN", SECRET + "-2")
    settings = Settings()
    choice = model_choice(cli_args(), settings)
    tasks = load_tasks([ROOT / "tasks" / "lru-cache-eviction"])
    specs = [
        *task_specs(tasks, choice, choice.spec, settings, True),
        *instance_specs([instance()], Path("/m"), None, (choice, choice.spec, settings, False)),
    ]
    assert choice.spec.startswith("anthropic:")
    for spec in specs:
        assert "ANTHROPIC_API_KEY" in spec.model_env
        assert SECRET.encode() not in pickle.dumps(spec)


def test_the_ray_tasks_runtime_env_holds_the_registry_and_no_secret(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    options = RayExecutor(RayConfig(registry="reg.lan:5000")).task_options()
    assert options["runtime_env"] == {"env_vars": {"DEVAGENT_REGISTRY": "reg.lan:5000"}}
    assert options["resources"] == {"devagent_sandbox": 1}
    assert SECRET not in repr(options)
    assert "runtime_env" not in RayExecutor(RayConfig()).task_options()
