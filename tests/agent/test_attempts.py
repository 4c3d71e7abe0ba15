"""Parallel attempts without Docker: the selection rule, per-attempt models and budgets, the
attempts running at once on forks of a local sandbox, and the recording replay reads."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from devagent import cli
from devagent.agent.attempts import (
    AttemptOutcome,
    Attempts,
    AttemptsError,
    attempt_model,
    choose,
    run_attempts,
)
from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.checks import CheckResult
from devagent.agent.config import AgentConfig
from devagent.agent.eventstream import EventTranslator
from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.replay import load_recording
from devagent.agent.resume import ResumeError, resume_point
from devagent.agent.seams import AgentIO
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import Trajectory
from devagent.agent.view import LiveView
from devagent.llm.errors import ScriptError
from devagent.llm.scripted import ScriptedModel
from devagent.llm.types import Message, Usage
from devagent.tools.base import Observation, Tool, ToolContext
from sandbox.local import LocalSandbox
from tests.agent.fakes import (
    BROKEN_CALC,
    CHECK,
    FIXED_CALC,
    ScriptedTestModel,
    call,
    fake_tools,
    reset_to,
    tiny_repo,
)


def outcome(index: int, *, passed: bool, patch: str = "x", steps: int = 3) -> AttemptOutcome:
    check = CheckResult("check", passed, 0 if passed else 1, "")
    result = RunResult("solved" if passed else "unsolved", patch, [check], steps, Usage(), 0, 1)
    return AttemptOutcome(index, result, [check], passed)


# -- the selection rule ---------------------------------------------------------------------


def test_a_passing_attempt_beats_a_smaller_failing_one() -> None:
    kept = choose([outcome(0, passed=False, patch="a"), outcome(1, passed=True, patch="abcdef")])
    assert kept.label == "0.a2"


def test_among_passing_attempts_the_smaller_patch_is_kept() -> None:
    kept = choose([outcome(0, passed=True, patch="abcdef"), outcome(1, passed=True, patch="abc")])
    assert kept.label == "0.a2"


def test_equal_patches_are_broken_by_fewer_steps_then_by_order() -> None:
    by_steps = choose([outcome(0, passed=True, steps=9), outcome(1, passed=True, steps=4)])
    by_order = choose([outcome(0, passed=True), outcome(1, passed=True)])
    assert (by_steps.label, by_order.label) == ("0.a2", "0.a1")


def test_without_a_passing_attempt_the_one_passing_most_checks_is_kept() -> None:
    fail = CheckResult("c", False, 1, "")
    good = CheckResult("c", True, 0, "")
    one = RunResult("unsolved", "long patch", [good, fail], 3, Usage(), 0, 1)
    none = RunResult("unsolved", "p", [fail, fail], 3, Usage(), 0, 1)
    kept = choose(
        [AttemptOutcome(0, none, [fail, fail], False), AttemptOutcome(1, one, [good, fail], False)]
    )
    assert kept.label == "0.a2"


# -- models and budgets ---------------------------------------------------------------------


def text(content: str) -> dict[str, str]:
    return {"content": content}


def test_a_script_of_attempts_gives_each_attempt_its_own_script(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    scripts = [[text("one-a"), text("one-b")], [text("two-a")]]
    path.write_text(yaml.safe_dump({"attempts": scripts}))
    model = ScriptedModel.from_file(path)
    firsts = [attempt_model(model, i).complete([], []).message.content for i in range(3)]
    assert firsts == ["one-a", "two-a", "one-a"]  # cycling past the last script


def test_a_plain_script_is_played_from_its_start_by_every_attempt(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump([text("first"), text("second")]))
    model = ScriptedModel.from_file(path)
    one, two = attempt_model(model, 0), attempt_model(model, 1)
    assert one.complete([], []).message.content == "first"
    assert two.complete([], []).message.content == "first"
    assert one.complete([], []).message.content == "second"


def test_attempts_must_be_a_list_of_scripts(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump({"attempts": ["not a list"]}))
    with pytest.raises(ScriptError, match="non-empty list of lists"):
        ScriptedModel.from_file(path)


def test_a_model_without_state_is_shared_by_the_attempts() -> None:
    class Provider:
        name = "openai:x"

        def complete(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("not called")

    provider = Provider()
    assert attempt_model(provider, 3) is provider  # type: ignore[arg-type]


def test_attempt_budgets_split_the_spend_and_share_the_wall_time() -> None:
    run = Budget(BudgetConfig(max_steps=20, max_tokens=1000, max_usd=2.0, max_time_s=600))
    share = run.carve(1 / 4, share_time=False).config
    assert (share.max_steps, share.max_tokens, share.max_usd) == (5, 250, 0.5)
    assert share.max_time_s == pytest.approx(600, abs=1)


def test_attempts_charging_the_run_budget_from_threads_lose_nothing() -> None:
    run = Budget(BudgetConfig(max_steps=None, max_tokens=None, max_usd=None))
    children = [run.carve(1 / 4, share_time=False) for _ in range(4)]

    def spend(budget: Budget) -> None:
        for _ in range(2000):
            budget.record(Usage(input_tokens=1, output_tokens=1), 0.001)

    threads = [threading.Thread(target=spend, args=(c,)) for c in children]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (run.steps, run.tokens) == (8000, 16000)
    assert run.usd == pytest.approx(8.0)


# -- attempts at once, on forks of a local sandbox --------------------------------------------


class SnapshotLocalSandbox(LocalSandbox):
    """A LocalSandbox whose forks (from its one snapshot) are copies of its directory."""

    def snapshot(self) -> str:
        return "snap"

    def fork(self, snapshot_id: str | None = None) -> LocalSandbox:  # type: ignore[override]
        assert snapshot_id == "snap"
        target = Path(tempfile.mkdtemp(prefix="devagent-fork-")) / "ws"
        shutil.copytree(self.root, target, symlinks=True)
        return ForkCopy(target)


class ForkCopy(LocalSandbox):
    broken = False
    """Set: every command raises OSError (a link to the container that broke)."""

    def exec(self, command: str, **kwargs: Any) -> Any:
        if self.broken:
            raise OSError(9, "Bad file descriptor")
        return super().exec(command, **kwargs)

    def close(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)


def meeting_tools(barrier: threading.Barrier) -> dict[str, Tool]:
    """The fake tools plus `meet`: returns once every attempt has called it (they run at once;
    one after another, the first would wait for ever: the barrier breaks after 10 s)."""

    def meet(args: dict[str, Any], ctx: ToolContext) -> Observation:
        del args, ctx
        barrier.wait(timeout=10)
        return Observation("met")

    schema = {"type": "object", "properties": {}}
    return {**fake_tools(), "meet": Tool("meet", "Wait for the others.", schema, meet)}


class ScriptsPerAttempt(ScriptedTestModel):
    def __init__(self, scripts: list[list[Any]]) -> None:
        super().__init__(scripts[0])
        self.scripts = scripts

    def for_attempt(self, index: int) -> ScriptedTestModel:
        return ScriptedTestModel(self.scripts[index])


def attempts_run(tmp_path: Path, count: int, scripts: list[list[Any]]) -> tuple[Attempts, Path]:
    repo = tiny_repo(tmp_path / "repo")
    sandbox = SnapshotLocalSandbox(repo)
    io = AgentIO(
        workspace=repo,
        patch_fn=partial(sandbox_diff, sandbox),
        restore_fn=partial(reset_to, repo),
        trajectory=Trajectory(tmp_path / "out" / "trajectory.jsonl"),
    )
    run = Attempts(
        task=Task("`add` subtracts.", checks=(CHECK,)),
        model=ScriptsPerAttempt(scripts),
        tools=meeting_tools(threading.Barrier(count)),
        sandbox=sandbox,
        budget=Budget(BudgetConfig(max_steps=12, max_usd=None)),
        io=io,
        config=AgentConfig(attempts=count),
    )
    return run, repo


def test_attempts_run_at_once_and_the_passing_one_is_adopted(tmp_path: Path) -> None:
    wrong = [
        [call("meet")],
        [call("write_file", path="calc.py", content=BROKEN_CALC)],
        [call("submit", summary="wrong")],
        *[[call("run", command="true")]] * 5,
    ]
    right = [
        [call("meet")],
        [call("write_file", path="calc.py", content=FIXED_CALC)],
        [call("submit", summary="right")],
    ]
    run, repo = attempts_run(tmp_path, 2, [wrong, right])
    events: list[Any] = []
    run.io.trajectory.subscribe(EventTranslator(events.append))
    result = run_attempts(run)
    assert [(a["label"], a["passed"], a["chosen"]) for a in result.attempts] == [
        ("0.a1", False, False),
        ("0.a2", True, True),
    ]
    assert result.status == "solved"
    assert (repo / "calc.py").read_text() == FIXED_CALC  # the kept patch, in the run's tree
    assert [a["steps"] for a in result.attempts] == [6, 3]  # the first spent its 12 / 2
    assert result.steps == 9
    observations = [
        r for r in run.io.trajectory.records if r["type"] == "observation" and r["name"] == "meet"
    ]
    assert sorted(r["agent"] for r in observations) == ["0.a1", "0.a2"]
    assert all(r["text"] == "met" for r in observations)
    runs = [(e.type, getattr(e, "status", "")) for e in events if e.type in ("start", "end")]
    assert runs == [("start", ""), ("end", "solved")]  # the run's, not each attempt's
    assert {e.agent for e in events if e.type == "step"} == {"0.a1", "0.a2"}


def test_attempts_need_a_sandbox_that_forks(tmp_path: Path) -> None:
    run, repo = attempts_run(tmp_path, 2, [[], []])
    run.sandbox = LocalSandbox(repo)
    with pytest.raises(AttemptsError, match="can fork"):
        run_attempts(run)


def test_the_recording_of_attempts_is_the_chosen_attempts(tmp_path: Path) -> None:
    def completion(text: str) -> dict[str, Any]:
        return {"message": Message("assistant", text).to_dict()}

    records = [
        {"type": "meta", "agent": "0", "meta": {"repo": "r"}},
        {"type": "attempts", "agent": "0", "count": 2},
        {"type": "start", "agent": "0.a1", "task": {"issue": "one"}},
        {"type": "start", "agent": "0.a2", "task": {"issue": "two"}},
        {"type": "completion", "agent": "0.a1", "completion": completion("a1")},
        {"type": "completion", "agent": "0.a2", "completion": completion("a2")},
        {"type": "completion", "agent": "0.a2.1", "completion": completion("a2 child")},
        {"type": "observation", "agent": "0.a2", "text": "seen", "ok": True, "name": "run"},
        {"type": "attempts", "agent": "0", "chosen": "0.a2", "attempts": []},
    ]
    path = tmp_path / "trajectory.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    recording = load_recording(path)
    assert recording.task.issue == "two"
    assert [c.message.content for c in recording.completions] == ["a2", "a2 child"]
    assert [o["text"] for o in recording.observations] == ["seen"]
    assert recording.meta == {"repo": "r"}


# -- the flag ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "9", "two"])
def test_attempts_outside_one_to_eight_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["solve", str(tmp_path / "issue.md"), "--attempts", value])
    assert exit_.value.code == 2
    assert "--attempts: expected a whole number from 1 to 8" in capsys.readouterr().err


def test_a_stop_ends_every_attempt_and_runs_no_more_checks(tmp_path: Path) -> None:
    script = [
        [call("meet")],
        [call("write_file", path="calc.py", content=BROKEN_CALC)],
        [call("submit", summary="never sent")],
    ]
    run, _ = attempts_run(tmp_path, 2, [script, script])
    run.tools["write_file"] = Tool(
        "write_file", "Write a file.", {"type": "object"}, lambda a, c: stop_now(run)
    )
    result = run_attempts(run)
    assert [a["status"] for a in result.attempts] == ["interrupted", "interrupted"]
    assert result.status == "interrupted"
    assert not [r for r in run.io.trajectory.records if r["type"] == "check"]


def stop_now(run: Attempts) -> Observation:
    run.io.stop.set()
    return Observation("stopping")


def test_the_transcript_tags_each_attempts_lines_and_keeps_their_commands_apart() -> None:
    out = Console(record=True, force_terminal=False, width=120)
    view = LiveView(out)
    for agent, command in (("0.a1", "echo one"), ("0.a2", "echo two")):
        run_call = {"id": "call-0-0", "name": "run", "arguments": {"command": command}}
        view({"type": "tool_call", "agent": agent, "call": run_call})
    for agent in ("0.a2", "0.a1"):
        done = {"type": "observation", "agent": agent, "tool_call_id": "call-0-0", "name": "run"}
        view({**done, "ok": True, "text": "exit 0", "duration_s": 0.1})
    lines = [line.strip() for line in out.export_text().splitlines()]
    assert lines == ["a2 ✓ run echo two", "a1 ✓ run echo one"]


def test_a_bug_in_one_attempt_stops_the_others_and_is_raised(tmp_path: Path) -> None:
    waits = [[call("meet")], [call("wait")], [call("run", command="true")]]
    run, _ = attempts_run(tmp_path, 2, [[[call("meet")], [call("boom")]], waits])

    def boom(args: dict[str, Any], ctx: ToolContext) -> Observation:
        raise RuntimeError("a bug")

    def wait(args: dict[str, Any], ctx: ToolContext) -> Observation:
        return Observation(f"stopped: {run.io.stop.wait(timeout=10)}")

    run.tools["boom"] = Tool("boom", "Fail.", {"type": "object"}, boom)
    run.tools["wait"] = Tool("wait", "Wait for a stop.", {"type": "object"}, wait)
    with pytest.raises(RuntimeError, match="a bug"):
        run_attempts(run)
    records = run.io.trajectory.records
    assert [r["text"] for r in records if r.get("name") == "wait"] == ["stopped: True"]
    ends = [r for r in records if r["type"] == "end" and r["agent"] == "0.a2"]
    assert [e["status"] for e in ends] == ["interrupted"]


def test_a_run_of_parallel_attempts_is_not_resumable(tmp_path: Path) -> None:
    records = [
        {"type": "attempts", "agent": "0", "count": 2},
        {"type": "start", "agent": "0.a1", "task": {"issue": "one"}},
    ]
    with pytest.raises(ResumeError, match="parallel attempts"):
        resume_point(tmp_path, records, "")


def test_an_attempt_whose_sandbox_link_breaks_is_an_error_and_the_others_go_on(
    tmp_path: Path,
) -> None:
    right = [
        [call("meet")],
        [call("write_file", path="calc.py", content=FIXED_CALC)],
        [call("submit", summary="right")],
    ]
    breaking = [[call("meet")], [call("breaks")], *[[call("run", command="true")]] * 4]
    run, repo = attempts_run(tmp_path, 2, [breaking, right])

    def breaks(args: dict[str, Any], ctx: ToolContext) -> Observation:
        ctx.sandbox.broken = True  # type: ignore[attr-defined]
        return Observation("the link to the container is gone from now on")

    run.tools["breaks"] = Tool("breaks", "Break.", {"type": "object"}, breaks)
    result = run_attempts(run)
    assert [(a["status"], a["chosen"]) for a in result.attempts] == [
        ("error", False),
        ("solved", True),
    ]
    assert "sandbox broke" in result.attempts[0]["reason"]
    assert (repo / "calc.py").read_text() == FIXED_CALC
