"""Replay a chat session's trajectory: its recorded replies, the person's messages and answers,
against a fresh workspace; the first divergence, as `devagent.agent.replay` reports for a run."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.mcpreplay import recorded_mcp_tools
from devagent.agent.replay import RecordedModel, ReplayReport, first_divergence, load_recording
from devagent.agent.seams import WorkspaceLike
from devagent.agent.task import RunResult
from devagent.agent.trajectory import read_trajectory
from devagent.chat.approval import Decision
from devagent.chat.session import ChatSession
from devagent.config import ChatConfig
from devagent.errors import DevagentError
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation, Tool
from sandbox import Sandbox


@dataclass
class RecordedPerson:
    """A `ChatUI` that gives the recorded answers in order (and says `no` once they run out)."""

    answers: list[Decision] = field(default_factory=list)

    def show_assistant(self, text: str) -> None:
        del text

    def tool_started(self, call: ToolCall) -> None:
        del call

    def show_tool(self, call: ToolCall, observation: Observation) -> None:
        del call, observation

    def approve_edit(self, call: ToolCall, diff: str) -> Decision:
        return self.answers.pop(0) if self.answers else Decision("no")

    def approve_command(self, call: ToolCall, concern: str) -> Decision:
        return self.approve_edit(call, concern)


def is_chat(start: Mapping[str, Any]) -> bool:
    """Whether a trajectory's `start` record is a chat session's."""
    return "chat" in start


def replay_session(
    path: Path, tools: Mapping[str, Tool], sandbox: Sandbox, workspace: WorkspaceLike
) -> ReplayReport:
    """Re-run the chat recorded in `path` on `workspace` (fresh, at the session's base): each
    `user` record is a turn, each `decision` record the person's answer when asked."""
    recording = load_recording(path)
    if not is_chat(recording.start):
        raise DevagentError(f"{path} is not a chat session's trajectory")
    tools = {**tools, **recorded_mcp_tools(path)}  # MCP calls answered from the recording
    records = list(read_trajectory(path))
    config = ChatConfig(**recording.start["chat"])
    budget = Budget(BudgetConfig(**{**recording.start.get("budget", {}), "max_time_s": None}))
    session = ChatSession(
        RecordedModel(recording.completions), tools, sandbox, budget, workspace, config=config
    )
    person = RecordedPerson([Decision(r["decision"]) for r in records if r["type"] == "decision"])
    started, status = time.monotonic(), "answered"
    for record in records:
        status = _act(session, record, person) or status
    actual = [r for r in session.io.trajectory.records if r.get("type") == "observation"]
    compared, divergence = first_divergence(recording.observations, actual)
    result = RunResult(
        status=status, patch=workspace.diff(), checks=[], steps=budget.steps,
        usage=budget.usage, cost_usd=budget.usd, duration_s=time.monotonic() - started,
    )  # fmt: skip
    return ReplayReport(compared, len(recording.observations), divergence, result)


def _act(session: ChatSession, record: Mapping[str, Any], person: RecordedPerson) -> str | None:
    """Do again what the person did in `record`: a message (a turn; its status), a slash
    command that changes the workspace or the conversation."""
    kind = record["type"]
    if kind == "user":
        return session.turn(record["text"], person).status
    if kind == "command":
        session.ctx.sandbox.exec(record["command"], timeout=session.chat.command_timeout)
    elif kind == "undo":
        session.undo()
    elif kind == "clear":
        session.clear()
    return None
