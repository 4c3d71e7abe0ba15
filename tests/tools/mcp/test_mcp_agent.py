"""MCP tools through the real agent loop (scripted model), and the replay of its trajectory."""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.loop import Agent
from devagent.agent.redact import Redactor
from devagent.agent.replay import replay
from devagent.agent.seams import AgentIO
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import Trajectory, read_trajectory
from devagent.tools.mcp.session import open_mcp
from sandbox.local import LocalSandbox
from tests.agent.fakes import CHECK, FIXED_CALC, ScriptedTestModel, call, fake_tools, tiny_repo
from tests.agent.fakes import reset_to as git_reset
from tests.tools.mcp.servers import PLAIN_SERVER, SECRET, SECRET_VAR, calc_config

TASK = Task(issue="`add` subtracts instead of adding.", checks=(CHECK,))


def turns() -> list:
    return [
        [call("mcp__calc__add", a=2, b=3), call("mcp__calc__forbidden"), call("mcp__calc__danger")],
        [call("mcp__calc__echo_env"), call("mcp__calc__huge")],
        [call("mcp__calc__crash")],
        [call("mcp__calc__add", a=1, b=1)],
        [call("write_file", path="calc.py", content=FIXED_CALC)],
        [call("submit", summary="fixed add")],
    ]


def run(repo: Path, model: ScriptedTestModel) -> tuple[Agent, RunResult]:
    """One run with the calc server started from the workspace (as a sandbox server)."""
    sandbox = LocalSandbox(repo)
    config = calc_config([sys.executable, str(PLAIN_SERVER)])
    with open_mcp(config, sandbox, {SECRET_VAR: SECRET}, host_allowed=False) as mcp:
        trajectory = Trajectory(repo.parent / "out" / "trajectory.jsonl", Redactor(mcp.secrets))
        trajectory.write({"type": "meta", "agent": "0", "step": 0, "meta": {"mcp": mcp.describe()}})
        io = AgentIO(
            workspace=repo,
            patch_fn=partial(sandbox_diff, sandbox),
            restore_fn=partial(git_reset, repo),
            trajectory=trajectory,
        )
        agent = Agent(model, {**fake_tools(), **mcp.tools}, sandbox, Budget(BudgetConfig()), io=io)
        with trajectory:
            return agent, agent.run(TASK)


def observations(path: Path) -> dict[str, dict]:
    records = [r for r in read_trajectory(path) if r["type"] == "observation"]
    return {r["tool_call_id"]: r for r in records}


def test_mcp_tools_in_a_run_allowed_refused_clipped_crashed_and_redacted(tmp_path: Path) -> None:
    model = ScriptedTestModel(turns())
    agent, result = run(tiny_repo(tmp_path / "repo"), model)
    assert result.status == "solved"
    offered = [spec.name for spec in agent.specs]
    assert "mcp__calc__add" in offered and "mcp__calc__forbidden" not in offered
    assert "mcp__calc__danger" not in offered  # `ask` outside chat
    assert result.trajectory_path is not None
    seen = list(observations(result.trajectory_path).values())
    by_tool = [(o["name"], o["ok"]) for o in seen]
    assert by_tool[:7] == [
        ("mcp__calc__add", True),
        ("mcp__calc__forbidden", False),
        ("mcp__calc__danger", False),
        ("mcp__calc__echo_env", True),
        ("mcp__calc__huge", True),
        ("mcp__calc__crash", False),
        ("mcp__calc__add", False),
    ]
    texts = [o["text"] for o in seen]
    assert texts[0] == "5"
    assert "does not list it under [mcp.servers.calc.tools]" in texts[1]
    assert "approval" in texts[2]
    assert texts[3] == "token is [REDACTED]"
    assert "the middle cut" in texts[4] and len(texts[4]) == 12_000
    assert "exited during the call" in texts[5] and "not running" in texts[6]
    told = [m.content for m in model.requests[1] if m.role == "tool"]
    assert "does not list it" in told[1]  # the model sees the refusal
    text = result.trajectory_path.read_text()
    assert SECRET not in text
    meta = json.loads(text.splitlines()[0])["meta"]["mcp"]
    assert {t["name"] for t in meta["tools"] if not t["listed"]} == {
        "mcp__calc__forbidden",
        "mcp__calc__danger",
    }


def test_replay_reproduces_a_run_with_mcp_calls_without_the_server(tmp_path: Path) -> None:
    _, result = run(tiny_repo(tmp_path / "first" / "repo"), ScriptedTestModel(turns()))
    assert result.trajectory_path is not None
    fresh = tiny_repo(tmp_path / "again" / "repo")
    sandbox = LocalSandbox(fresh)
    patch_fn, restore_fn = partial(sandbox_diff, sandbox), partial(git_reset, fresh)
    io = AgentIO(workspace=fresh, patch_fn=patch_fn, restore_fn=restore_fn)
    report = replay(result.trajectory_path, fake_tools(), sandbox, io)  # no MCP server runs
    assert report.reproduced, report.divergence
    assert report.result.status == "solved"
    assert report.compared == report.expected == 9
