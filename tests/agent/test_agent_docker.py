"""The loop on the real Docker sandbox: a solve, a parallel attempt on forks, Ctrl-C cleanup."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from devagent.agent.task import Task
from tests.agent.fakes import (
    BROKEN_CALC,
    FIXED_CALC,
    ScriptedTestModel,
    call,
    containers_mounting,
    docker_sandbox,
    host_diff,
    make_agent,
    tiny_repo,
)
from tests.agent.test_agent_replay_sigint import run_and_interrupt

pytestmark = pytest.mark.docker

IN_CONTAINER_CHECK = "python3 -B -c 'import calc; assert calc.add(2, 3) == 5'"
TASK = Task(issue="`add` subtracts instead of adding.", checks=(IN_CONTAINER_CHECK,))


def test_solved_in_docker_after_feedback(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("submit", summary="too early")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    with docker_sandbox(repo) as sandbox:
        agent, io = make_agent(repo, model, sandbox=sandbox)
        io.patch_fn = partial(host_diff, repo)
        result = agent.run(TASK)
    assert result.status == "solved"
    assert [c.passed for c in result.checks] == [True]
    assert "+    return a + b" in result.patch
    assert containers_mounting(repo) == []


def test_parallel_attempt_on_docker_forks_chosen_by_checks(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("delegate", goal="Fix add()", budget_share=0.6, parallel=True)],
            [call("write_file", path="calc.py", content=FIXED_CALC)],  # attempt 1
            [call("submit", summary="attempt one")],
            [call("write_file", path="calc.py", content=BROKEN_CALC)],  # attempt 2
            [call("submit", summary="attempt two")],
            [call("submit", summary="parent keeps attempt one")],
        ]
    )
    with docker_sandbox(repo) as sandbox:
        agent, io = make_agent(repo, model, sandbox=sandbox)
        io.patch_fn = partial(host_diff, repo)
        result = agent.run(TASK)
    assert result.status == "solved"
    assert (repo / "calc.py").read_text() == FIXED_CALC
    report = model.requests[5][-1].content
    assert "Sub-agent 0.1: status solved" in report and "KEPT" in report.split("0.2")[0]
    assert "Sub-agent 0.2: status unsolved" in report


def test_sigint_in_docker_leaves_a_trajectory_and_no_container(tmp_path: Path) -> None:
    out, lines = run_and_interrupt(tmp_path, "docker")
    assert out.split()[-1] == "interrupted"
    assert (lines[-1]["type"], lines[-1]["status"]) == ("end", "interrupted")
    assert containers_mounting(tmp_path / "repo") == []
