"""SWE-bench evaluation on real sandboxes, on instances exported from our own bundled tasks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devagent.bench.oracle import build_oracle
from devagent.bench.runner import BenchOptions, run_jobs
from devagent.bench.swebench import SwebenchPrediction
from devagent.bench.swebench_run import agent_jobs, export_task, prediction_jobs
from devagent.bench.task import load_task
from sandbox.hostconfig import read_host_config

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
NOT_A_FIX = (
    "diff --git a/NOTES.md b/NOTES.md\nnew file mode 100644\n--- /dev/null\n+++ b/NOTES.md\n"
    "@@ -0,0 +1 @@\n+not a fix\n"
)
DOES_NOT_APPLY = "--- a/missing.py\n+++ b/missing.py\n@@ -1 +1 @@\n-a\n+b\n"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    repos = tmp_path_factory.mktemp("repos")
    tasks = [load_task(ROOT / "tasks" / name) for name in ("lru-cache-eviction", "go-http-range")]
    return [export_task(task, repos) for task in tasks], repos


def options(out: Path, model_for=lambda item: None) -> BenchOptions:
    return BenchOptions(
        out=out, model_for=model_for, model_name="t", host=read_host_config(environ=os.environ)
    )


def evaluate(instances, repos, out, patch_for):
    preds = {
        i.instance_id: SwebenchPrediction(instance_id=i.instance_id, model_patch=patch_for(i))
        for i in instances
    }
    opts = options(out)
    return {
        o.id: o for o in run_jobs(prediction_jobs(instances, preds, repos, opts), opts).outcomes
    }


def test_reference_patches_resolve(exported, tmp_path):
    instances, repos = exported
    outcomes = evaluate(instances, repos, tmp_path, lambda i: i.patch)
    assert {k: o.status for k, o in outcomes.items()} == {
        "devagent-tasks__lru-cache-eviction": "resolved",
        "devagent-tasks__go-http-range": "resolved",
    }


def test_wrong_patch_is_unresolved(exported, tmp_path):
    instances, repos = exported
    outcomes = evaluate(instances[:1], repos, tmp_path, lambda i: NOT_A_FIX)
    lru = outcomes["devagent-tasks__lru-cache-eviction"]
    assert lru.status == "unresolved"
    assert [(c.name, c.passed) for c in lru.checks] == [
        ("fail_to_pass", False),
        ("pass_to_pass", True),
    ]


def test_patch_that_does_not_apply_is_unresolved(exported, tmp_path):
    instances, repos = exported
    outcome = evaluate(instances[:1], repos, tmp_path, lambda i: DOES_NOT_APPLY)
    (lru,) = outcome.values()
    assert lru.status == "unresolved"
    assert lru.reason.startswith("patch does not apply")


def test_agent_path_with_the_oracle_resolves_without_seeing_the_tests(exported, tmp_path):
    instances, repos = exported
    opts = options(tmp_path, model_for=lambda instance: build_oracle(instance.patch))
    (outcome,) = run_jobs(agent_jobs(instances[:1], repos, opts), opts).outcomes
    assert outcome.status == "resolved"
    assert outcome.steps == 3
    assert "tests/test_lru.py" not in outcome.patch


def test_cli_exports_and_evaluates_predictions(tmp_path):
    instances_file, repos = tmp_path / "instances.jsonl", tmp_path / "repos"
    cli = [sys.executable, "-m", "devagent.cli", "bench"]
    task = str(ROOT / "tasks" / "lru-cache-eviction")
    export = [*cli, task, "--export-swebench", str(instances_file), "--repos", str(repos)]
    subprocess.run(export, check=True, capture_output=True, timeout=120)
    (record,) = [json.loads(line) for line in instances_file.read_text().splitlines()]
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        json.dumps(
            {
                "instance_id": record["instance_id"],
                "model_name_or_path": "gold",
                "model_patch": record["patch"],
            }
        )
        + "\n"
    )
    proc = subprocess.run(
        [
            *cli,
            "--swebench",
            str(instances_file),
            "--repos",
            str(repos),
            "--predictions",
            str(preds),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1/1 resolved (100.0%)" in proc.stdout
