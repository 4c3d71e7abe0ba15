"""What the model reads of MCP tools: names, descriptions, schemas, result text. Pure."""

from __future__ import annotations

import json
import re
from typing import Any

from devagent.tools.run import MAX_OUTPUT_CHARS

PREFIX = "mcp__"
MAX_NAME = 64
"""The longest tool name the model providers accept."""
MAX_DESCRIPTION = 1024
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def tool_name(server: str, tool: str) -> str:
    """`mcp__<server>__<tool>`: the name the model calls a server's tool by."""
    return f"{PREFIX}{server}__{tool}"


def name_problem(server: str, tool: str) -> str | None:
    """Why a server's tool cannot be offered under its `mcp__` name, or None."""
    if not _TOOL_NAME.match(tool):
        return f"its name {tool!r} has characters a model's tool name may not hold"
    if len(tool_name(server, tool)) > MAX_NAME:
        return f"{tool_name(server, tool)} is longer than {MAX_NAME} characters"
    return None


def description(server: str, text: str | None) -> str:
    body = " ".join((text or "").split()) or "(no description)"
    if len(body) > MAX_DESCRIPTION:
        body = body[: MAX_DESCRIPTION - 3] + "..."
    return f"[MCP server {server}] {body}"


def object_schema(schema: Any) -> dict[str, Any]:
    """The tool's input schema when it is an object schema, else one taking any object."""
    if isinstance(schema, dict) and schema.get("type") == "object":
        return schema
    return {"type": "object"}


def _block_text(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind in ("image", "audio"):
        size = len(str(block.get("data", ""))) * 3 // 4
        return f"[{kind}: {block.get('mimeType', '?')}, {size} bytes, not shown]"
    if kind == "resource_link":
        return f"[resource link: {block.get('uri', '?')}]"
    if kind == "resource":
        resource = block.get("resource") or {}
        if "text" in resource:
            return str(resource["text"])
        return f"[resource {resource.get('uri', '?')}: binary, not shown]"
    return f"[{kind} content, not shown]"


def result_text(result: dict[str, Any]) -> str:
    """A `tools/call` result (as JSON) as text: its content blocks, else its structured content."""
    parts = [_block_text(block) for block in result.get("content") or []]
    text = "\n".join(part for part in parts if part)
    if not text and result.get("structuredContent") is not None:
        text = json.dumps(result["structuredContent"], ensure_ascii=False)
    return text or "(no content)"


def clip(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """`text` within the tool output cap, the cut said in it (head and tail kept; the whole
    stays within `limit`, so that the context does not trim it again)."""
    if len(text) <= limit:
        return text
    note = (
        f"\n[... {len(text):,} chars in all, the middle cut: the tool output cap is {limit:,}; "
        "ask the tool for less ...]\n"
    )
    room = max(limit - len(note), 0)
    head, tail = text[: room // 4], text[len(text) - (room - room // 4) :]
    return f"{head}{note}{tail}"
