"""A chat turn's values and the person it reaches: what a turn returns (`TurnResult`), the
person (`ChatUI`), the stops that end a turn, and the texts the model is told when the person
says no."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from devagent.agent.errors import AgentStop
from devagent.chat.approval import Decision
from devagent.llm.types import ToolCall, Usage
from devagent.tools.base import Observation

TurnStatus = Literal[
    "answered", "redirected", "interrupted", "step_limit", "budget_exhausted", "failed"
]


class ChatUI(Protocol):
    """How the session reaches the person (the terminal, or a fake in tests)."""

    def show_assistant(self, text: str) -> None: ...

    def tool_started(self, call: ToolCall) -> None: ...

    def show_tool(self, call: ToolCall, observation: Observation) -> None: ...

    def approve_edit(self, call: ToolCall, diff: str) -> Decision: ...

    def approve_command(self, call: ToolCall, concern: str) -> Decision: ...


@dataclass
class TurnResult:
    status: TurnStatus
    instruction: str = ""
    """With `redirected`: the person's new instruction, to run as the next turn."""
    reason: str = ""
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0


REJECTED_EDIT = (
    "The person rejected this change; it was not applied. Do not retry it as is: ask what "
    "they would like instead, or take another approach."
)
REJECTED_COMMAND = "The person declined to run this command; it was not run."
REJECTED_CALL = "The person declined this tool call; it was not made."
REDIRECTED = "Not applied: the person stopped this turn with a new instruction (next message)."
INTERRUPTED = "Interrupted by the person (Ctrl-C); the call did not complete."


class Answered(AgentStop):
    """The model answered without a tool call: the turn goes back to the person."""

    status = "answered"


class Redirected(AgentStop):
    """The person answered an approval with a new instruction, which replaces the turn."""

    status = "redirected"

    def __init__(self, instruction: str) -> None:
        super().__init__("the person gave a new instruction")
        self.instruction = instruction
