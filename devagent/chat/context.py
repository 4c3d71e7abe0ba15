"""What the model sees of a long chat: old tool results elided, the oldest turns left out."""

from __future__ import annotations

import json

from devagent.agent.text import estimate_tokens
from devagent.llm.types import Message

OBSERVATION_WINDOW = 10
"""The most recent tool results shown in full; older long ones are elided."""
CONTEXT_LIMIT_TOKENS = 100_000
"""Estimated tokens of history sent; beyond it the oldest whole turns are left out."""


def _elided(message: Message) -> Message:
    note = f"[older tool result elided ({len(message.content)} characters); repeat the call]"
    return Message(
        "tool", note, tool_call_id=message.tool_call_id, name=message.name,
        is_error=message.is_error,
    )  # fmt: skip


def _tokens(message: Message) -> int:
    args = "".join(json.dumps(c.arguments) for c in message.tool_calls)
    return estimate_tokens(message.content + args) + 4


def visible_history(
    messages: list[Message],
    *,
    window: int = OBSERVATION_WINDOW,
    limit_tokens: int = CONTEXT_LIMIT_TOKENS,
) -> list[Message]:
    """`messages` as sent to the model. Turns (from one user message to the next) are dropped
    whole, oldest first, so that no tool result is ever separated from its call."""
    tools = [i for i, m in enumerate(messages) if m.role == "tool"]
    old = set(tools[:-window]) if window else set(tools)
    shown = [_elided(m) if i in old and len(m.content) > 200 else m for i, m in enumerate(messages)]
    starts = [i for i, m in enumerate(shown) if m.role == "user"]
    dropped = 0
    for start in starts[1:]:
        if sum(_tokens(m) for m in shown[dropped:]) <= limit_tokens:
            break
        dropped = start
    if not dropped:
        return shown
    turns = sum(1 for i in starts if i < dropped)
    note = Message("user", f"[{turns} earlier turn(s) of this conversation left out for space]")
    return [note, Message("assistant", "Understood."), *shown[dropped:]]
