"""Hooks at replay: each event answered with the decisions recorded for it; nothing runs.

Why not run them again: a host hook must never run from a trajectory file (it is not the
person's config), and a sandbox hook may depend on time or state. What replay checks is the
agent's side: the same replies meet the same decisions. Runs are found by event, tool and call
id; the runs of one event are consecutive records whose `index` counts up from 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devagent.agent.hookrun import Hooks, HookSession
from devagent.agent.hooks import Event, HookRun, Verdict


class RecordedHooks(Hooks):
    """Answers each event with the decisions the trajectory's `hook` records hold."""

    def __init__(self, records: Iterable[dict[str, Any]]) -> None:
        super().__init__()
        self.recorded: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for rec in records:
            if rec.get("type") == "hook":
                key = (str(rec.get("event")), str(rec.get("tool")), str(rec.get("call_id")))
                self.recorded.setdefault(key, []).append(rec)

    def fire(
        self, event: Event, tool: str, call_id: str, fields: dict[str, Any], at: HookSession
    ) -> Verdict | None:
        del fields
        queue = self.recorded.get((event, tool, call_id), [])
        found = None
        while queue and (found is None or queue[0].get("index", 0) != 0):
            rec = queue.pop(0)
            fields = {k: v for k, v in rec.items() if k in HookRun.__dataclass_fields__}
            self.runs.append(fields)
            at.record("hook", **fields, replayed=True)
            found = found or Verdict("allow")
            if rec.get("decision") == "block" and event != "Stop":
                return Verdict("block", str(rec.get("reason", "")))
        return None
