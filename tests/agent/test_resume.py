"""Resuming a stopped run from its folder: the point it stopped at, the refusals, and a resumed
agent that goes on with the recorded conversation, workspace and spent budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devagent.agent.budget import BudgetConfig
from devagent.agent.resume import (
    NOT_RUN,
    ResumeError,
    continue_script,
    load_resume_point,
    resume_point,
)
from devagent.agent.solve import SolveRequest, run_agent
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from devagent.commands.solveresume import check_budget
from sandbox.local import LocalSandbox
from tests.agent.fakes import (
    CHECK,
    FIXED_CALC,
    DirWorkspace,
    ScriptedTestModel,
    call,
    fake_tools,
    reset_to,
)
from tests.agent.fakes import tiny_repo as make_repo

TURNS = [
    [call("run", command="cat calc.py")],
    [call("write_file", path="calc.py", content=FIXED_CALC)],
    [call("write_file", path="NOTES.md", content="add adds\n")],
    [call("submit", summary="fixed")],
]
META = {"repo": "/src/tiny", "base": "abc123", "image": "img", "model": "test:scripted"}


def request(repo: Path, out: Path, model: ScriptedTestModel, max_steps: int) -> SolveRequest:
    return SolveRequest(
        task=Task(issue="`add` subtracts", checks=(CHECK,)),
        model=model,
        tools=fake_tools(),
        sandbox=LocalSandbox(repo),
        workspace=DirWorkspace(repo),
        out=out,
        budget=BudgetConfig(max_steps=max_steps),
        meta=META,
    )


def stopped_run(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny task stopped by a step budget of 2, after its fix and before its note."""
    repo = make_repo(tmp_path / "repo")
    out = tmp_path / "out"
    result = run_agent(request(repo, out, ScriptedTestModel(TURNS), max_steps=2))
    assert result.status == "budget_exhausted"
    return repo, out


def test_a_run_stopped_by_its_step_budget_goes_on_and_solves(tmp_path: Path) -> None:
    repo, out = stopped_run(tmp_path)
    point = load_resume_point(out)
    assert (point.status, point.steps, point.agent_steps, point.served) == (
        "budget_exhausted", 2, 2, 2,
    )  # fmt: skip
    assert "+    return a + b" in point.patch
    reset_to(repo, "")  # a fresh workspace at the base, then the run's state put back
    reset_to(repo, point.patch)
    model = ScriptedTestModel(TURNS)
    continue_script(model, point)
    resumed = request(repo, out, model, max_steps=5)
    resumed.resume = point
    result = run_agent(resumed)
    assert (result.status, result.steps, model.position) == ("solved", 4, 4)
    patch = (out / "patch.diff").read_text()
    assert "+    return a + b" in patch and "+add adds" in patch
    first = [m.role for m in model.requests[0]]
    assert first == ["system", "user", "assistant", "tool", "user", "assistant", "tool", "user"]
    assert "stopped earlier (budget_exhausted" in model.requests[0][-1].content
    records = list(read_trajectory(out / "trajectory.jsonl"))
    kinds = [r["type"] for r in records]
    assert kinds.count("start") == 2 and kinds.count("end") == 2
    resume = next(r for r in records if r["type"] == "resume")
    assert resume["spent"]["steps"] == 2 and resume["meta"] == META
    calls = [r["step"] for r in records if r["type"] == "tool_call"]
    assert calls == [1, 2, 3, 4]
    assert json.loads((out / "result.json").read_text())["status"] == "solved"


def test_the_resumed_budget_counts_what_was_spent(tmp_path: Path) -> None:
    _, out = stopped_run(tmp_path)
    point = load_resume_point(out)
    with pytest.raises(ResumeError, match=r"steps budget \(2 of 2\).*--max-steps"):
        check_budget(point, {"max_steps": 2})
    check_budget(point, {"max_steps": 3})


def test_a_solved_run_or_a_folder_without_trajectory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResumeError, match=r"no trajectory\.jsonl"):
        load_resume_point(tmp_path)
    repo = make_repo(tmp_path / "repo")
    out = tmp_path / "out"
    run_agent(request(repo, out, ScriptedTestModel(TURNS[1:2] + TURNS[3:]), max_steps=5))
    with pytest.raises(ResumeError, match="ended solved: nothing to resume"):
        load_resume_point(out)


def test_a_run_killed_mid_step_resumes_from_patch_diff_with_its_calls_answered(
    tmp_path: Path,
) -> None:
    calls = [{"id": "c1", "name": "run", "arguments": {"command": "sleep 9"}}]
    records = [
        {"type": "meta", "agent": "0", "step": 0, "meta": META, "ts": 1.0},
        {"type": "start", "agent": "0", "step": 0, "task": {"issue": "x"}, "budget": {}, "ts": 1.0},
        {"type": "request", "agent": "0", "step": 0, "ts": 2.0, "messages": [
            {"role": "system", "content": "s"}, {"role": "user", "content": "issue"},
            {"role": "user", "content": "Current plan:\n1. [pending] look"},
        ]},
        {"type": "completion", "agent": "0", "step": 0, "ts": 3.0, "completion": {
            "message": {"role": "assistant", "content": "go", "tool_calls": calls},
            "usage": {"input_tokens": 7, "output_tokens": 3}, "cost_usd": 0.5,
        }},
        {"type": "budget", "agent": "0", "step": 0, "budget": {}, "ts": 3.0},
        {"type": "tool_call", "agent": "0", "step": 1, "call": calls[0], "ts": 4.0},
    ]  # fmt: skip
    point = resume_point(Path("run"), records, patch_file="PATCH")
    assert (point.status, point.patch, point.steps, point.usd) == ("interrupted", "PATCH", 1, 0.5)
    assert point.usage.total_tokens == 10 and point.seconds == 3.0
    assert [m.role for m in point.history] == ["assistant"]
    with pytest.raises(ResumeError, match="no workspace state"):
        resume_point(Path("run"), records, patch_file=None)
    out = tmp_path / "out"
    out.mkdir()
    (out / "trajectory.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (out / "patch.diff").write_text("")
    repo = make_repo(tmp_path / "repo")
    model = ScriptedTestModel(TURNS[1:2] + TURNS[3:])
    resumed = request(repo, out, model, max_steps=5)
    resumed.resume = load_resume_point(out)
    assert run_agent(resumed).status == "solved"
    sent = model.requests[0]
    assert [m.role for m in sent[2:]] == ["assistant", "tool", "user"]
    assert (sent[3].tool_call_id, sent[3].content) == ("c1", NOT_RUN)
