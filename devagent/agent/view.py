"""The live view of a run, fed by trajectory records: a scrolling transcript of finished actions
(`✓ view src/x.py`, `✗ run pytest -q (exit 1)`, checks, the plan) above a status line whose clock
keeps ticking ("waiting for the model… 12s") and the budget bars.

It draws on the `rich.Console` the CLI hands it; it never opens the terminal itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from devagent.agent.actions import describe_call, describe_outcome, one_line
from devagent.units import amount, duration, stopwatch

PLAN_MARKS = {"done": "✓", "in_progress": "▸", "pending": "·"}
SHOWN_DURATION_S = 1.0
"""Actions that took longer than this show their time in the transcript."""


def _indent(agent: str) -> str:
    """Sub-agents indented by depth; a parallel attempt's lines ('0.a2...') tagged 'a2'."""
    pad = "  " * (agent.count(".") + 1)
    return f"{pad}{agent.split('.')[1]} " if agent.startswith("0.a") else pad


class LiveView:
    """A trajectory listener. Entering it arms it; the live part appears with the first record
    (after `before_start`, e.g. closing the setup's progress line) and refreshes on a timer."""

    def __init__(
        self,
        console: Console,
        *,
        clock: Callable[[], float] = time.monotonic,
        before_start: Callable[[], None] = lambda: None,
    ) -> None:
        self.console, self.clock, self.before_start = console, clock, before_start
        self.started: float | None = None
        self.step = 0
        self.doing = "starting"
        self.since = clock()
        self.budget: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, str] = {}
        self._armed = False
        self._live: Live | None = None
        self._lock = threading.RLock()

    # -- records ---------------------------------------------------------------------------

    def __call__(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self._armed and self._live is None:
                self._go_live()
            handler = getattr(self, f"_on_{record.get('type')}", None)
            if handler is not None:
                handler(record, str(record.get("agent", "0")))

    def _now_doing(self, what: str) -> None:
        self.doing, self.since = what, self.clock()

    def _line(self, agent: str, *parts: tuple[str, str] | str) -> None:
        self.console.print(Text.assemble(_indent(agent), *parts), highlight=False, soft_wrap=True)

    def _on_start(self, record: dict[str, Any], agent: str) -> None:
        if agent == "0":
            self.started = self.clock()
            self._line(agent, ("model ", "dim"), str(record.get("model", "?")))
            return
        goal = one_line(str((record.get("task") or {}).get("issue", "")))
        self._line(agent, ("↳ ", "magenta"), (f"agent {agent}: ", "bold"), goal)

    def _on_request(self, record: dict[str, Any], agent: str) -> None:
        self._now_doing("waiting for the model…")

    def _on_completion(self, record: dict[str, Any], agent: str) -> None:
        message = (record.get("completion") or {}).get("message") or {}
        text = str(message.get("content") or "").strip()
        if text:
            self._line(agent, (one_line(text), "dim italic"))
        self._now_doing("the model replied")

    def _on_tool_call(self, record: dict[str, Any], agent: str) -> None:
        call = record.get("call") or {}
        described = describe_call(str(call.get("name", "?")), call.get("arguments") or {})
        self.calls[f"{agent} {call.get('id')}"] = described  # attempts reuse scripted ids
        self._now_doing(described)

    def _on_observation(self, record: dict[str, Any], agent: str) -> None:
        key = f"{agent} {record.get('tool_call_id')}"
        described = self.calls.pop(key, str(record.get("name")))
        ok = bool(record.get("ok"))
        why = describe_outcome(ok, record.get("data"), str(record.get("text", "")))
        took = float(record.get("duration_s") or 0)
        self._line(
            agent,
            ("✓ ", "green") if ok else ("✗ ", "red"),
            (described, "cyan"),
            f" ({why})" if why else "",
            (f" · {duration(took)}", "dim") if took >= SHOWN_DURATION_S else "",
        )
        plan = (record.get("data") or {}).get("plan")
        if record.get("name") == "plan" and ok and isinstance(plan, list):
            for step in plan:
                mark = PLAN_MARKS.get(str(step.get("status")), "·")
                self._line(agent, f"    {mark} {one_line(str(step.get('step', '')))}")
        self._now_doing("working")

    def _on_check(self, record: dict[str, Any], agent: str) -> None:
        result = record.get("result") or {}
        failing = len(result.get("failing_ids") or [])
        extra = f" ({failing} failing)" if failing else ""
        command = one_line(str(result.get("command", "")))
        if record.get("phase") == "baseline":
            self._line(agent, ("· before any change: ", "dim"), command, extra)
            return
        ok = bool(result.get("passed"))
        mark = ("✓ check ", "green") if ok else ("✗ check ", "red")
        self._line(agent, mark, (command, "bold"), extra if not ok else "")

    def _on_budget(self, record: dict[str, Any], agent: str) -> None:
        if agent == "0":
            self.budget = record.get("budget") or {}
            self.step = int((self.budget.get("steps") or {}).get("used", self.step))

    def _on_end(self, record: dict[str, Any], agent: str) -> None:
        status = str(record.get("status", ""))
        if agent != "0":
            self._line(agent, ("↳ ", "magenta"), f"agent {agent} ended: {status}")
            return
        self._now_doing(f"{status} — {one_line(str(record.get('reason', '')))}".rstrip(" —"))

    # -- the live part ---------------------------------------------------------------------

    def status_line(self) -> Text:
        """`step 4 · waiting for the model… · 12s · 1m03s in all` (steps taken so far)."""
        now = self.clock()
        total = f" · {stopwatch(now - self.started)} in all" if self.started is not None else ""
        return Text.assemble(
            (f"step {self.step} · ", "bold"),
            self.doing,
            (f" · {stopwatch(now - self.since)}", "yellow"),
            (total, "dim"),
        )

    def _used(self, kind: str, entry: Mapping[str, Any]) -> float:
        if kind == "time" and self.started is not None:
            return self.clock() - self.started
        return float(entry.get("used", 0))

    def render(self) -> RenderableType:
        bars = Table.grid(padding=(0, 2))
        for kind, entry in self.budget.items():
            used, limit = self._used(kind, entry), entry.get("limit")
            label = "$" if kind == "usd" else kind
            if limit is None:
                bars.add_row(label, Text("unlimited", style="dim"), amount(kind, used))
                continue
            total = max(float(limit), 1e-9)
            bar = ProgressBar(total=total, completed=min(used, total), width=30)
            bars.add_row(label, bar, f"{amount(kind, used)} / {amount(kind, float(limit))}")
        line = self.status_line()
        line.truncate(max(self.console.width, 10), overflow="ellipsis")  # a live line must not wrap
        return Group(line, bars)

    def _go_live(self) -> None:
        self.before_start()
        self._live = Live(
            get_renderable=self.render, console=self.console, refresh_per_second=4, transient=True
        )
        self._live.start()

    def __enter__(self) -> LiveView:
        self._armed = True
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._armed = False
            if self._live is not None:
                self._live.stop()
                self._live = None
