"""The step timeline as HTML: one column per agent lane, one row per step or event, in order.
Pure; long arguments and observations fold."""

from __future__ import annotations

import json
from typing import Any

from devagent.pages.shell import Markup, esc, excerpt, fold, join, tag
from devagent.pages.timeline import Event, Step, Timeline
from devagent.units import count, duration, usd

PHASES = {"precheck": "before the change:", "baseline": "baseline:"}
"""How checks run before the agent's change are labelled (their failing is expected)."""
ARGS_CHARS = 160
"""Tool arguments longer than this (as JSON) fold."""


def lane_name(label: str) -> str:
    """'main agent' for "0"; 'sub-agent 0.1' for the others."""
    return "main agent" if label == "0" else f"sub-agent {label}"


def render_lanes(timeline: Timeline) -> Markup:
    """The timeline table; a note when nothing happened."""
    if not timeline.entries:
        return tag("p", "No steps were recorded.", cls="muted")
    lanes = timeline.lanes or ["0"]
    head = tag("tr", join(tag("th", lane_name(label)) for label in lanes))
    rows = [head]
    for entry in timeline.entries:
        cell = _step(entry) if isinstance(entry, Step) else _event(entry)
        column = lanes.index(entry.agent) if entry.agent in lanes else 0
        cells = [tag("td", cell if i == column else "") for i in range(len(lanes))]
        rows.append(tag("tr", join(cells)))
    return tag("table", join(rows), cls="lanes")


def _step(step: Step) -> Markup:
    facts = (
        f"{count(step.input_tokens)} in · {count(step.output_tokens)} out · "
        f"{usd(step.cost_usd)} · {duration(step.seconds)}"
    )
    head = tag("div", join([f"step {step.number} ", tag("span", facts, cls="muted")]), cls="head")
    said = tag("p", step.text) if step.text.strip() else ""
    calls = [_call(call, step.observations.get(str(call.get("id", "")))) for call in step.calls]
    return tag("div", join([head, said, *calls]), cls="step", id=f"step-{step.agent}-{step.number}")


def _call(call: dict[str, Any], observation: dict[str, Any] | None) -> Markup:
    name = str(call.get("name", "?"))
    args = json.dumps(call.get("arguments") or {}, ensure_ascii=False)
    if len(args) > ARGS_CHARS:
        whole = json.dumps(call.get("arguments"), indent=2, ensure_ascii=False)
        shown = fold(join([tag("code", name), esc(f" {args[:ARGS_CHARS]} …")]), tag("pre", whole))
    else:
        shown = tag("div", join([tag("code", name), esc(" "), tag("code", args, cls="muted")]))
    if observation is None:
        return join([shown, tag("p", "(no observation recorded)", cls="muted")])
    ok = observation.get("ok", True)
    mark = "" if ok else tag("span", "failed", cls="badge fail")
    return join([shown, mark, excerpt(str(observation.get("text", "")))])


def _event(event: Event) -> Markup:
    record = event.record
    kind = event.kind
    if kind == "stuck":
        what = f"{record.get('pattern', '')}: {record.get('detail', '')}"
        text = f"{what} → {record.get('response', '')}"
        return _marked("stuck", "loop check", text)
    if kind == "budget_warning":
        return _marked("warn", "budget warning", str(record.get("text", "")))
    if kind == "check":
        result = record.get("result") or {}
        passed = bool(result.get("passed"))
        phase = PHASES.get(str(record.get("phase", "")), "check")
        ids = ", ".join(result.get("failing_ids") or [])
        text = f"{result.get('command', '')} → exit {result.get('exit_code')}" + (
            f"; failing: {ids}" if ids else ""
        )
        cls = "pass" if passed else "note" if phase != "check" else "fail"
        return _marked(cls, f"{phase} {'passed' if passed else 'failed'}", text)
    if kind == "user":
        return _marked("pass", "person", str(record.get("text", "")))
    return _marked("note", kind, _event_text(record))


def _event_text(record: dict[str, Any]) -> str:
    for key in ("text", "command", "decision", "reason", "path"):
        if record.get(key):
            return str(record[key])
    shown = {k: v for k, v in record.items() if k not in ("type", "agent", "step", "ts")}
    return json.dumps(shown, ensure_ascii=False, default=str)


def _marked(cls: str, label: str, text: str) -> Markup:
    badge = tag("span", label, cls=f"badge {cls}")
    return tag("div", join([badge, excerpt(text, chars=300, lines=4)]), cls=f"event {cls}")
