"""The event stream: its schema file, events that match the trajectory, redaction, bench tags."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from devagent.agent.budget import BudgetConfig
from devagent.agent.events import (
    EndEvent,
    ResultEvent,
    StepEvent,
    ToolCallEvent,
    parse_event,
    schema_text,
)
from devagent.agent.eventstream import EventTranslator, JsonlWriter
from devagent.agent.redact import Redactor
from devagent.agent.solve import SolveRequest, run_agent
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from sandbox.local import LocalSandbox
from tests.agent.fakes import (
    CHECK,
    FIXED_CALC,
    DirWorkspace,
    ScriptedTestModel,
    call,
    fake_tools,
)
from tests.agent.fakes import tiny_repo as make_repo

SCHEMA = Path(__file__).parents[2] / "devagent" / "agent" / "events.schema.json"
SECRET = "sk-events-secret-0123456789"


def solve_with_events(tmp_path: Path, turns: list[Any], task: str | None = None) -> list[str]:
    """Run the tiny task with an event listener; the stream's lines."""
    repo = make_repo(tmp_path / "repo")
    stream = io.StringIO()
    writer = JsonlWriter(stream, Redactor([SECRET]))
    request = SolveRequest(
        task=Task(issue="`add` subtracts", checks=(CHECK,)),
        model=ScriptedTestModel(turns),
        tools=fake_tools(),
        sandbox=LocalSandbox(repo),
        workspace=DirWorkspace(repo),
        out=tmp_path / "out",
        budget=BudgetConfig(max_steps=10),
        secrets=[SECRET],
        listeners=[EventTranslator(writer.write, task=task)],
        meta={"repo": "/src/tiny", "base": "abc123", "image": "img", "model": "test:scripted"},
    )
    run_agent(request)
    return stream.getvalue().splitlines()


FIX_TURNS = [
    [call("run", command=f"echo {SECRET}"), call("run", command="ls")],
    "thinking out loud",
    [call("write_file", path="calc.py", content=FIXED_CALC)],
    [call("submit", summary="fixed")],
]


def test_the_schema_file_is_generated_from_the_models() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m devagent.agent.events > devagent/agent/events.schema.json"
    )


def test_step_events_match_the_trajectorys_steps_one_to_one(tmp_path: Path) -> None:
    lines = solve_with_events(tmp_path, FIX_TURNS)
    events = [parse_event(line) for line in lines]
    records = list(read_trajectory(tmp_path / "out" / "trajectory.jsonl"))
    steps = [e for e in events if isinstance(e, StepEvent)]
    budget_records = [r for r in records if r["type"] == "budget"]
    assert [(e.agent, e.step) for e in steps] == [
        (r["agent"], r["step"] + 1) for r in budget_records
    ]
    calls_by_step = [
        [r["call"]["name"] for r in records if r["type"] == "tool_call" and r["step"] == e.step]
        for e in steps
    ]
    assert [[c.name for c in e.calls] for e in steps] == calls_by_step
    assert calls_by_step == [["run", "run"], [], ["write_file"], ["submit"]]
    assert [e.step for e in steps] == [1, 2, 3, 4]
    assert steps[1].text == "thinking out loud"
    assert steps[-1].checks[0].passed and steps[-1].checks[0].command == CHECK
    assert steps[0].budget_left["steps"] == 9 and steps[-1].budget_left["steps"] == 6
    assert (events[0].type, events[-1].type) == ("start", "end")
    tool_calls = [e for e in events if isinstance(e, ToolCallEvent)]
    assert len(tool_calls) == sum(1 for r in records if r["type"] == "tool_call")


def test_every_line_is_one_version_1_event_without_secrets(tmp_path: Path) -> None:
    lines = solve_with_events(tmp_path, FIX_TURNS, task="tiny-task")
    assert all(json.loads(line)["v"] == 1 for line in lines)
    assert all(json.loads(line)["task"] == "tiny-task" for line in lines)
    assert not any(SECRET in line for line in lines)
    end = parse_event(lines[-1])
    assert isinstance(end, EndEvent) and (end.status, end.steps) == ("solved", 4)
    start = json.loads(lines[0])
    assert (start["repo"], start["base"], start["budget"]["max_steps"]) == (
        "/src/tiny",
        "abc123",
        10,
    )


def test_a_solve_event_has_no_task_field_and_a_reader_refuses_another_version() -> None:
    event = ResultEvent(
        ts=1.0, status="solved", solved=True, reason="", exit_code=0, out="o", patch="p",
        report="r", trajectory="t", steps=1, tokens=2, cost_usd=0.0, duration_s=1.0,
    )  # fmt: skip
    stream = io.StringIO()
    JsonlWriter(stream).write(event)
    line = stream.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1 and "task" not in json.loads(line)
    assert parse_event(line) == event
    with pytest.raises(ValidationError):
        parse_event(line.replace('"v": 1', '"v": 2'))


def test_lines_stay_whole_when_threads_write_at_once() -> None:
    stream = io.StringIO()
    writer = JsonlWriter(stream)
    event = EndEvent(
        ts=1.0, status="x" * 5000, reason="", steps=0, tokens=0, cost_usd=0, duration_s=0
    )

    def write_many() -> None:
        for _ in range(50):
            writer.write(event)

    threads = [threading.Thread(target=write_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 200 and all(parse_event(line) == event for line in lines)
