"""`OpenAIModel`: Chat Completions with native tools, on the official SDK (OpenAI or compatible);
the requests sent while the SDK still imports go over the wire (`devagent.llm.wire`)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from devagent import __version__
from devagent.llm.errors import BadResponseError, ModelError
from devagent.llm.limits import CallLimits, request_timeout
from devagent.llm.runtime import ModelRuntime, parse_arguments
from devagent.llm.sdkclient import SdkClient, send
from devagent.llm.tokens import estimate_messages_tokens, estimate_tokens
from devagent.llm.translate import translate_connection, translate_status
from devagent.llm.types import Completion, Message, StopReason, ToolCall, ToolSpec, Usage
from devagent.llm.wire import Wire, WireEndpoint

if TYPE_CHECKING:
    import openai

_NO_TEMPERATURE = re.compile(r"^(o\d|gpt-5|gpt-6)")
"""OpenAI reasoning models reject a temperature other than the default."""
_STOP: dict[str, StopReason] = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
}


def to_openai_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Neutral messages in Chat Completions shape (tool results as role 'tool' + tool_call_id)."""
    wire: list[dict[str, Any]] = []
    for msg in messages:
        if msg.role == "tool":
            wire.append({"role": "tool", "tool_call_id": msg.tool_call_id, "content": msg.content})
        elif msg.role == "assistant" and msg.tool_calls:
            calls = [_wire_call(call) for call in msg.tool_calls]
            wire.append({"role": "assistant", "content": msg.content or None, "tool_calls": calls})
        else:
            wire.append({"role": msg.role, "content": msg.content})
    return wire


def _wire_call(call: ToolCall) -> dict[str, Any]:
    arguments = call.raw_arguments if call.parse_error else json.dumps(call.arguments)
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments or "{}"},
    }


def to_openai_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def parse_openai_message(choice_message: Any, *, first_id: int = 0) -> Message:
    """The assistant message of a Chat Completions choice, tool-call arguments parsed. A call
    without an id gets 'call_<n>', numbered from `first_id` (the calls already in the chat)."""
    calls = tuple(
        _parse_call(first_id + index, call)
        for index, call in enumerate(choice_message.tool_calls or ())
    )
    return Message(role="assistant", content=choice_message.content or "", tool_calls=calls)


def _parse_call(index: int, call: Any) -> ToolCall:
    """Tolerates what local servers send: no id, or arguments as an object, not a string."""
    call_id = getattr(call, "id", None) or f"call_{index}"
    function = getattr(call, "function", None)
    if function is None:
        error = "only function tool calls are supported; call one of the listed tools"
        return ToolCall(id=call_id, name="unknown", arguments={}, parse_error=error)
    raw = function.arguments
    return parse_arguments(call_id, function.name, raw if isinstance(raw, str) else json.dumps(raw))


def parse_openai_usage(usage: Any) -> Usage | None:
    if usage is None:
        return None
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(
        input_tokens=usage.prompt_tokens or 0,
        output_tokens=usage.completion_tokens or 0,
        cached_tokens=cached,
    )


def error_detail(body: Any) -> str:
    """The provider's words in an error body's `error` object (the SDK's `exc.body`)."""
    if not isinstance(body, dict):
        return ""
    return " ".join(str(body.get(k) or "") for k in ("code", "message")).strip()


def _wire_detail(body: Any) -> str:
    return error_detail(body.get("error", body) if isinstance(body, dict) else None)


def chat_endpoint(base_url: str, api_key: str, timeout_s: float) -> WireEndpoint:
    """Where the SDK (`openai.OpenAI(api_key=..., base_url=...)`) sends a Chat Completions
    request, with the headers it needs: the key, JSON both ways."""
    base = base_url.rstrip("/") + "/"
    return WireEndpoint(
        url=base + "chat/completions",
        base_url=base,
        headers={
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": f"devagent/{__version__}",
        },
        timeout_s=timeout_s,
        detail_of=_wire_detail,
    )


class OpenAIModel:
    """A model behind the Chat Completions API. `provider` names the price table ('openai',
    'ollama'); `legacy_max_tokens` (compatible servers) sends `max_tokens` instead of
    `max_completion_tokens`, and always sends `temperature`, which api.openai.com's reasoning
    models (o*, gpt-5+) only get when left out. With `wire`, a request made while `client` is
    still being made goes there instead of waiting for it."""

    def __init__(
        self,
        name: str,
        client: openai.OpenAI | SdkClient[openai.OpenAI],
        runtime: ModelRuntime,
        *,
        provider: str = "openai",
        legacy_max_tokens: bool = False,
        wire: Wire | None = None,
    ) -> None:
        self.name = name
        self.model = name.split(":", 1)[1]
        self.provider = provider
        self._clients = SdkClient.of(client)
        self._wire = wire
        self._runtime = runtime
        self._legacy = legacy_max_tokens
        self._max_tokens_key = "max_tokens" if legacy_max_tokens else "max_completion_tokens"

    @property
    def client(self) -> openai.OpenAI:
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
            "messages": to_openai_messages(messages),
            self._max_tokens_key: max_tokens,
        }
        if self._legacy or not _NO_TEMPERATURE.match(self.model):
            request["temperature"] = temperature
        if tools:
            request["tools"] = to_openai_tools(tools)
        start = self._runtime.clock()
        limits = limits or CallLimits()
        response = self._runtime.retrier.call(
            lambda: self._send(request, limits), limits, self.name
        )
        latency = self._runtime.clock() - start
        return self._completion(response, messages, latency)

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

    def _sdk_send(self, client: openai.OpenAI, request: dict[str, Any], limits: CallLimits) -> Any:
        import openai  # loaded: the client is made

        try:
            response = client.chat.completions.create(
                **{**request, **request_timeout(client.timeout, limits)}
            )
        except json.JSONDecodeError as exc:
            raise BadResponseError(f"{self.name}: the response is not valid JSON") from exc
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from exc
        except openai.APIConnectionError as exc:
            timed_out = isinstance(exc, openai.APITimeoutError)
            base = str(client.base_url)
            raise translate_connection(self.name, base, timed_out=timed_out) from exc
        if not hasattr(response, "choices"):
            raise BadResponseError(f"{self.name}: the response is not a Chat Completions reply")
        return response

    def _status_error(self, exc: openai.APIStatusError) -> ModelError:
        detail = error_detail(exc.body)
        return translate_status(
            exc.status_code,
            detail or exc.message,
            dict(exc.response.headers),
            where=self.name,
            secrets=self._runtime.secrets,
        )

    def _completion(self, response: Any, sent: list[Message], latency: float) -> Completion:
        if not response.choices:
            raise BadResponseError(f"{self.name}: the response has no choices")
        choice = response.choices[0]
        seen = sum(len(m.tool_calls) for m in sent)
        message = parse_openai_message(choice.message, first_id=seen)
        usage = parse_openai_usage(response.usage) or Usage(
            input_tokens=estimate_messages_tokens(m.content for m in sent),
            output_tokens=estimate_tokens(message.content),
        )
        stop = _STOP.get(choice.finish_reason or "stop", "other")
        if stop == "end_turn" and message.tool_calls:
            stop = "tool_use"
        return Completion(
            message=message,
            usage=usage,
            cost_usd=self._runtime.prices.cost(self.provider, self.model, usage),
            stop_reason=stop,
            latency_s=latency,
            raw_id=response.id or "",
            model=getattr(response, "model", "") or self.model,
        )
