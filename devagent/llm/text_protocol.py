"""Tool calling for models without native support: tools described in the prompt, calls parsed
from fenced ```tool blocks in the reply (also json blocks that name a tool, and the
<tool_call>...</tool_call> tags some local models are trained on). Parse failures become calls
with `parse_error`, which the loop returns to the model as a tool error; nothing here raises."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from devagent.llm.limits import CallLimits
from devagent.llm.types import Completion, Message, Model, ToolCall, ToolSpec

_BLOCK = re.compile(
    r"```[ \t]*(?P<tag>[\w-]*)[ \t]*\n?(?P<body>.*?)(?P<end>```|\Z)"
    r"|<tool_call>(?P<xml>.*?)(?P<xml_end></tool_call>|\Z)",
    re.DOTALL,
)
_TOOL_TAGS = ("tool", "tool_call", "tool-call", "json", "")
_NAME_KEYS = ("name", "tool", "function")
_ARG_KEYS = ("arguments", "args", "parameters", "input")
_NAME_HINT = re.compile(r'"(?:name|tool|function)"\s*:\s*"([^"]+)"')
_ARGS_HINT = re.compile(r'"(?:arguments|args|parameters|input)"\s*:')

INSTRUCTIONS = """\
# Tools
To call a tool, put a fenced block tagged `tool` in your reply holding one JSON object:

```tool
{{"name": "TOOL_NAME", "arguments": {{"ARG": "VALUE"}}}}
```

Use one block per call; several blocks are run in order. The result of each call comes back \
in the next message. A reply without a tool block is your answer to the user.

Available tools:
{tools}"""


def render_tools(tools: list[ToolSpec]) -> str:
    """The prompt section that describes `tools` and the calling format."""
    parts = [
        f"## {t.name}\n{t.description}\nArguments (JSON schema): {json.dumps(t.parameters)}"
        for t in tools
    ]
    return INSTRUCTIONS.format(tools="\n\n".join(parts))


def render_call(call: ToolCall) -> str:
    body = (
        call.raw_arguments
        if call.parse_error
        else json.dumps({"name": call.name, "arguments": call.arguments})
    )
    return f"```tool\n{body}\n```"


def parse_tool_calls(reply: str, *, first_id: int = 0) -> tuple[str, tuple[ToolCall, ...]]:
    """(prose without the tool blocks, calls in order). Ids are 'text-<n>' from `first_id`."""
    calls: list[ToolCall] = []
    prose = reply
    for match in _BLOCK.finditer(reply):
        if match.group("xml") is not None:
            tag, body, closed = "tool", match.group("xml"), bool(match.group("xml_end"))
        else:
            tag, body, closed = match.group("tag").lower(), match.group("body"), bool(match["end"])
        if tag not in _TOOL_TAGS or (tag in ("json", "") and not _looks_like_call(body)):
            continue
        call = _parse_block(f"text-{first_id + len(calls)}", body, closed=closed)
        calls.append(call)
        prose = prose.replace(match.group(0), "", 1)
    return prose.strip(), tuple(calls)


def _looks_like_call(body: str) -> bool:
    """An untagged or json block is a call only if it names a tool and has arguments."""
    return bool(_NAME_HINT.search(body) and _ARGS_HINT.search(body))


def _parse_block(call_id: str, body: str, *, closed: bool) -> ToolCall:
    hint = _NAME_HINT.search(body)
    name = hint.group(1) if hint else "unknown"
    if not closed:
        return _failed(call_id, name, body, "the ```tool block is not closed with ```")
    start = body.find("{")
    try:
        value, _ = json.JSONDecoder().raw_decode(body[max(start, 0) :].strip())
    except json.JSONDecodeError as exc:
        return _failed(call_id, name, body, f"the block is not valid JSON ({exc.msg})")
    if not isinstance(value, dict):
        return _failed(call_id, name, body, "the block must hold one JSON object")
    name = next((value[k] for k in _NAME_KEYS if isinstance(value.get(k), str)), "")
    if not name:
        return _failed(call_id, "unknown", body, 'the object has no "name" string')
    arguments: Any = next((value[k] for k in _ARG_KEYS if k in value), {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return _failed(call_id, name, body, '"arguments" is a string, not a JSON object')
    if not isinstance(arguments, dict):
        return _failed(call_id, name, body, '"arguments" must be a JSON object')
    return ToolCall(id=call_id, name=name, arguments=arguments, raw_arguments=body)


def _failed(call_id: str, name: str, body: str, why: str) -> ToolCall:
    error = (
        f"could not read your tool call: {why}. Reply with a ```tool block holding "
        '{"name": ..., "arguments": {...}} and nothing else inside the block.'
    )
    return ToolCall(id=call_id, name=name, arguments={}, parse_error=error, raw_arguments=body)


def to_text_messages(messages: list[Message], tools: list[ToolSpec]) -> list[Message]:
    """The conversation without native tool fields: instructions in the system prompt, calls
    as fenced blocks in assistant text, tool results as user messages."""
    out: list[Message] = []
    for msg in messages:
        if msg.role == "assistant" and msg.tool_calls:
            text = "\n\n".join([msg.content, *map(render_call, msg.tool_calls)]).strip()
            out.append(Message(role="assistant", content=text, cache=msg.cache))
        elif msg.role == "tool":
            outcome = "Error from" if msg.is_error else "Result of"
            head = f"{outcome} tool call {msg.tool_call_id} ({msg.name or 'tool'}):"
            out.append(Message(role="user", content=f"{head}\n{msg.content}", cache=msg.cache))
        else:
            out.append(msg)
    if not tools:
        return out
    section = render_tools(tools)
    if out and out[0].role == "system":
        return [replace(out[0], content=f"{out[0].content}\n\n{section}"), *out[1:]]
    return [Message(role="system", content=section), *out]


class TextToolModel:
    """Wraps a model so that tools go through the prompt instead of the provider's tool API."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name = inner.name

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion:
        wire = to_text_messages(messages, tools)
        result = self.inner.complete(
            wire, [], max_tokens=max_tokens, temperature=temperature, limits=limits
        )
        seen = sum(len(m.tool_calls) for m in messages)
        prose, calls = parse_tool_calls(result.message.content, first_id=seen)
        message = Message(role="assistant", content=prose, tool_calls=calls)
        stop = result.stop_reason
        if calls and stop == "end_turn":
            stop = "tool_use"
        return replace(result, message=message, stop_reason=stop)
