"""The stuck detector's step records, built from the loop's tool calls and observations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from devagent.agent.calls import argument_problem
from devagent.agent.stuck import Action, StepRecord
from devagent.agent.text import normalize_for_compare
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation, Tool

READ_ONLY_TOOLS = frozenset({"view", "search", "find_symbol", "repo_map", "plan", "submit"})
"""Tools that never change the workspace: after a step of only these, its patch is not read."""
TEST_TOOLS = frozenset({"run_tests", "submit"})
"""Tools whose observation is a test result."""
NO_CALL = Action(name="", arguments="", outcome="(no tool call)", ok=False, malformed=True)
"""A reply without any tool call: counted with the malformed calls."""

Seen = Sequence[tuple[ToolCall, Observation]]


def is_malformed(call: ToolCall, tools: Mapping[str, Tool]) -> bool:
    """The call could not be run as sent: unparsable, an unknown tool, or bad arguments."""
    tool = tools.get(call.name)
    if call.parse_error is not None or tool is None:
        return True
    return argument_problem(tool.parameters, call.arguments) is not None


def action_of(call: ToolCall, observation: Observation, tools: Mapping[str, Tool]) -> Action:
    arguments = json.dumps(call.arguments, sort_keys=True, ensure_ascii=False, default=str)
    return Action(
        name=call.name,
        arguments=arguments,
        outcome=normalize_for_compare(observation.text),
        ok=observation.ok,
        malformed=is_malformed(call, tools),
        test_result=call.name in TEST_TOOLS,
    )


def step_record(seen: Seen, tools: Mapping[str, Tool], patch: str | None) -> StepRecord:
    """One step: its calls in order (or `NO_CALL`), and the patch digest read after it."""
    actions = tuple(action_of(call, observation, tools) for call, observation in seen)
    return StepRecord(actions or (NO_CALL,), patch)


def may_change_files(seen: Seen) -> bool:
    return any(call.name not in READ_ONLY_TOOLS for call, _ in seen)
