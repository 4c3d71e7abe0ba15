"""`ask` MCP tools in a chat: listed, and each call asks the person first; replay follows."""

from __future__ import annotations

import sys
from pathlib import Path

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.redact import Redactor
from devagent.agent.trajectory import Trajectory
from devagent.chat.approval import NO, YES
from devagent.chat.replay import replay_session
from devagent.chat.session import ChatSession
from devagent.chat.turn import REJECTED_CALL
from devagent.config import ChatConfig
from devagent.llm.scripted import ScriptedModel
from devagent.tools.mcp.session import open_mcp
from devagent.tools.registry import build_tools
from devagent.workspace import Workspace
from sandbox.local import LocalSandbox
from tests.chat.helpers import FakePerson, reply, tiny_repo
from tests.tools.mcp.servers import PLAIN_SERVER, calc_config

DANGER = {"name": "mcp__calc__danger", "arguments": {}}


def test_an_ask_tool_runs_only_when_the_person_approves_and_replays(tmp_path: Path) -> None:
    path = tmp_path / "trajectory.jsonl"
    workspace = Workspace.create(tiny_repo(tmp_path / "repo"), tmp_path / "ws")
    sandbox = LocalSandbox(workspace.tree)
    config = calc_config([sys.executable, str(PLAIN_SERVER)])
    replies = [reply("", DANGER), reply("", DANGER), reply("done")]
    with open_mcp(config, sandbox, {}, host_allowed=True, can_ask=True) as mcp:
        assert mcp.tools["mcp__calc__danger"].listed and mcp.tools["mcp__calc__danger"].asks
        session = ChatSession(
            ScriptedModel.from_replies(replies), {**build_tools(), **mcp.tools}, sandbox,
            Budget(BudgetConfig(max_steps=None)), workspace,
            trajectory=Trajectory(path, Redactor()), config=ChatConfig(),
        )  # fmt: skip
        session.record("meta", meta={"mcp": mcp.describe()})
        person = FakePerson(answers=[YES, NO])
        session.turn("do the dangerous thing", person)
    assert person.asked_commands == ["None", "None"]  # asked twice (no `command` argument)
    assert person.tools == [("mcp__calc__danger", True), ("mcp__calc__danger", False)]
    told = [m.content for m in session.messages if m.role == "tool"]
    assert told == ["danger ran", REJECTED_CALL]

    fresh = Workspace.create(tiny_repo(tmp_path / "again"), tmp_path / "ws2")
    report = replay_session(path, build_tools(), LocalSandbox(fresh.tree), fresh)
    assert (report.reproduced, report.compared) == (True, 2)
