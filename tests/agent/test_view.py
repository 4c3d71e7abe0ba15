"""The live solve view as a person sees it: a transcript of finished actions, a status line whose
clock ticks between events, "waiting for the model" while a request is out, the budget bars."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from devagent.agent.actions import describe_call, describe_outcome
from devagent.agent.budget import BudgetConfig
from devagent.agent.task import Task
from devagent.agent.view import LiveView
from devagent.llm.types import Completion, Message, ToolSpec
from tests.agent.fakes import CHECK, FIXED_CALC, ScriptedTestModel, call, make_agent, tiny_repo


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class WatchedModel(ScriptedTestModel):
    """A scripted model that, while its reply is out, lets 7 s pass and looks at the view."""

    view: LiveView
    clock: FakeClock

    def __init__(self, turns: list[Any]) -> None:
        super().__init__(turns)
        self.seen: list[str] = []

    def complete(self, messages: list[Message], tools: list[ToolSpec], **kw: Any) -> Completion:
        self.clock.now += 7
        self.seen.append(self.view.status_line().plain)
        return super().complete(messages, tools, **kw)


def console() -> Console:
    return Console(record=True, force_terminal=False, width=120)


def watched_run(tmp_path: Path, turns: list[Any]) -> tuple[str, WatchedModel, LiveView]:
    repo = tiny_repo(tmp_path / "repo")
    model, clock, screen = WatchedModel(turns), FakeClock(), console()
    view = LiveView(screen, clock=clock)
    model.view, model.clock = view, clock
    agent, io = make_agent(repo, model, budget=BudgetConfig(max_steps=10))
    io.trajectory.subscribe(view)
    with view:
        agent.run(Task(issue="add subtracts", checks=(CHECK,)))
    return screen.export_text(), model, view


def test_each_finished_action_is_one_transcript_line(tmp_path: Path) -> None:
    text, _, _ = watched_run(
        tmp_path,
        [
            [call("run", command="echo one\necho two")],
            [call("run", command="exit 3")],
            [call("plan", steps=[{"step": "fix add", "status": "in_progress"}])],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed add")],
        ],
    )
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[0] == "  model test:scripted"
    assert "  ✓ run echo one ⏎ echo two" in lines
    assert "  ✗ run exit 3 (exit 3)" in lines
    assert "  ✓ plan (1 steps)" in lines and "      ▸ fix add" in lines
    assert "  ✓ write_file calc.py" in lines
    assert any(line.startswith("  ✓ check ") for line in lines)
    assert "\\n" not in text and "{" not in text


def test_the_view_says_waiting_for_the_model_while_a_request_is_out(tmp_path: Path) -> None:
    turns = [[call("run", command="true")], [call("submit", summary="nothing")]]
    _, model, view = watched_run(tmp_path, turns)
    assert model.seen[0].startswith("step 0 · waiting for the model… · 7s")
    assert model.seen[1].startswith("step 1 · waiting for the model… · 7s")
    assert "waiting for the model" not in view.status_line().plain


def test_the_clock_ticks_without_events() -> None:
    clock = FakeClock()
    view = LiveView(console(), clock=clock)
    view({"type": "start", "agent": "0", "step": 0, "model": "m"})
    view({"type": "request", "agent": "0", "step": 0})
    assert view.status_line().plain == "step 0 · waiting for the model… · 0s · 0s in all"
    clock.now += 65
    assert view.status_line().plain == "step 0 · waiting for the model… · 1m05s · 1m05s in all"


def test_budget_bars_show_steps_tokens_dollars_and_a_ticking_time() -> None:
    clock, screen = FakeClock(), console()
    view = LiveView(screen, clock=clock)
    view({"type": "start", "agent": "0", "step": 0, "model": "m"})
    budget = {
        "steps": {"used": 4, "limit": 40},
        "tokens": {"used": 12345, "limit": 2_000_000},
        "usd": {"used": 0.00396506, "limit": 3.0},
        "time": {"used": 1.0, "limit": 1800.0},
    }
    view({"type": "budget", "agent": "0", "step": 4, "budget": budget})
    clock.now += 123
    rendered = console()
    rendered.print(view.render())
    text = rendered.export_text()
    assert "4 / 40" in text and "12,345 / 2,000,000" in text
    assert "$0.0040 / $3.00" in text and "2 min 3 s / 30 min" in text


def test_a_view_never_entered_draws_nothing_live_and_prints_only_the_transcript() -> None:
    screen = console()
    view = LiveView(screen, clock=FakeClock())
    view(
        {
            "type": "tool_call",
            "agent": "0",
            "step": 1,
            "call": {"id": "c1", "name": "view", "arguments": {"path": "src/x.py"}},
        }
    )
    view(
        {
            "type": "observation",
            "agent": "0",
            "step": 1,
            "tool_call_id": "c1",
            "name": "view",
            "ok": True,
            "text": "1 x = 1",
            "data": {},
            "duration_s": 0.01,
        }
    )
    assert screen.export_text() == "  ✓ view src/x.py\n"


def test_calls_and_outcomes_read_as_short_lines() -> None:
    assert describe_call("run", {"command": "cd src &&\n  pytest  -q\n"}) == (
        "run cd src && ⏎ pytest -q"
    )
    assert describe_call("view", {"path": "a.py", "start_line": 10, "end_line": 40}) == (
        "view a.py:10-40"
    )
    patch = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n"
    assert describe_call("apply_patch", {"patch": patch}) == "apply_patch a.py"
    assert len(describe_call("run", {"command": "x" * 500})) == 90
    assert describe_outcome(False, {"exit_code": 1}, "boom") == "exit 1"
    assert describe_outcome(False, {"summary": {"failed": 3, "errors": 0}}, "") == "3 failed"
    assert describe_outcome(False, {"timed_out": True, "exit_code": -1}, "") == "timed out"
    assert describe_outcome(True, {"exit_code": 0}, "ok") == ""


def test_the_status_line_never_wraps_on_a_narrow_terminal() -> None:
    narrow = Console(record=True, force_terminal=False, width=30, soft_wrap=True)
    view = LiveView(narrow, clock=FakeClock())
    view(
        {
            "type": "tool_call",
            "agent": "0",
            "step": 1,
            "call": {
                "id": "c",
                "name": "run",
                "arguments": {"command": "pytest -q tests/test_a_very_long_name.py"},
            },
        }
    )
    narrow.print(view.render())
    assert narrow.export_text().splitlines()[0] == "step 0 · run pytest -q tests/…"
