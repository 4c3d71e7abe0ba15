"""A run's trajectory records grouped into steps and marked events, per agent lane. Pure.

A step is one model completion with the tool calls it made and their observations; an event
is any other record worth showing (a check, a loop-check detection, a budget warning, a note,
a hook, a person's message in a chat). The main agent is lane "0"; sub-agents and parallel
attempts have labels such as "0.1" and get their own lanes. Linear in the number of records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Record = Mapping[str, Any]

EVENT_TYPES = frozenset(
    {"check", "stuck", "note", "hook", "instructions", "resume", "user", "decision",
     "command", "undo", "clear"}
)  # fmt: skip
"""Records shown in the timeline besides the steps."""

BUDGET_WARNING = "Budget warning"
"""How the note that tells the model to wrap up begins (prompts/wrap_up.j2)."""


@dataclass
class Step:
    """One completion of one agent, the calls it made and what they returned."""

    agent: str
    number: int
    """The agent's own step count (1-based)."""
    text: str = ""
    """What the model said besides its tool calls."""
    calls: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Observation records by tool call id."""
    input_tokens: int = 0
    """The context sent with this request (the provider's count)."""
    output_tokens: int = 0
    cost_usd: float = 0.0
    started: float = 0.0
    ended: float = 0.0

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 0.0)


@dataclass
class Event:
    """A record shown in a lane between steps."""

    agent: str
    kind: str
    """The record type, or 'budget_warning' for the wrap-up note."""
    record: dict[str, Any]


@dataclass
class Timeline:
    """Steps and events in the order they happened, and the lanes they belong to."""

    entries: list[Step | Event] = field(default_factory=list)
    lanes: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[Step]:
        return [e for e in self.entries if isinstance(e, Step)]

    def marks(self) -> dict[int, str]:
        """Stuck detections and budget warnings by the (1-based, all lanes) step they follow."""
        marks: dict[int, str] = {}
        done = 0
        for entry in self.entries:
            if isinstance(entry, Step):
                done += 1
            elif entry.kind in ("stuck", "budget_warning"):
                what = entry.record.get("pattern", "") if entry.kind == "stuck" else ""
                text = f"stuck: {what}" if entry.kind == "stuck" else "budget warning"
                marks[max(done, 1)] = f"{marks[done]}; {text}" if done in marks else text
        return marks


def build_timeline(records: Iterable[Record]) -> Timeline:
    """The timeline of a run's records (any order of agents; a torn run is fine)."""
    timeline = Timeline()
    open_steps: dict[str, Step] = {}
    asked: dict[str, float] = {}
    for record in records:
        agent = str(record.get("agent", "0"))
        if agent not in timeline.lanes and record.get("type") not in ("meta", "start", "end"):
            timeline.lanes.append(agent)
        _add(timeline, record, agent, open_steps, asked)
    timeline.lanes.sort(key=lambda label: [int(p) if p.isdigit() else 0 for p in label.split(".")])
    return timeline


def _add(
    timeline: Timeline,
    record: Record,
    agent: str,
    open_steps: dict[str, Step],
    asked: dict[str, float],
) -> None:
    kind, ts = str(record.get("type", "")), float(record.get("ts") or 0.0)
    step = open_steps.get(agent)
    if kind == "request":
        asked[agent] = ts
    elif kind == "completion":
        step = _step(record, agent, asked.pop(agent, None), ts)
        open_steps[agent] = step
        timeline.entries.append(step)
    elif kind == "tool_call" and step is not None:
        step.calls.append(dict(record.get("call") or {}))
        step.ended = max(step.ended, ts)
    elif kind == "observation" and step is not None:
        step.observations[str(record.get("tool_call_id", ""))] = dict(record)
        step.ended = max(step.ended, ts)
    elif kind in EVENT_TYPES:
        text = str(record.get("text", ""))
        shown = "budget_warning" if kind == "note" and text.startswith(BUDGET_WARNING) else kind
        timeline.entries.append(Event(agent, shown, dict(record)))


def _step(record: Record, agent: str, asked: float | None, ts: float) -> Step:
    completion = record.get("completion") or {}
    message = completion.get("message") or {}
    usage = completion.get("usage") or {}
    latency = float(completion.get("latency_s") or 0.0)
    return Step(
        agent=agent,
        number=int(record.get("step", 0)) + 1,
        text=str(message.get("content") or ""),
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        cost_usd=float(completion.get("cost_usd") or 0.0),
        started=asked if asked is not None else ts - latency,
        ended=ts,
    )
