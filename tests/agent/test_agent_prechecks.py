"""The goal checks run once before the agent: one that cannot run ends the run before any
model call; the suite's run is the loop's baseline, not repeated."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from devagent.agent.checks import CheckResult, run_checks, unrunnable, unrunnable_reason
from devagent.agent.solve import SolveRequest, exit_code, run_agent
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from devagent.llm.types import Completion
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


class UncallableModel(ScriptedTestModel):
    """Fails the test if the run asks it anything."""

    def __init__(self) -> None:
        super().__init__([])

    def complete(self, messages, tools, **kwargs) -> Completion:  # type: ignore[no-untyped-def]
        raise AssertionError("the model was called")


def request(repo: Path, out: Path, model: ScriptedTestModel, task: Task, prechecks=()):
    return SolveRequest(
        task=task,
        model=model,
        tools=fake_tools(),
        sandbox=LocalSandbox(repo),
        workspace=DirWorkspace(repo),
        out=out,
        prechecks=prechecks,
    )


def test_a_goal_command_that_is_not_found_ends_the_run_as_error_without_a_model_call(
    tmp_path: Path,
) -> None:
    repo = tiny_repo(tmp_path / "repo")
    task = Task(issue="add subtracts", checks=(CHECK, "nosuchtool --x"))
    prechecks = run_checks(LocalSandbox(repo), task.goal_checks())
    result = run_agent(request(repo, tmp_path / "out", UncallableModel(), task, prechecks))
    assert (result.status, exit_code(result), result.steps) == ("error", 2, 0)
    assert result.reason.startswith("the goal check `nosuchtool --x` cannot run in the sandbox")
    assert "exit 127: command not found" in result.reason
    saved = json.loads((tmp_path / "out" / "result.json").read_text())
    assert (saved["status"], saved["reason"]) == ("error", result.reason)
    kinds = [r["type"] for r in read_trajectory(tmp_path / "out" / "trajectory.jsonl")]
    assert kinds == ["meta", "check", "check", "end"]


def test_exit_126_and_127_are_the_commands_that_cannot_run() -> None:
    def check(code: int, output: str = "") -> CheckResult:
        return CheckResult("./t.sh", passed=code == 0, exit_code=code, output_tail=output)

    assert unrunnable([check(0), check(1), check(2)]) is None
    bash = check(127, "1e48b6b7a3c146de: line 1: nosuchtool: command not found\n")
    assert unrunnable_reason(bash).endswith(
        "(exit 127: command not found): nosuchtool: command not found"
    )
    found = unrunnable([check(1), check(126, "sh: 1: ./t.sh: Permission denied\n")])
    assert found is not None
    assert unrunnable_reason(found) == (
        "the goal check `./t.sh` cannot run in the sandbox (exit 126: cannot be run): "
        "sh: 1: ./t.sh: Permission denied"
    )


def test_the_suites_run_before_the_agent_is_its_baseline_and_is_not_repeated(
    tmp_path: Path,
) -> None:
    repo = tiny_repo(tmp_path / "repo")
    runs = tmp_path / "suite-runs"
    passes = "import calc; assert calc.sub(5, 3) == 2"
    suite = f"echo run >> {runs}; {sys.executable} -S -B -c '{passes}'"
    task = Task(issue="add subtracts", test_command=suite)
    prechecks = run_checks(LocalSandbox(repo), task.goal_checks())
    model = ScriptedTestModel(
        [
            [call("write_file", path="test_add.py", content="import calc\n")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    result = run_agent(request(repo, tmp_path / "out", model, task, prechecks))
    assert result.status == "solved"
    assert runs.read_text().splitlines() == ["run", "run"]  # before the agent, then at submit
