"""`solve` around the loop (outputs, memory), issue front matter, and the live view."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from devagent.agent.budget import BudgetConfig
from devagent.agent.issue import IssueError, parse_duration, parse_issue
from devagent.agent.memory import MemoryStore
from devagent.agent.replay import load_recording
from devagent.agent.solve import SolveRequest, exit_code, run_agent
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from devagent.agent.view import LiveView
from sandbox.local import LocalSandbox
from tests.agent.fakes import (
    CHECK,
    FIXED_CALC,
    DirWorkspace,
    ScriptedTestModel,
    call,
    fake_tools,
    tiny_repo,
)


def _request(tmp_path: Path, model: ScriptedTestModel, memory: MemoryStore) -> SolveRequest:
    repo = tiny_repo(tmp_path / "repo")
    return SolveRequest(
        task=Task(issue="`add` subtracts", checks=(CHECK,)),
        model=model,
        tools=fake_tools(),
        sandbox=LocalSandbox(repo),
        workspace=DirWorkspace(repo),
        out=tmp_path / "out",
        budget=BudgetConfig(max_steps=10),
        secrets=["sk-solve-secret-42"],
        memory=memory,
        repo_key="tiny",
    )


def test_solve_writes_every_output_and_remembers_the_repo(tmp_path: Path) -> None:
    memory = MemoryStore(tmp_path / "cache" / "memory.sqlite3")
    memory.remember("tiny", {"environment": "plain python3"})
    model = ScriptedTestModel(
        [
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed with sk-solve-secret-42")],
        ]
    )
    seen: list[str] = []
    request = _request(tmp_path, model, memory)
    request.listeners = [lambda record: seen.append(record["type"])]
    request.meta = {"repo": "/src/tiny", "base": "abc123"}
    result = run_agent(request)
    assert (result.status, exit_code(result)) == ("solved", 0)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "patch.diff",
        "report.md",
        "result.json",
        "trajectory.jsonl",
    ]
    assert "+    return a + b" in (out / "patch.diff").read_text()
    assert json.loads((out / "result.json").read_text())["status"] == "solved"
    assert "sk-solve-secret-42" not in (out / "report.md").read_text()
    assert "environment: plain python3" in model.requests[0][0].content
    assert seen[:2] == ["meta", "start"] and seen[-1] == "end"
    assert load_recording(out / "trajectory.jsonl").meta == {"repo": "/src/tiny", "base": "abc123"}
    assert [r["type"] for r in read_trajectory(out / "trajectory.jsonl")] == seen
    assert f"check `{CHECK}`" in memory.recall("tiny")


def test_issue_front_matter_sets_goal_and_budget() -> None:
    spec = parse_issue(
        '+++\ngoal_tests = ["tests/test_a.py::test_x"]\ntest_command = "pytest -q"\n'
        'checks = ["make lint"]\n[budget]\nmax_steps = 12\nmax_time = "1h30m"\n+++\n\n# Title\n'
    )
    assert spec.body == "# Title"
    assert spec.checks == ("make lint", "pytest -q tests/test_a.py::test_x")
    assert spec.budget == {"max_steps": 12, "max_time_s": 5400.0}
    yaml_spec = parse_issue("---\nchecks: [./check.sh]\n---\nBody text\n")
    assert (yaml_spec.body, yaml_spec.checks) == ("Body text", ("./check.sh",))
    assert parse_issue("no front matter\n").checks == ()


@pytest.mark.parametrize(
    "text",
    [
        "+++\nbogus = 1\n+++\nbody",
        "+++\ngoal_tests = ['a']\n+++\nbody",
        "---\nchecks: [x\n---\nbody",
        "+++\nchecks = []\n",
    ],
)
def test_bad_front_matter_is_an_issue_error(text: str) -> None:
    with pytest.raises(IssueError):
        parse_issue(text)


def test_durations() -> None:
    assert [parse_duration(t) for t in ("90", "90s", "10m", "1h30m", "500ms")] == [
        90.0,
        90.0,
        600.0,
        5400.0,
        0.5,
    ]
    with pytest.raises(IssueError):
        parse_duration("soon")


def test_live_view_shows_step_action_budget_and_check() -> None:
    screen = Console(file=io.StringIO(), width=100, record=True)
    view = LiveView(screen)
    view(
        {
            "type": "tool_call",
            "agent": "0",
            "step": 3,
            "call": {"id": "c1", "name": "run", "arguments": {"command": "pytest -q"}},
        }
    )
    view(
        {
            "type": "budget",
            "agent": "0",
            "step": 3,
            "budget": {"steps": {"used": 3, "limit": 50}, "usd": {"used": 0.01, "limit": None}},
        }
    )
    console = Console(file=io.StringIO(), width=100, record=True)
    console.print(view.render())
    text = console.export_text()
    assert "step 3 · run pytest -q" in text
    assert "3 / 50" in text and "unlimited" in text
    view(
        {
            "type": "check",
            "agent": "0",
            "step": 3,
            "result": {"passed": False, "command": "pytest -q", "failing_ids": ["t::a", "t::b"]},
        }
    )
    assert screen.export_text() == "  ✗ check pytest -q (2 failing)\n"


def test_repo_map_calls_in_a_run_parse_the_repository_once(tmp_path: Path) -> None:
    """The loop's tools share the run's cache: one cold index, then cache hits."""
    from devagent.tools.registry import build_tools

    model = ScriptedTestModel(
        [
            [call("repo_map", focus="add")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("repo_map", focus="add")],
            [call("submit", summary="fixed")],
        ]
    )
    request = _request(tmp_path, model, MemoryStore(tmp_path / "memory.sqlite3"))
    request.tools = {**fake_tools(), "repo_map": build_tools(["repo_map"])["repo_map"]}
    request.cache_dir = tmp_path / "cache"
    run_agent(request)
    maps = [
        record["data"]["index"]
        for record in read_trajectory(tmp_path / "out" / "trajectory.jsonl")
        if record["type"] == "observation" and record["name"] == "repo_map"
    ]
    files = maps[0]["files"]
    assert [m["parsed"] for m in maps] == [files, 1]
    assert maps[1]["cached"] == files - 1
