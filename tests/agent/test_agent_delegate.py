"""Sub-agents: a child's work merged into the parent; parallel attempts on forks, best kept."""

from __future__ import annotations

from pathlib import Path

from devagent.agent.config import AgentConfig
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from devagent.tools.base import Observation, Tool
from tests.agent.fakes import (
    BROKEN_CALC,
    CHECK,
    FIXED_CALC,
    ForkableLocalSandbox,
    ScriptedTestModel,
    call,
    make_agent,
    tiny_repo,
)

TASK = Task(issue="`add` subtracts instead of adding.", checks=(CHECK,))


def test_sub_agent_work_is_merged(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("delegate", goal="Fix add() in calc.py", budget_share=0.5)],
            [call("write_file", path="calc.py", content=FIXED_CALC)],  # child
            [call("submit", summary="child fixed add")],  # child
            [call("submit", summary="parent done")],
        ]
    )
    agent, _ = make_agent(repo, model)
    result = agent.run(TASK)
    assert result.status == "solved"
    assert result.steps == 4  # the child's two steps count against the parent's budget
    report = model.requests[3][-1].content
    assert "Sub-agent 0.1: status solved" in report
    assert "child fixed add" in report and "+    return a + b" in report
    child_records = [r for r in read_trajectory(result.trajectory_path) if r["agent"] == "0.1"]  # type: ignore[arg-type]
    assert {r["type"] for r in child_records} >= {"start", "completion", "check", "end"}
    assert "Sub-goal from the parent agent" in model.requests[1][1].content


def test_depth_bounds_delegation(tmp_path: Path) -> None:
    model = ScriptedTestModel(
        [
            [call("delegate", goal="do it", budget_share=0.5)],
            [call("delegate", goal="deeper", budget_share=0.5)],  # child: no such tool
            [call("submit", summary="child")],
            [call("submit", summary="parent")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model, config=AgentConfig(max_depth=1))
    agent.run(Task(issue="x"))
    assert "no tool named `delegate`" in model.requests[2][-1].content


def test_parallel_attempt_on_fork_chosen_by_its_checks(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    sandbox = ForkableLocalSandbox(repo)
    model = ScriptedTestModel(
        [
            [call("delegate", goal="Fix add()", budget_share=0.6, parallel=True)],
            [call("write_file", path="calc.py", content=BROKEN_CALC)],  # attempt 1
            [call("submit", summary="attempt one")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],  # attempt 2
            [call("submit", summary="attempt two")],
            [call("submit", summary="parent keeps attempt two")],
        ]
    )
    agent, _ = make_agent(repo, model, sandbox=sandbox)
    result = agent.run(TASK)
    assert result.status == "solved"
    assert (repo / "calc.py").read_text() == FIXED_CALC
    report = model.requests[5][-1].content
    assert "Sub-agent 0.1: status unsolved" in report
    assert "Sub-agent 0.2: status solved" in report and "KEPT" in report.split("0.2")[1]
    assert len(sandbox.forks) == 2
    assert not any(fork.root.exists() for fork in sandbox.forks)


def test_parallel_refused_without_fork(tmp_path: Path) -> None:
    model = ScriptedTestModel(
        [
            [call("delegate", goal="x", budget_share=0.5, parallel=True)],
            [call("submit", summary="s")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    agent.run(Task(issue="x"))
    assert "cannot fork" in model.requests[1][-1].content


def test_parallel_attempts_see_their_own_fork_as_workspace(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    sandbox = ForkableLocalSandbox(repo)
    model = ScriptedTestModel(
        [
            [call("delegate", goal="look", budget_share=0.5, parallel=True)],
            [call("where")],
            [call("submit", summary="one")],
            [call("where")],
            [call("submit", summary="two")],
            [call("submit", summary="parent")],
        ]
    )
    agent, _ = make_agent(repo, model, sandbox=sandbox)
    agent.base_tools["where"] = Tool(
        "where",
        "Host workspace.",
        {"type": "object"},
        lambda a, ctx: Observation(str(ctx.workspace)),
    )
    agent.run(Task(issue="x"))
    seen = [model.requests[i][-1].content for i in (2, 4)]
    assert seen == [str(fork.root) for fork in sandbox.forks]
    assert str(repo) not in seen
