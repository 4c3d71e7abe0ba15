"""The loop's hooks for a person in the loop (refuse or edit a call before it runs, change what
the model is told after, end on an answer, stop mid-step) and Ctrl-C turned into stops."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from devagent.agent.errors import GaveUp
from devagent.agent.loop import Agent
from devagent.agent.signals import commands_stopped_by, interrupt_on_sigint
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from devagent.llm.types import Message, ToolCall
from devagent.tools.base import Observation, Tool, ToolContext
from tests.agent.fakes import (
    CHECK,
    FIXED_CALC,
    ScriptedTestModel,
    call,
    fake_tools,
    make_agent,
    tiny_repo,
)

TASK = Task(issue="`add` subtracts instead of adding.", checks=(CHECK,))
FIX = call("write_file", path="calc.py", content=FIXED_CALC)


class Person(Agent):
    """A fake front end: refuses `rm`, rewrites `echo draft`, notes what it was shown."""

    shown: list[tuple[str, str]]

    def review(self, call: ToolCall) -> ToolCall | Observation:
        command = str(call.arguments.get("command", ""))
        if command.startswith("rm "):
            return Observation.failure("The person refused: keep the files.")
        if command.startswith("echo draft"):
            return ToolCall(call.id, call.name, {"command": "echo final > note.txt"})
        return call

    def reviewed(self, call: ToolCall, observation: Observation) -> Observation:
        self.shown = [*getattr(self, "shown", []), (call.name, observation.text)]
        if call.name == "write_file":
            return Observation(observation.text + "\n(the person approved this change)")
        return observation


class AsksThePerson(Agent):
    def answered(self, message: Message) -> None:
        raise GaveUp(f"waiting for the person: {message.content}")


def hooked(cls: type[Agent], repo: Path, model: Any, tools: dict[str, Tool] | None = None) -> Agent:
    agent, io = make_agent(repo, model)
    return cls(model, tools or agent.base_tools, agent.sandbox, agent.budget, io=io)


def last_tool_message(model: ScriptedTestModel) -> Message:
    return [m for m in model.requests[-1] if m.role == "tool"][-1]


def test_a_refused_call_is_not_run_and_the_model_reads_why(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [[call("run", command="rm calc.py")], [FIX], [call("submit", summary="x")]]
    )
    result = hooked(Person, repo, model).run(TASK)
    assert result.status == "solved"
    refusal = [m for m in model.requests[1] if m.role == "tool"][-1]
    assert (refusal.content, refusal.is_error) == ("The person refused: keep the files.", True)


def test_edited_arguments_are_run_and_shown_to_the_model(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(
        [[call("run", command="echo draft > note.txt")], [FIX], [call("submit", summary="x")]]
    )
    result = hooked(Person, repo, model).run(TASK)
    assert (repo / "note.txt").read_text() == "final\n"
    replies = [m for m in model.requests[1] if m.role == "assistant"]
    assert replies[-1].tool_calls[0].arguments == {"command": "echo final > note.txt"}
    assert result.trajectory_path is not None
    runs = [r["call"] for r in read_trajectory(result.trajectory_path) if r["type"] == "tool_call"]
    assert runs[0]["arguments"] == {"command": "echo final > note.txt"}


def test_what_the_model_is_told_after_a_call_can_be_changed(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel([[FIX], [call("submit", summary="x")]])
    agent = hooked(Person, repo, model)
    agent.run(TASK)
    assert last_tool_message(model).content == "wrote calc.py\n(the person approved this change)"
    assert agent.shown[0] == ("write_file", "wrote calc.py")  # type: ignore[attr-defined]


def test_an_answer_without_a_tool_call_can_end_the_run(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel(["Which file do you mean?"])
    result = hooked(AsksThePerson, repo, model).run(TASK)
    assert (result.status, result.reason) == (
        "unsolved",
        "waiting for the person: Which file do you mean?",
    )
    assert len(model.requests) == 1  # no nudge, no second call


def test_a_stop_during_a_step_leaves_its_other_calls_unrun(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    model = ScriptedTestModel([[call("ctrl_c"), call("run", command="touch later.txt")]])
    plain, io = make_agent(repo, model)

    def press_stop(args: dict[str, Any], ctx: ToolContext) -> Observation:
        io.stop.set()
        return Observation("stopping")

    tools = {**fake_tools(), "ctrl_c": Tool("ctrl_c", "Stop.", {"type": "object"}, press_stop)}
    agent = Agent(model, tools, plain.sandbox, plain.budget, io=io)
    result = agent.run(TASK)
    assert (result.status, result.steps) == ("interrupted", 1)
    assert not (repo / "later.txt").exists()
    assert result.trajectory_path is not None
    texts = [
        r["text"] for r in read_trajectory(result.trajectory_path) if r["type"] == "observation"
    ]
    assert texts == ["stopping", "Not run: the run was stopped."]


class FakeCommand:
    """An interruptible sandbox whose command runs until `interrupt()`."""

    def __init__(self) -> None:
        self.stopped = threading.Event()

    def interrupt(self) -> bool:
        self.stopped.set()
        return True


def test_a_watcher_stops_the_running_command_once_stop_is_set() -> None:
    stop, sandbox = threading.Event(), FakeCommand()
    with commands_stopped_by(stop, lambda: sandbox, poll_s=0.01):
        assert not sandbox.stopped.wait(0.1)
        stop.set()
        assert sandbox.stopped.wait(10)


def test_ctrl_c_raises_at_once_unless_the_work_ends_on_stop() -> None:
    stop, busy = threading.Event(), [False]
    with interrupt_on_sigint(stop, lambda: busy[0]):
        with pytest.raises(KeyboardInterrupt):  # a model call: cut short
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        assert stop.is_set()
        stop.clear()
        busy[0] = True  # a sandbox command: a watcher stops it
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert stop.is_set()
        with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C always raises
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
