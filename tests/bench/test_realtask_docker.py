"""One real task end to end on real sandboxes: sdists from PyPI, a mirror, SWE-bench grading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devagent.bench.oracle import build_oracle
from devagent.bench.realmirror import materialize, not_a_fix
from devagent.bench.realtask import load_real_task
from devagent.bench.runner import BenchOptions, run_jobs
from devagent.bench.swebench_run import agent_jobs, evaluate_patch
from sandbox.hostconfig import read_host_config

pytestmark = pytest.mark.docker

TASK = Path(__file__).resolve().parents[2] / "tasks" / "real" / "idna-decode-display.toml"


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    repos = root / "repos"
    return materialize(load_real_task(TASK), repos, root / "sdists"), repos


def options(out: Path, model_for=lambda item: None) -> BenchOptions:
    return BenchOptions(
        out=out, model_for=model_for, model_name="t", host=read_host_config(environ=os.environ)
    )


def test_the_reference_patch_resolves_and_a_wrong_one_does_not(materialized, tmp_path):
    instance, repos = materialized
    gold = evaluate_patch(instance, instance.patch, repos, options(tmp_path / "gold"))
    wrong = evaluate_patch(instance, not_a_fix(instance, repos), repos, options(tmp_path / "bad"))
    assert (gold.status, wrong.status) == ("resolved", "unresolved"), (gold, wrong)
    assert [(c.name, c.passed) for c in wrong.checks] == [
        ("fail_to_pass", False),
        ("pass_to_pass", True),
    ]


def test_the_oracle_resolves_through_the_agent_path(materialized, tmp_path):
    instance, repos = materialized
    opts = options(tmp_path, model_for=lambda item: build_oracle(item.patch))
    (outcome,) = run_jobs(agent_jobs([instance], repos, opts), opts).outcomes
    assert outcome.status == "resolved", outcome
    assert "tests/test_idna.py" not in outcome.patch
