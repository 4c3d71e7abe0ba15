"""The headless event stream, version 1: the typed events `solve --events jsonl` and `bench
--events jsonl` write, one JSON object per line.

Every event carries `v` (the schema version, raised only by a change that breaks a reader),
`type`, `ts` (epoch seconds) and, in a bench, `task` (the task id). The JSON schema generated
from these models is `events.schema.json` next to this module (`python -m
devagent.agent.events` prints it). Events are made from trajectory records after redaction
(`devagent.agent.eventstream`), so they hold no more than the trajectory does.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

VERSION = 1
"""The schema version every event carries in `v`."""


class BaseEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    v: Literal[1] = 1
    """The schema version."""
    ts: float
    """When it happened, in epoch seconds."""
    task: str | None = None
    """The bench task the event belongs to (bench only; absent in a solve)."""


class StartEvent(BaseEvent):
    """The agent took the task (after a resume: took it up again)."""

    type: Literal["start"] = "start"
    model: str
    repo: str | None = None
    base: str | None = None
    """The commit the run starts from."""
    image: str | None = None
    tools: list[str]
    checks: list[str]
    """The goal checks (empty: the test command plus a reproduction test)."""
    budget: dict[str, int | float | None]
    """The limits: max_steps, max_tokens, max_usd, max_time_s (null: unlimited)."""


class ResumeEvent(BaseEvent):
    """The run goes on from an earlier one (`solve --resume`)."""

    type: Literal["resume"] = "resume"
    from_status: str
    """How the earlier run ended (`interrupted` when it recorded no end)."""
    spent: dict[str, int | float]
    """What the earlier run used: steps, tokens, usd, time (seconds)."""
    patch_bytes: int
    """Size of the workspace patch put back before the run goes on."""


class ToolCallEvent(BaseEvent):
    """A tool call is about to run."""

    type: Literal["tool_call"] = "tool_call"
    agent: str
    """'0' for the main agent, '0.1' for its first sub-agent."""
    step: int
    id: str
    name: str
    action: str
    """One line: the tool and its main argument (command, path, goal)."""


class CallSummary(BaseModel):
    """One tool call of a step and what it returned."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    id: str
    name: str
    action: str
    ran: bool
    """False when the call was answered without running (the run was stopping)."""
    ok: bool | None = None
    observation: str = ""
    """The first line of what the tool returned, cut to 200 characters."""
    duration_s: float | None = None


class CheckVerdict(BaseModel):
    """A goal check run on `submit`."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    command: str
    passed: bool
    exit_code: int
    failing: list[str]
    """Failing test ids, when the output names them."""


class StepEvent(BaseEvent):
    """One model call and everything it led to: tool calls, observations, checks (sent once
    the step is over: `ts` is when the next one began or the run ended)."""

    type: Literal["step"] = "step"
    agent: str
    step: int
    """The agent's step number (1 for its first model call)."""
    text: str
    """The model's words with its calls, cut to 500 characters."""
    calls: list[CallSummary]
    checks: list[CheckVerdict]
    """The verdict when the step submitted (empty otherwise)."""
    stuck: str | None = None
    """What the loop watch saw after the step, if anything."""
    input_tokens: int
    output_tokens: int
    cost_usd: float
    budget_left: dict[str, int | float | None]
    """Left after the step: steps, tokens, usd, time (seconds); null: unlimited."""


class EndEvent(BaseEvent):
    """The agent's run ended."""

    type: Literal["end"] = "end"
    status: str
    """solved, unsolved, budget_exhausted, error, interrupted or stuck."""
    reason: str
    steps: int
    tokens: int
    cost_usd: float
    duration_s: float


class ResultEvent(BaseEvent):
    """The last event of `solve`: the outcome and where its files are."""

    type: Literal["result"] = "result"
    status: str
    solved: bool
    reason: str
    exit_code: int
    """What the process exits with: 0 solved, 1 not, 2 error."""
    out: str
    """The run folder (give it to `solve --resume` to go on)."""
    patch: str
    report: str
    trajectory: str
    steps: int
    tokens: int
    cost_usd: float
    duration_s: float
    delivered: dict[str, str] = Field(default_factory=dict)
    """What --apply, --branch or --pr did (e.g. branch, pull_request)."""


class ErrorEvent(BaseEvent):
    """The command failed before it had a result (the last event then)."""

    type: Literal["error"] = "error"
    message: str


class TaskResultEvent(BaseEvent):
    """A bench task is graded (`task` names it)."""

    type: Literal["task_result"] = "task_result"
    status: str
    """resolved, unresolved, broken or error."""
    agent_status: str
    reason: str
    steps: int
    tokens: int
    cost_usd: float
    wall_s: float


class BenchResultEvent(BaseEvent):
    """The last event of `bench`: the totals and where the report is."""

    type: Literal["bench_result"] = "bench_result"
    model: str
    totals: dict[str, Any]
    results: str
    report: str
    wall_s: float


Event = Annotated[
    StartEvent
    | ResumeEvent
    | ToolCallEvent
    | StepEvent
    | EndEvent
    | ResultEvent
    | ErrorEvent
    | TaskResultEvent
    | BenchResultEvent,
    Field(discriminator="type"),
]
"""Any event of version 1, told apart by `type`."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(line: str) -> Event:
    """One line of the stream as its typed event (`pydantic.ValidationError` if it is not)."""
    return EVENT_ADAPTER.validate_json(line)


def event_line(event: BaseEvent) -> str:
    """The event as one line of JSON (`task` left out outside a bench)."""
    data = event.model_dump(mode="json", exclude={"task"} if event.task is None else set())
    return json.dumps(data, ensure_ascii=False)


def event_schema() -> dict[str, Any]:
    """The JSON schema of every version-1 event."""
    schema = EVENT_ADAPTER.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"devagent event, version {VERSION}",
        **schema,
    }


def schema_text() -> str:
    """`events.schema.json` as it must read."""
    return json.dumps(event_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m devagent.agent.events > devagent/agent/events.schema.json
    print(schema_text(), end="")
