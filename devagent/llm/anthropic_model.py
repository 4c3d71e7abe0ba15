"""`AnthropicModel`: the Messages API with tool_use/tool_result blocks and prompt caching; the
requests sent while the SDK still imports go over the wire (`devagent.llm.wire`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devagent import __version__
from devagent.llm.errors import BadResponseError, ModelError
from devagent.llm.limits import CallLimits, request_timeout
from devagent.llm.runtime import ModelRuntime, parse_arguments
from devagent.llm.sdkclient import SdkClient, send
from devagent.llm.translate import translate_connection, translate_status
from devagent.llm.types import Completion, Message, StopReason, ToolCall, ToolSpec, Usage
from devagent.llm.wire import Wire, WireEndpoint

if TYPE_CHECKING:
    import anthropic

_STOP: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
}
API_VERSION = "2026-10-21"
"""The `anthropic-version` the installed SDK (anthropic 2.15) sends; a test compares the two."""
_CACHE = {"type": "ephemeral"}
MAX_CACHED_MESSAGES = 3
"""Anthropic allows 4 cache breakpoints: the system prompt, plus the last 3 marked messages."""


def to_anthropic_system(messages: list[Message], *, caching: bool) -> list[dict[str, Any]]:
    """System messages as text blocks; the last carries cache_control (tools + system cached)."""
    blocks: list[dict[str, Any]] = [
        {"type": "text", "text": m.content} for m in messages if m.role == "system" and m.content
    ]
    if caching and blocks:
        blocks[-1]["cache_control"] = dict(_CACHE)
    return blocks


def to_anthropic_messages(messages: list[Message], *, caching: bool) -> list[dict[str, Any]]:
    """User/assistant/tool messages as alternating turns of content blocks. Tool results become
    tool_result blocks in a user turn; consecutive same-role turns are merged."""
    cached_ids = _cached_indexes(messages) if caching else set()
    turns: list[dict[str, Any]] = []
    for index, msg in enumerate(messages):
        if msg.role == "system":
            continue
        role = "assistant" if msg.role == "assistant" else "user"
        blocks = _blocks(msg)
        if index in cached_ids:
            blocks[-1]["cache_control"] = dict(_CACHE)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def _cached_indexes(messages: list[Message]) -> set[int]:
    marked = [i for i, m in enumerate(messages) if m.cache and m.role != "system"]
    return set(marked[-MAX_CACHED_MESSAGES:])


def _blocks(msg: Message) -> list[dict[str, Any]]:
    if msg.role == "tool":
        result = {"type": "tool_result", "tool_use_id": msg.tool_call_id, "content": msg.content}
        return [{**result, "is_error": True} if msg.is_error else result]
    blocks: list[dict[str, Any]] = []
    if msg.content or not msg.tool_calls:
        blocks.append({"type": "text", "text": msg.content or "(empty)"})
    blocks.extend(_tool_use(call) for call in msg.tool_calls)
    return blocks


def _tool_use(call: ToolCall) -> dict[str, Any]:
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}


def to_anthropic_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
    ]


def parse_anthropic_content(content: Any) -> Message:
    """The assistant message from response blocks: text joined, tool_use blocks as calls."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in content or ():
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use":
            raw = block.input if isinstance(block.input, str) else json.dumps(block.input)
            calls.append(parse_arguments(block.id, block.name, raw))
    return Message(role="assistant", content="".join(texts), tool_calls=tuple(calls))


def parse_anthropic_usage(usage: Any) -> Usage:
    """Usage with input_tokens including cache reads and writes (Anthropic reports them apart)."""
    read = getattr(usage, "cache_read_input_tokens", None) or 0
    write = getattr(usage, "cache_creation_input_tokens", None) or 0
    return Usage(
        input_tokens=(getattr(usage, "input_tokens", None) or 0) + read + write,
        output_tokens=getattr(usage, "output_tokens", None) or 0,
        cached_tokens=read,
        cache_write_tokens=write,
    )


def error_detail(body: Any) -> str:
    """The provider's words in an error body (`{"error": {"type": ..., "message": ...}}`)."""
    if not isinstance(body, dict):
        return ""
    inner = body.get("error")
    error = inner if isinstance(inner, dict) else body
    return " ".join(str(error.get(k) or "") for k in ("type", "message")).strip()


def messages_endpoint(base_url: str, api_key: str, timeout_s: float) -> WireEndpoint:
    """Where the SDK (`anthropic.Anthropic(api_key=..., base_url=...)`) sends a Messages
    request, with the headers it needs: the key, the API version, JSON both ways."""
    base = base_url.rstrip("/") + "/"
    return WireEndpoint(
        url=base + "v1/messages",
        base_url=base,
        headers={
            "Authorization": f"Bearer {api_key}",
            "anthropic-version": API_VERSION,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": f"devagent/{__version__}",
        },
        timeout_s=timeout_s,
        detail_of=error_detail,
        reply_field="content",
        api="Messages API",
    )


class AnthropicModel:
    """A Claude model behind the Messages API. `temperature` is not sent: the installed SDK's
    `messages.create` (anthropic 2.x) no longer takes it, and the model's default applies. With
    `wire`, a request made while `client` is still being made goes there instead of waiting."""

    def __init__(
        self,
        name: str,
        client: anthropic.Anthropic | SdkClient[anthropic.Anthropic],
        runtime: ModelRuntime,
        *,
        caching: bool = True,
        wire: Wire | None = None,
    ) -> None:
        self.name = name
        self.model = name.split(":", 1)[1]
        self._clients = SdkClient.of(client)
        self._wire = wire
        self._runtime = runtime
        self._caching = caching

    @property
    def client(self) -> anthropic.Anthropic:
        """The SDK's client (waits until it is made)."""
        return self._clients.wait()

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": to_anthropic_messages(messages, caching=self._caching),
            "max_tokens": max_tokens,
        }
        if system := to_anthropic_system(messages, caching=self._caching):
            request["system"] = system
        if tools:
            request["tools"] = to_anthropic_tools(tools)
        start = self._runtime.clock()
        limits = limits or CallLimits()
        response = self._runtime.retrier.call(
            lambda: self._send(request, limits), limits, self.name
        )
        latency = self._runtime.clock() - start
        usage = parse_anthropic_usage(response.usage)
        return Completion(
            message=parse_anthropic_content(response.content),
            usage=usage,
            cost_usd=self._runtime.prices.cost("anthropic", self.model, usage),
            stop_reason=_STOP.get(response.stop_reason or "end_turn", "other"),
            latency_s=latency,
            raw_id=response.id or "",
            model=response.model or self.model,
        )

    def _send(self, request: dict[str, Any], limits: CallLimits) -> Any:
        return send(
            self._clients,
            self._wire,
            request,
            limits,
            lambda client: self._sdk_send(client, request, limits),
            where=self.name,
            secrets=self._runtime.secrets,
        )

    def _sdk_send(
        self, client: anthropic.Anthropic, request: dict[str, Any], limits: CallLimits
    ) -> Any:
        import anthropic  # loaded: the client is made

        try:
            response = client.messages.create(
                **{**request, **request_timeout(client.timeout, limits)}
            )
        except json.JSONDecodeError as exc:
            raise BadResponseError(f"{self.name}: the response is not valid JSON") from exc
        except anthropic.APIStatusError as exc:
            raise self._status_error(exc) from exc
        except anthropic.APIConnectionError as exc:
            timed_out = isinstance(exc, anthropic.APITimeoutError)
            base = str(client.base_url)
            raise translate_connection(self.name, base, timed_out=timed_out) from exc
        if not hasattr(response, "content"):
            raise BadResponseError(f"{self.name}: the response is not a Messages API reply")
        return response

    def _status_error(self, exc: anthropic.APIStatusError) -> ModelError:
        detail = error_detail(exc.body)
        return translate_status(
            exc.status_code,
            detail or exc.message,
            dict(exc.response.headers),
            where=self.name,
            secrets=self._runtime.secrets,
        )
