"""The loop watch through the real loop: a scripted model that loops is nudged, then given a
fresh context, then stopped as `stuck` with its best patch."""

from __future__ import annotations

from pathlib import Path

from devagent.agent.budget import BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.agent.report import render_report
from devagent.agent.solve import exit_code
from devagent.agent.stuck import StuckConfig
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from tests.agent.fakes import (
    BROKEN_CALC,
    BUGGY_CALC,
    CHECK,
    ScriptedTestModel,
    call,
    make_agent,
    malformed,
    tiny_repo,
)

HALF_CALC = BUGGY_CALC.replace("b\n", "b  # half\n", 1)
TASK = Task(issue="`add` subtracts instead of adding.", checks=(CHECK,))


def records(path: Path | None, kind: str) -> list[dict]:
    assert path is not None
    return [r for r in read_trajectory(path) if r["type"] == kind]


def test_a_repeating_model_is_nudged_then_stopped_as_stuck_keeping_its_best_patch(
    tmp_path: Path,
) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("write_file", path="calc.py", content=HALF_CALC)],
            [call("submit", summary="half")],
            [call("write_file", path="calc.py", content=BROKEN_CALC)],
            [call("run", command="cat calc.py")],
        ],
        repeat_last=True,
    )
    agent, _ = make_agent(repo, model, budget=BudgetConfig(max_steps=40))
    result = agent.run(TASK)

    assert result.status == "stuck"
    assert exit_code(result) == 1
    assert result.steps == 12  # 3 steps of work, then 3 repeats for each of the three rungs
    assert "+    return a - b  # half" in result.patch and "a * b" not in result.patch
    assert "# half" in (repo / "calc.py").read_text()
    stuck = records(result.trajectory_path, "stuck")
    assert [(s["step"], s["pattern"], s["response"]) for s in stuck] == [
        (6, "repeat", "nudge"),
        (9, "repeat", "fresh_context"),
        (12, "repeat", "stop"),
    ]
    assert [d["response"] for d in result.stuck] == ["nudge", "fresh_context", "stop"]
    assert "`run`" in result.reason and "3 times in a row" in result.reason


def test_the_nudge_and_the_fresh_context_reach_the_model(tmp_path: Path) -> None:
    model = ScriptedTestModel([[call("run", command="cat calc.py")]], repeat_last=True)
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(TASK)

    assert result.status == "stuck"
    nudged = model.requests[3][-1]  # the request after the third identical step
    assert nudged.role == "user" and nudged.content.startswith("Loop check: `run`")
    assert "try a different approach" in nudged.content
    summarize = model.requests[6]  # the summary request of the fresh context
    assert len(summarize) == 1 and "Summarize the earlier part" in summarize[0].content
    fresh = model.requests[7]
    history = fresh[2:]  # after the system prompt and the issue
    assert history[0].content.startswith("The conversation so far was cleared")
    assert "Earlier loop checks in this run:" in history[0].content
    assert len(history) == 1


def test_the_report_lists_the_loop_checks(tmp_path: Path) -> None:
    model = ScriptedTestModel([[call("run", command="true")]], repeat_last=True)
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(TASK)
    report = render_report(TASK, result)
    assert report.startswith("# devagent: stuck")
    assert "## Loop checks" in report
    assert "3. repeat: `run`" in report and "-> stop" in report
    assert result.to_dict()["stuck"][0]["pattern"] == "repeat"


def test_malformed_calls_in_a_row_are_nudged(tmp_path: Path) -> None:
    model = ScriptedTestModel(
        [
            [malformed("write_file", '{"path": "calc.py", "content": ')],
            [call("write_files", path="calc.py", content="x")],
            "I will now fix it.",
            [call("submit", summary="done")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(Task(issue="x"))
    assert result.status == "unsolved"
    assert [(d["pattern"], d["count"]) for d in result.stuck] == [("malformed", 3)]
    assert "could not be used" in model.requests[3][-1].content


def test_a_run_that_makes_progress_is_not_flagged(tmp_path: Path) -> None:
    model = ScriptedTestModel(
        [
            [call("run", command="cat calc.py")],
            [call("write_file", path="calc.py", content=HALF_CALC)],
            [call("run", command="cat calc.py")],
            [call("submit", summary="half")],
            [call("write_file", path="calc.py", content=BUGGY_CALC.replace("a - b", "a + b", 1))],
            [call("run", command="cat calc.py")],
            [call("submit", summary="fixed")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(TASK)
    assert (result.status, result.stuck) == ("solved", [])
    assert records(result.trajectory_path, "stuck") == []


def test_thresholds_come_from_the_agent_config(tmp_path: Path) -> None:
    model = ScriptedTestModel([[call("run", command="true")]], repeat_last=True)
    config = AgentConfig(stuck=StuckConfig(repeat=2, ladder=("stop",)))
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model, config=config)
    result = agent.run(TASK)
    assert (result.status, result.steps) == ("stuck", 2)


def test_a_disabled_watch_lets_the_budget_end_the_loop(tmp_path: Path) -> None:
    model = ScriptedTestModel([[call("run", command="true")]], repeat_last=True)
    config = AgentConfig(stuck=StuckConfig(enabled=False))
    agent, _ = make_agent(
        tiny_repo(tmp_path / "repo"), model, config=config, budget=BudgetConfig(max_steps=12)
    )
    result = agent.run(TASK)
    assert (result.status, result.stuck) == ("budget_exhausted", [])
