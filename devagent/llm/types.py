"""Provider-neutral messages, tool definitions, usage and the `Model` protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]
StopReason = Literal["end_turn", "tool_use", "max_tokens", "stop_sequence", "error", "other"]


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for. `arguments` is the parsed JSON object; when the model sent
    malformed JSON, `arguments` is {} and `parse_error` says what was wrong (the loop returns it to
    the model as a tool error)."""

    id: str
    name: str
    arguments: dict[str, Any]
    parse_error: str | None = None
    raw_arguments: str | None = None


@dataclass(frozen=True)
class Message:
    """A chat message. `tool_calls` only on assistant messages; `tool_call_id` (and `name`) only
    on tool results. `cache` marks the end of a stable prefix a provider may cache."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    cache: bool = False


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it: name, description, JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    """Input tokens served from the provider's prompt cache (a subset of input_tokens)."""
    cache_write_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Completion:
    message: Message
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    stop_reason: StopReason = "end_turn"
    latency_s: float = 0.0
    raw_id: str = ""
    model: str = ""

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return self.message.tool_calls


class Model(Protocol):
    """Anything that completes a conversation. `name` is the spec string, e.g. 'openai:gpt-4o'."""

    name: str

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
    ) -> Completion: ...
