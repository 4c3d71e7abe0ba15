"""MCP tools at replay: each call answered with the result recorded for it; no server contacted.

Why not call the servers again: at replay time they may not exist (another machine, CI, a
server since changed), and calling one again repeats its side effects (a ticket filed twice).
So the tools are rebuilt from the `mcp` entry of the trajectory's meta record (same names,
schemas and visibility, so dispatch treats each call as it did), and a call is answered with
the recorded observation of the first not yet used call of that tool with equal arguments
(else of that tool in order). What replay then checks is the agent's side: the same replies
lead to the same calls, in the same order, with the same outcomes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devagent.agent.trajectory import read_trajectory
from devagent.tools.base import Observation, Tool, ToolContext


@dataclass
class _Answer:
    arguments: str
    observation: Observation
    used: bool = False


def _canonical(arguments: Any) -> str:
    return json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=str)


def _answers(records: Iterable[dict[str, Any]]) -> dict[str, list[_Answer]]:
    """Per tool name, the observations its calls produced when the MCP tool itself ran."""
    calls: dict[str, Any] = {}
    answers: dict[str, list[_Answer]] = {}
    for record in records:
        if record.get("type") == "tool_call" and record.get("run", True):
            call = record.get("call") or {}
            calls[str(call.get("id"))] = call.get("arguments")
        elif record.get("type") == "observation" and "mcp" in (record.get("data") or {}):
            name = str(record.get("name"))
            observation = Observation(
                str(record.get("text", "")), bool(record.get("ok")), dict(record["data"])
            )
            arguments = _canonical(calls.get(str(record.get("tool_call_id"))))
            answers.setdefault(name, []).append(_Answer(arguments, observation))
    return answers


def _recorded(answers: list[_Answer], name: str) -> Any:
    def answer(args: dict[str, Any], ctx: ToolContext) -> Observation:
        del ctx
        wanted = _canonical(args)
        fresh = [a for a in answers if not a.used]
        match = next((a for a in fresh if a.arguments == wanted), fresh[0] if fresh else None)
        if match is None:
            return Observation.failure(f"{name}: the recording has no further result of it.")
        match.used = True
        return match.observation

    return answer


def recorded_mcp_tools(path: Path) -> dict[str, Tool]:
    """The MCP tools of the run recorded in `path`, answering from the recording ({} if none)."""
    records = list(read_trajectory(path))
    meta = next((r.get("meta") or {} for r in records if r.get("type") == "meta"), {})
    specs = (meta.get("mcp") or {}).get("tools") or []
    answers = _answers(records)
    tools = {}
    for spec in specs:
        name = str(spec["name"])
        fn = _recorded(answers.get(name, []), name)
        tools[name] = Tool(
            name,
            str(spec.get("description", "")),
            spec.get("parameters") or {"type": "object"},
            fn,
            listed=bool(spec.get("listed", True)),
            asks=bool(spec.get("asks", False)),
        )
    return tools
