"""Dispatch one model tool call to its tool; every model mistake becomes a failed observation."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from typing import Any

from devagent.agent.prompts import render
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.names import escape_name
from devagent.tools.paths import PathError

_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def argument_problem(schema: Mapping[str, Any], args: Mapping[str, Any]) -> str | None:
    """What is wrong with `args` against an object schema's required keys and top-level types."""
    missing = [key for key in schema.get("required", []) if key not in args]
    if missing:
        return f"missing required argument(s): {', '.join(missing)}"
    for key, value in args.items():
        expected = schema.get("properties", {}).get(key, {}).get("type")
        python_type = _JSON_TYPES.get(expected) if isinstance(expected, str) else None
        if python_type is None:
            continue
        wrong_bool = isinstance(value, bool) and expected in ("integer", "number")
        if wrong_bool or not isinstance(value, python_type):
            return f"argument '{key}' should be of type {expected}, got {type(value).__name__}"
    return None


def dispatch(call: ToolCall, tools: Mapping[str, Tool], ctx: ToolContext) -> Observation:
    """Run the tool a call names, or explain to the model why it could not be run."""
    if call.parse_error is not None:
        raw = (call.raw_arguments or "")[:2000]
        return Observation.failure(
            render("malformed_call.j2", name=call.name, error=call.parse_error, raw=raw)
        )
    tool = tools.get(call.name)
    if tool is None:
        closest = difflib.get_close_matches(call.name, list(tools), n=1, cutoff=0.5)
        return Observation.failure(
            render(
                "unknown_tool.j2",
                name=call.name,
                closest=closest[0] if closest else "",
                known=sorted(tools),
            )
        )
    problem = argument_problem(tool.parameters, call.arguments)
    if problem is not None:
        schema = json.dumps(tool.parameters, ensure_ascii=False)
        return Observation.failure(
            render("bad_arguments.j2", name=call.name, problem=problem, schema=schema)
        )
    try:
        return tool(call.arguments, ctx)
    except PathError as exc:
        return Observation.failure(str(exc))
    except OSError as exc:
        return Observation.failure(os_error_text(call.name, exc))


def os_error_text(tool: str, exc: OSError) -> str:
    """What the model reads when the file system refused a tool (it may have half done its work:
    e.g. a process in the sandbox changed the files meanwhile)."""
    reason = exc.strerror or type(exc).__name__
    name = f" ({escape_name(os.path.basename(os.fsdecode(exc.filename)))})" if exc.filename else ""
    return (
        f"{tool} failed: the file system said {reason!r}{name}. Files may have changed while it "
        "ran; view them before trying again."
    )
