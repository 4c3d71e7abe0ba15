"""Trajectory records to events (`EventTranslator`, a trajectory listener) and events to
lines (`JsonlWriter`, thread-safe: bench tasks and sub-agents write from several threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from devagent.agent.events import (
    BaseEvent,
    CallSummary,
    CheckVerdict,
    EndEvent,
    ResumeEvent,
    StartEvent,
    StepEvent,
    ToolCallEvent,
    event_line,
)
from devagent.agent.redact import Redactor

Emit = Callable[[BaseEvent], None]


def action(call: dict[str, Any]) -> str:
    """A call on one line: its tool and main argument, cut to 120 characters."""
    args = call.get("arguments") or {}
    if not isinstance(args, dict):
        args = {}
    shown = args.get("command") or args.get("path") or args.get("goal") or args.get("summary")
    first = str(shown).splitlines()[0] if shown else ""
    return f"{call.get('name', '?')} {first}".strip()[:120]


def _first_line(text: str, limit: int = 200) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0][:limit] if lines else ""


def budget_left(snapshot: dict[str, Any]) -> dict[str, float | None]:
    """`Budget.snapshot()` as what is left of each limit (None: unlimited)."""
    left: dict[str, float | None] = {}
    for kind, entry in snapshot.items():
        limit = entry.get("limit")
        left[kind] = None if limit is None else round(max(limit - entry.get("used", 0), 0), 6)
    return left


@dataclass
class _Step:
    """A step being gathered until the agent's next model call (or its end)."""

    agent: str
    step: int
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: dict[str, CallSummary] = field(default_factory=dict)
    checks: list[CheckVerdict] = field(default_factory=list)
    stuck: str | None = None
    budget_left: dict[str, float | None] = field(default_factory=dict)

    def charge(self, completion: dict[str, Any]) -> None:
        usage = completion.get("usage") or {}
        self.input_tokens += int(usage.get("input_tokens", 0))
        self.output_tokens += int(usage.get("output_tokens", 0))
        self.cost_usd = round(self.cost_usd + float(completion.get("cost_usd", 0.0)), 6)

    def event(self, task: str | None, ts: float) -> StepEvent:
        return StepEvent(
            ts=ts,
            task=task,
            agent=self.agent,
            step=self.step,
            text=self.text[:500],
            calls=list(self.calls.values()),
            checks=self.checks,
            stuck=self.stuck,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd,
            budget_left=self.budget_left,
        )


class EventTranslator:
    """A trajectory listener: emits `start`, `resume`, `tool_call`, one `step` per model call
    (once the step is over: at the agent's next model call or its end) and `end`."""

    def __init__(self, emit: Emit, task: str | None = None) -> None:
        self.emit, self.task = emit, task
        self._meta: dict[str, Any] = {}
        self._asked: set[str] = set()
        self._steps: dict[str, _Step] = {}
        self._lock = threading.Lock()

    def __call__(self, record: dict[str, Any]) -> None:
        handler = getattr(self, f"_on_{record.get('type')}", None)
        if handler is not None:
            with self._lock:
                handler(record, str(record.get("agent", "0")))

    def _on_meta(self, record: dict[str, Any], agent: str) -> None:
        self._meta = dict(record.get("meta") or {})

    def _on_resume(self, record: dict[str, Any], agent: str) -> None:
        self._meta = dict(record.get("meta") or self._meta)
        self.emit(
            ResumeEvent(
                ts=record["ts"],
                task=self.task,
                from_status=str(record.get("from_status", "")),
                spent=record.get("spent") or {},
                patch_bytes=int(record.get("patch_bytes", 0)),
            )
        )

    def _on_start(self, record: dict[str, Any], agent: str) -> None:
        if agent != "0":
            return
        task = record.get("task") or {}
        budget = record.get("budget") or {}
        self.emit(
            StartEvent(
                ts=record["ts"],
                task=self.task,
                model=str(record.get("model", "")),
                repo=self._meta.get("repo"),
                base=self._meta.get("base"),
                image=self._meta.get("image"),
                tools=list(record.get("tools") or []),
                checks=list(task.get("checks") or []),
                budget={k: v for k, v in budget.items() if k.startswith("max_")},
            )
        )

    def _on_request(self, record: dict[str, Any], agent: str) -> None:
        self._flush(agent, record["ts"])
        self._asked.add(agent)

    def _on_completion(self, record: dict[str, Any], agent: str) -> None:
        completion = record.get("completion") or {}
        if agent in self._asked:  # a step's reply (a summary's has no request record)
            self._asked.discard(agent)
            message = completion.get("message") or {}
            text = str(message.get("content") or "")
            step = int(record.get("step", 0)) + 1  # recorded before the step is counted
            self._steps[agent] = _Step(agent, step, text)
        current = self._steps.get(agent)
        if current is not None:
            current.charge(completion)

    def _on_budget(self, record: dict[str, Any], agent: str) -> None:
        if agent in self._steps:
            self._steps[agent].budget_left = budget_left(record.get("budget") or {})

    def _on_tool_call(self, record: dict[str, Any], agent: str) -> None:
        call = record.get("call") or {}
        summary = CallSummary(
            id=str(call.get("id", "")),
            name=str(call.get("name", "")),
            action=action(call),
            ran=record.get("run", True) is not False,
        )
        if agent in self._steps:
            self._steps[agent].calls[summary.id] = summary
        if summary.ran:
            step = int(record.get("step", 0))
            self.emit(
                ToolCallEvent(
                    ts=record["ts"],
                    task=self.task,
                    agent=agent,
                    step=step,
                    id=summary.id,
                    name=summary.name,
                    action=summary.action,
                )
            )

    def _on_observation(self, record: dict[str, Any], agent: str) -> None:
        current = self._steps.get(agent)
        if current is None:
            return
        call_id = str(record.get("tool_call_id", ""))
        name = str(record.get("name", ""))
        known = current.calls.get(call_id) or CallSummary(
            id=call_id, name=name, action=name, ran=False
        )
        current.calls[call_id] = known.model_copy(
            update={
                "ok": bool(record.get("ok")),
                "observation": _first_line(str(record.get("text", ""))),
                "duration_s": record.get("duration_s"),
            }
        )

    def _on_check(self, record: dict[str, Any], agent: str) -> None:
        current = self._steps.get(agent)
        if current is None or record.get("phase") == "baseline":
            return
        result = record.get("result") or {}
        current.checks.append(
            CheckVerdict(
                command=str(result.get("command", "")),
                passed=bool(result.get("passed")),
                exit_code=int(result.get("exit_code", -1)),
                failing=[str(t) for t in result.get("failing_ids") or []],
            )
        )

    def _on_stuck(self, record: dict[str, Any], agent: str) -> None:
        if agent in self._steps:
            self._steps[agent].stuck = str(record.get("detail", record.get("pattern", "")))

    def _on_end(self, record: dict[str, Any], agent: str) -> None:
        self._flush(agent, record["ts"])
        self._asked.discard(agent)
        if agent != "0":
            return
        usage = record.get("usage") or {}
        self.emit(
            EndEvent(
                ts=record["ts"],
                task=self.task,
                status=str(record.get("status", "")),
                reason=str(record.get("reason", "")),
                steps=int(record.get("steps", 0)),
                tokens=int(usage.get("total_tokens", 0)),
                cost_usd=float(record.get("cost_usd", 0.0)),
                duration_s=float(record.get("duration_s", 0.0)),
            )
        )

    def _flush(self, agent: str, ts: float) -> None:
        """Emit the agent's step, over at `ts` (its next model call or its end)."""
        current = self._steps.pop(agent, None)
        if current is not None:
            self.emit(current.event(self.task, ts))


class JsonlWriter:
    """Writes events to `stream`, one line each, flushed per line; a lock keeps lines whole
    when several threads write. `redactor` passes over every line (the result's texts come
    from outside the trajectory)."""

    def __init__(self, stream: IO[str], redactor: Redactor | None = None) -> None:
        self.stream = stream
        self.redactor = redactor or Redactor()
        self._lock = threading.Lock()

    def write(self, event: BaseEvent) -> None:
        line = self.redactor.text(event_line(event))
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()
