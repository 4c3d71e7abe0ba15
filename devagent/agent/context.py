"""The model's context: a cached prefix, the turn history, trimming, elision and summarization."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from devagent.agent.prompts import render
from devagent.agent.text import estimate_tokens, trim
from devagent.llm.types import Message, ToolCall

Summarizer = Callable[[list[Message]], str]


class ContextConfig(BaseModel):
    """How much of the run the model sees."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    observation_limit: int = Field(default=12_000, ge=200)
    """Characters of one observation kept (head and tail, the middle marked as trimmed)."""
    observation_window: int = Field(default=10, ge=1)
    """The most recent observations shown in full; older ones are elided."""
    context_limit_tokens: int = Field(default=120_000, ge=1_000)
    """The model's context window (estimated at four characters per token)."""
    summarize_at: float = Field(default=0.8, gt=0, le=1)
    """Fraction of the limit at which older turns are summarized."""
    keep_recent_turns: int = Field(default=4, ge=1)
    """Turns kept verbatim when older ones are summarized."""


class Context:
    """Holds the conversation; `messages()` renders what the next model call sees."""

    def __init__(self, system: str, issue: str, config: ContextConfig | None = None) -> None:
        """`issue` empty: the prefix is the system prompt alone (a chat, whose person speaks in
        the history)."""
        self.config = config or ContextConfig()
        self.prefix = [Message("system", system, cache=not issue)]
        if issue:
            self.prefix.append(Message("user", issue, cache=True))
        self.history: list[Message] = []
        self.summaries = 0

    def add_assistant(self, message: Message) -> None:
        self.history.append(message)

    def add_user(self, text: str) -> None:
        self.history.append(Message("user", text))

    def add_observation(self, call: ToolCall, text: str, *, is_error: bool = False) -> Message:
        message = Message(
            "tool",
            trim(text, self.config.observation_limit),
            tool_call_id=call.id,
            name=call.name,
            is_error=is_error,
        )
        self.history.append(message)
        return message

    def amend_call(self, call: ToolCall) -> None:
        """Put `call` in place of the call with its id in the latest reply (its arguments were
        edited before it ran), so that the model reads what was run."""
        for i in range(len(self.history) - 1, -1, -1):
            message = self.history[i]
            if any(c.id == call.id for c in message.tool_calls):
                calls = tuple(call if c.id == call.id else c for c in message.tool_calls)
                self.history[i] = replace(message, tool_calls=calls)
                return

    def restart(self, text: str) -> None:
        """Start the history over from one user message (a fresh context after a loop)."""
        self.history = [Message("user", text)]

    def unanswered(self) -> list[ToolCall]:
        """The calls of the latest reply that no tool result answers yet."""
        replies = [i for i, m in enumerate(self.history) if m.role == "assistant"]
        if not replies:
            return []
        answered = {m.tool_call_id for m in self.history[replies[-1] :] if m.role == "tool"}
        return [c for c in self.history[replies[-1]].tool_calls if c.id not in answered]

    def messages(self, plan_text: str = "") -> list[Message]:
        """Prefix, history with old observations elided, and the plan shown back last."""
        tool_positions = [i for i, m in enumerate(self.history) if m.role == "tool"]
        old = set(tool_positions[: -self.config.observation_window])
        history = [
            _elided(m) if i in old and len(m.content) > 200 else m
            for i, m in enumerate(self.history)
        ]
        tail = [Message("user", plan_text)] if plan_text else []
        return [*self.prefix, *history, *tail]

    def estimated_tokens(self) -> int:
        return sum(_message_tokens(m) for m in self.messages())

    def near_limit(self) -> bool:
        limit = self.config.context_limit_tokens * self.config.summarize_at
        return self.estimated_tokens() >= limit

    def compact(self, summarize: Summarizer) -> int:
        """Replace all but the recent turns by one summary message; return turns summarized."""
        starts = [i for i, m in enumerate(self.history) if m.role == "assistant"]
        if len(starts) <= self.config.keep_recent_turns:
            return 0
        cut = starts[-self.config.keep_recent_turns]
        old, recent = self.history[:cut], self.history[cut:]
        summary = summarize(old)
        turns = sum(m.role == "assistant" for m in old)
        self.history = [Message("user", render("summary.j2", turns=turns, summary=summary))]
        self.history += recent
        self.summaries += 1
        return turns


def transcript(messages: list[Message], per_message: int = 2_000) -> str:
    """A plain-text rendering of messages, for the summarizer."""
    lines = []
    for m in messages:
        calls = "".join(
            f"\n  -> {c.name}({json.dumps(c.arguments, ensure_ascii=False)})" for c in m.tool_calls
        )
        label = f"tool {m.name}" if m.role == "tool" else m.role
        lines.append(f"[{label}] {trim(m.content, per_message)}{calls}")
    return "\n\n".join(lines)


def _elided(message: Message) -> Message:
    size = len(message.content)
    note = f"[older observation elided ({size} characters); repeat the call if needed]"
    return replace(message, content=note)


def _message_tokens(message: Message) -> int:
    args = "".join(json.dumps(c.arguments) for c in message.tool_calls)
    return estimate_tokens(message.content + args) + 4
