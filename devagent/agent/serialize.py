"""JSON-ready dicts for the llm types (`ToolCall`, `Message`, `Usage`, `Completion`) and back.

The shapes match the `to_dict`/`from_dict` methods the llm package is adding to its types, so
a trajectory written here is read by the `replay:` provider and vice versa.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from devagent.llm.types import Completion, Message, ToolCall, Usage

_USAGE_FIELDS = ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens")


def tool_call_to_dict(call: ToolCall) -> dict[str, Any]:
    return asdict(call)


def tool_call_from_dict(data: dict[str, Any]) -> ToolCall:
    return ToolCall(
        id=data["id"],
        name=data["name"],
        arguments=dict(data.get("arguments") or {}),
        parse_error=data.get("parse_error"),
        raw_arguments=data.get("raw_arguments"),
    )


def message_to_dict(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        data["tool_calls"] = [tool_call_to_dict(call) for call in message.tool_calls]
    for key in ("tool_call_id", "name"):
        if getattr(message, key) is not None:
            data[key] = getattr(message, key)
    if message.cache:
        data["cache"] = True
    return data


def message_from_dict(data: dict[str, Any]) -> Message:
    return Message(
        role=data["role"],
        content=data.get("content") or "",
        tool_calls=tuple(tool_call_from_dict(c) for c in data.get("tool_calls") or ()),
        tool_call_id=data.get("tool_call_id"),
        name=data.get("name"),
        cache=bool(data.get("cache", False)),
    )


def usage_to_dict(usage: Usage) -> dict[str, Any]:
    return asdict(usage)


def usage_from_dict(data: dict[str, Any]) -> Usage:
    return Usage(**{k: int(v) for k, v in data.items() if k in _USAGE_FIELDS})


def completion_to_dict(completion: Completion) -> dict[str, Any]:
    return {
        "message": message_to_dict(completion.message),
        "usage": usage_to_dict(completion.usage),
        "cost_usd": completion.cost_usd,
        "stop_reason": completion.stop_reason,
        "latency_s": completion.latency_s,
        "raw_id": completion.raw_id,
        "model": completion.model,
    }


def completion_from_dict(data: dict[str, Any]) -> Completion:
    return Completion(
        message=message_from_dict(data["message"]),
        usage=usage_from_dict(data.get("usage", {})),
        cost_usd=float(data.get("cost_usd", 0.0)),
        stop_reason=data.get("stop_reason", "end_turn"),
        latency_s=float(data.get("latency_s", 0.0)),
        raw_id=str(data.get("raw_id", "")),
        model=str(data.get("model", "")),
    )
