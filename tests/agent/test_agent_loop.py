"""The loop end to end on a tiny repo with a scripted model and a LocalSandbox."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from devagent.agent.budget import BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.agent.context import ContextConfig
from devagent.agent.loop import ContextOverflowError
from devagent.agent.redact import secret_values_from_env
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from devagent.llm.types import Usage
from devagent.tools.base import Observation, Tool, ToolContext
from tests.agent.fakes import (
    BROKEN_CALC,
    BUGGY_CALC,
    CHECK,
    FIXED_CALC,
    PYTEST_CHECK,
    ScriptedTestModel,
    call,
    make_agent,
    malformed,
    tiny_repo,
)
from tests.support import git

HALF_CALC = BUGGY_CALC.replace("b\n", "b  # half\n", 1)
TASK = Task(issue="`add` subtracts instead of adding.", checks=(CHECK,))


def records(path: Path | None, kind: str) -> list[dict]:
    assert path is not None
    return [r for r in read_trajectory(path) if r["type"] == kind]


def test_solved_on_first_submit(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("run", command="cat calc.py")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed add")],
        ]
    )
    agent, _ = make_agent(repo, model)
    result = agent.run(TASK)
    assert result.status == "solved"
    assert result.steps == 3
    assert "+    return a + b" in result.patch
    assert [c.passed for c in result.checks] == [True]
    assert result.summary == "fixed add"
    assert len(records(result.trajectory_path, "completion")) == 3
    assert records(result.trajectory_path, "end")[0]["status"] == "solved"


def test_failing_submit_is_fed_back_then_solved(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    task = Task(issue=TASK.issue, checks=(PYTEST_CHECK,))
    model = ScriptedTestModel(
        [
            [call("submit", summary="nothing yet")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    agent, _ = make_agent(repo, model)
    result = agent.run(task)
    assert result.status == "solved"
    feedback = model.requests[1][-1]
    assert feedback.role == "tool" and feedback.name == "submit"
    assert "FAILED" in feedback.content
    assert "test_calc.py::test_add" in feedback.content
    checks = records(result.trajectory_path, "check")
    assert [c["result"]["passed"] for c in checks] == [False, True]
    assert checks[0]["result"]["failing_ids"] == ["test_calc.py::test_add"]


def _looping_model(**kwargs: object) -> ScriptedTestModel:
    return ScriptedTestModel([[call("run", command="true")]], repeat_last=True, **kwargs)  # type: ignore[arg-type]


def test_step_budget_ends_the_run(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tiny_repo(tmp_path / "repo"), _looping_model(), budget=BudgetConfig(max_steps=3)
    )
    result = agent.run(TASK)
    assert result.status == "budget_exhausted"
    assert result.steps == 3
    assert "steps budget exhausted" in result.reason


def test_token_budget_ends_the_run(tmp_path: Path) -> None:
    model = _looping_model(usage=Usage(input_tokens=80, output_tokens=20))
    agent, _ = make_agent(
        tiny_repo(tmp_path / "repo"), model, budget=BudgetConfig(max_steps=None, max_tokens=250)
    )
    result = agent.run(TASK)
    assert (result.status, result.steps, result.usage.total_tokens) == ("budget_exhausted", 3, 300)
    assert "tokens budget" in result.reason


def test_usd_budget_ends_the_run(tmp_path: Path) -> None:
    model = _looping_model(cost_usd=0.01)
    agent, _ = make_agent(
        tiny_repo(tmp_path / "repo"), model, budget=BudgetConfig(max_steps=None, max_usd=0.025)
    )
    result = agent.run(TASK)
    assert (result.status, result.steps) == ("budget_exhausted", 3)
    assert round(result.cost_usd, 4) == 0.03
    assert "usd budget" in result.reason


def test_time_budget_ends_the_run(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tiny_repo(tmp_path / "repo"),
        _looping_model(),
        budget=BudgetConfig(max_steps=None, max_time_s=1e-9),
    )
    result = agent.run(TASK)
    assert (result.status, result.steps) == ("budget_exhausted", 0)
    assert "time budget" in result.reason


def test_wrap_up_warning_is_given_once(tmp_path: Path) -> None:
    model = _looping_model()
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model, budget=BudgetConfig(max_steps=6))
    result = agent.run(TASK)
    notes = [r["text"] for r in records(result.trajectory_path, "note")]
    assert sum("Budget warning" in n for n in notes) == 1
    assert any("Budget warning" in m.content for m in model.requests[-1] if m.role == "user")


def test_budget_end_keeps_the_best_checked_patch(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("write_file", path="calc.py", content=HALF_CALC)],
            [call("submit", summary="half")],
            [call("write_file", path="calc.py", content=BROKEN_CALC)],
        ]
    )
    agent, _ = make_agent(repo, model, budget=BudgetConfig(max_steps=3))
    result = agent.run(TASK)
    assert result.status == "budget_exhausted"
    assert "+    return a - b  # half" in result.patch and "a * b" not in result.patch
    assert "# half" in (repo / "calc.py").read_text()
    assert [c.passed for c in result.checks] == [False]


def test_malformed_tool_call_is_returned_and_recovered(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [malformed("write_file", '{"path": "calc.py", "content": ')],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    agent, _ = make_agent(repo, model)
    result = agent.run(TASK)
    assert result.status == "solved"
    error = model.requests[1][-1]
    assert error.role == "tool" and "could not be parsed: invalid JSON" in error.content
    assert '"content": ' in error.content
    assert records(result.trajectory_path, "observation")[0]["ok"] is False


def test_unknown_tool_and_bad_arguments_become_observations(tmp_path: Path) -> None:
    model = ScriptedTestModel(
        [
            [call("write_files", path="x", content="y"), call("run")],
            [call("submit", summary="s")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    assert agent.run(Task(issue="x")).status == "unsolved"
    unknown, bad = model.requests[1][-2:]
    assert "no tool named `write_files`" in unknown.content
    assert "Did you mean `write_file`?" in unknown.content
    assert "missing required argument(s): command" in bad.content


def test_text_reply_without_tool_call_is_nudged(tmp_path: Path) -> None:
    model = ScriptedTestModel(["I think I am done.", [call("submit", summary="s")]])
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(Task(issue="x"))
    assert (result.status, result.steps) == ("unsolved", 2)
    assert "without calling a tool" in model.requests[1][-1].content


def test_plan_is_shown_back_every_turn(tmp_path: Path) -> None:
    steps = [{"step": "read calc.py", "status": "done"}, {"step": "fix add", "status": "pending"}]
    model = ScriptedTestModel(
        [
            [call("plan", steps=steps)],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="s")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(TASK)
    for request in model.requests[1:]:
        assert request[-1].content == "Current plan:\n1. [done] read calc.py\n2. [pending] fix add"
    assert result.plan == steps


def test_no_checks_means_unverified(tmp_path: Path) -> None:
    model = ScriptedTestModel([[call("submit", summary="done")]])
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(Task(issue="x"))
    assert result.status == "unsolved"
    assert "unverified" in result.reason


def test_secret_in_host_env_never_reaches_the_trajectory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("DEVAGENT_TEST_API_KEY", secret)

    model = ScriptedTestModel(
        [
            [call("run", command=f"echo {secret}; env")],
            [call("write_file", path="calc.py", content=f"# {secret}\n{FIXED_CALC}")],
            [call("submit", summary=f"used {secret}")],
        ]
    )
    agent, _ = make_agent(
        tiny_repo(tmp_path / "repo"), model, secrets=secret_values_from_env(os.environ)
    )
    result = agent.run(TASK)
    text = result.trajectory_path.read_text()  # type: ignore[union-attr]
    assert secret not in text
    assert "[REDACTED]" in text
    assert all(secret not in m.content for m in model.requests[-1])
    end = json.loads(text.splitlines()[-1])
    assert (end["type"], end["status"]) == ("end", "solved")
    assert "[REDACTED]" in end["patch"]


class OverflowOnceModel(ScriptedTestModel):
    """Reports a context overflow on its fourth call, like a provider would."""

    def complete(self, messages, tools, **kwargs):  # type: ignore[no-untyped-def]
        if len(self.requests) == 3 and not getattr(self, "overflowed", False):
            self.overflowed = True
            raise ContextOverflowError("prompt is too long")
        return super().complete(messages, tools, **kwargs)


def test_context_overflow_summarizes_older_turns_and_retries(tmp_path: Path) -> None:
    model = OverflowOnceModel(
        [
            [call("run", command="echo one")],
            [call("run", command="echo two")],
            [call("run", command="echo three")],
            "calc.py has add() subtracting; nothing changed yet.",  # the summary
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    config = AgentConfig(context=ContextConfig(keep_recent_turns=1))
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model, config=config)
    result = agent.run(TASK)
    assert result.status == "solved"
    summary_request = model.requests[3]
    assert len(summary_request) == 1 and "echo two" in summary_request[0].content
    after = model.requests[4]
    assert "Summary of the earlier part" in after[2].content
    assert "add() subtracting" in after[2].content
    assert after[3].role == "assistant" and after[3].tool_calls[0].arguments == {
        "command": "echo three"
    }
    assert result.steps == 5


def test_repo_suite_mode_needs_a_change_before_it_counts(tmp_path: Path) -> None:
    suite = f"{sys.executable} -S -B -c 'import calc; assert calc.sub(5, 3) == 2'"
    model = ScriptedTestModel(
        [
            [call("submit", summary="the suite already passes")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model)
    result = agent.run(Task(issue="add is wrong", test_command=suite))
    assert (result.status, result.steps) == ("solved", 3)
    assert "First write a small reproduction test" in model.requests[0][0].content
    refusal = model.requests[1][-1]
    assert refusal.name == "submit" and "no change at all" in refusal.content


def test_checks_that_pass_without_any_change_by_the_agent_are_not_solved(tmp_path: Path) -> None:
    """Seen before: with --include-dirty the person's own fix passed the checks, the agent
    changed nothing, and the run said `solved`."""
    repo = tiny_repo(tmp_path / "repo")
    (repo / "calc.py").write_text(FIXED_CALC)  # what the agent starts from already passes
    git(repo, "commit", "-qam", "the person's fix")
    model = ScriptedTestModel([[call("submit", summary="already works")]], repeat_last=True)
    agent, _ = make_agent(repo, model)
    result = agent.run(TASK)
    assert (result.status, result.steps, result.patch) == ("unsolved", 1, "")
    assert result.reason == "the goal checks pass, but the agent changed nothing"
    assert [c.passed for c in result.checks] == [True]


def test_a_broken_environment_ends_as_error_with_exit_code_2(tmp_path: Path) -> None:
    from devagent.agent.solve import exit_code
    from devagent.errors import DevagentError

    class BrokenModel(ScriptedTestModel):
        def complete(self, messages, tools, **kwargs):  # type: ignore[no-untyped-def]
            raise DevagentError("provider said 401: check the API key")

    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), BrokenModel([]))
    result = agent.run(TASK)
    assert (result.status, exit_code(result)) == ("error", 2)
    assert "provider said 401" in result.reason
    assert records(result.trajectory_path, "end")[0]["status"] == "error"


def test_command_timeouts_are_capped_by_the_time_left(tmp_path: Path) -> None:
    def probe(args: dict, ctx: ToolContext) -> Observation:
        return Observation(f"timeout {ctx.command_timeout}")

    model = ScriptedTestModel([[call("probe")], [call("submit", summary="s")]])
    budget = BudgetConfig(max_steps=None, max_time_s=60)
    agent, _ = make_agent(tiny_repo(tmp_path / "repo"), model, budget=budget)
    agent.base_tools["probe"] = Tool("probe", "Show the timeout.", {"type": "object"}, probe)
    agent.run(Task(issue="x"))
    timeout = float(model.requests[1][-1].content.split()[-1])
    assert 5.0 <= timeout <= 60.0 and agent.config.command_timeout == 600.0
