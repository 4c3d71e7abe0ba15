"""The live view of a run, fed by trajectory records: step, action, budget bars, last check.

It draws on the `rich.Console` the CLI hands it; it never opens the terminal itself.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text


def _action(call: dict[str, Any]) -> str:
    args = call.get("arguments") or {}
    shown = args.get("command") or args.get("path") or args.get("goal") or json.dumps(args)
    return f"{call.get('name', '?')} {str(shown).splitlines()[0][:80] if shown else ''}".strip()


def _amount(kind: str, value: float) -> str:
    if kind == "usd":
        return f"${value:.3f}"
    if kind == "time":
        return f"{value:.0f}s"
    return f"{value:g}"


class LiveView:
    """A trajectory listener that keeps a small status panel up to date."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.step = 0
        self.agent = "0"
        self.action = "starting"
        self.budget: dict[str, dict[str, Any]] = {}
        self.last_check = "none yet"
        self.status = "running"
        self._live: Live | None = None

    def __call__(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        self.agent, self.step = record.get("agent", self.agent), record.get("step", self.step)
        if kind == "tool_call":
            self.action = _action(record.get("call", {}))
        elif kind == "budget" and record.get("agent") == "0":
            self.budget = record.get("budget", {})
        elif kind == "check":
            result = record.get("result", {})
            mark = "PASS" if result.get("passed") else "FAIL"
            failing = len(result.get("failing_ids") or [])
            extra = f" ({failing} failing)" if failing else ""
            self.last_check = f"{mark} {result.get('command', '')}{extra}"
        elif kind == "end" and record.get("agent") == "0":
            self.status = f"{record.get('status')} — {record.get('reason', '')}"
        if self._live is not None:
            self._live.update(self.render())

    def render(self) -> RenderableType:
        head = Table.grid(padding=(0, 2))
        head.add_row(Text("step", style="bold"), f"{self.step} (agent {self.agent})")
        head.add_row(Text("action", style="bold"), self.action)
        head.add_row(Text("last check", style="bold"), self.last_check)
        head.add_row(Text("status", style="bold"), self.status)
        bars = Table.grid(padding=(0, 2))
        for kind, entry in self.budget.items():
            used, limit = float(entry.get("used", 0)), entry.get("limit")
            if limit is None:
                bars.add_row(kind, Text("unlimited", style="dim"), _amount(kind, used))
                continue
            bar = ProgressBar(
                total=max(float(limit), 1e-9), completed=min(used, float(limit)), width=30
            )
            bars.add_row(kind, bar, f"{_amount(kind, used)} / {_amount(kind, float(limit))}")
        return Group(head, bars)

    def __enter__(self) -> LiveView:
        self._live = Live(self.render(), console=self.console, refresh_per_second=4)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None
