"""Provider-neutral messages, tool definitions, usage and the `Model` protocol."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from devagent.llm.limits import CallLimits

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolCall:
        return cls(
            id=data["id"],
            name=data["name"],
            arguments=dict(data.get("arguments") or {}),
            parse_error=data.get("parse_error"),
            raw_arguments=data.get("raw_arguments"),
        )


@dataclass(frozen=True)
class Message:
    """A chat message. `tool_calls` only on assistant messages; `tool_call_id`, `name` and
    `is_error` only on tool results. `cache` marks the end of a stable prefix a provider may
    cache."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    cache: bool = False
    is_error: bool = False
    """On a tool result: the tool failed (sent as Anthropic's tool_result `is_error`)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            data["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        for key in ("tool_call_id", "name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        for flag in ("cache", "is_error"):
            if getattr(self, flag):
                data[flag] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(
            role=data["role"],
            content=data.get("content") or "",
            tool_calls=tuple(ToolCall.from_dict(c) for c in data.get("tool_calls") or ()),
            tool_call_id=data.get("tool_call_id"),
            name=data.get("name"),
            cache=bool(data.get("cache", False)),
            is_error=bool(data.get("is_error", False)),
        )


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it: name, description, JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens of one completion, as the provider reported them (estimated where it did not)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    """Input tokens served from the provider's prompt cache (a subset of input_tokens)."""
    cache_write_tokens: int = 0
    """Input tokens written to the provider's prompt cache (also a subset of input_tokens)."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        return cls(**{k: int(v) for k, v in data.items() if k in _USAGE_FIELDS})


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the trajectory stores completions in this shape)."""
        return {
            "message": self.message.to_dict(),
            "usage": self.usage.to_dict(),
            "cost_usd": self.cost_usd,
            "stop_reason": self.stop_reason,
            "latency_s": self.latency_s,
            "raw_id": self.raw_id,
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Completion:
        return cls(
            message=Message.from_dict(data["message"]),
            usage=Usage.from_dict(data.get("usage", {})),
            cost_usd=float(data.get("cost_usd", 0.0)),
            stop_reason=data.get("stop_reason", "end_turn"),
            latency_s=float(data.get("latency_s", 0.0)),
            raw_id=str(data.get("raw_id", "")),
            model=str(data.get("model", "")),
        )


_USAGE_FIELDS = ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens")


class Model(Protocol):
    """Anything that completes a conversation. `name` is the spec string, e.g. 'openai:gpt-4o'.
    `limits`: when the request must end (a deadline, a stop flag); a model that waits on a
    server honours them, raising `ModelDeadlineError` or `ModelCancelledError`."""

    name: str

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion: ...
