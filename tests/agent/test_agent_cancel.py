"""Stopping a run: the time budget and the stop flag end a hung model call, a second Ctrl-C
still leaves the result files, a full disk keeps the patch, and a stopped run replays as
interrupted."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from devagent.agent.budget import BudgetConfig
from devagent.agent.errors import OutputsLostError
from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.replay import replay
from devagent.agent.seams import AgentIO
from devagent.agent.signals import stop_on_signals
from devagent.agent.solve import STOPPED_AT_ONCE, SolveRequest, run_agent
from devagent.agent.task import Task
from devagent.agent.trajectory import Trajectory, read_trajectory
from devagent.llm import ModelConfig, build_model
from devagent.tools.base import Observation, Tool
from sandbox.local import LocalSandbox
from tests.agent.fakes import CHECK, FIXED_CALC, ScriptedTestModel, call, fake_tools, tiny_repo
from tests.agent.test_agent_solve import DirWorkspace
from tests.llm.fakes import HangingServer

TASK = Task(issue="`add` subtracts", checks=(CHECK,))
FIX = call("write_file", path="calc.py", content=FIXED_CALC)


def _request(tmp_path: Path, model: object, **fields: object) -> SolveRequest:
    repo = tiny_repo(tmp_path / "repo")
    request = SolveRequest(
        task=TASK,
        model=model,  # type: ignore[arg-type]
        tools=fake_tools(),
        sandbox=LocalSandbox(repo),
        workspace=DirWorkspace(repo),
        out=tmp_path / "out",
        budget=BudgetConfig(max_steps=10),
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def _tool(name: str, fn: object) -> Tool:
    return Tool(name, f"{name} (test)", {"type": "object", "properties": {}}, fn)  # type: ignore[arg-type]


def _ctrl_c_twice(args: object, ctx: object) -> Observation:
    raise KeyboardInterrupt  # what the second Ctrl-C raises in the middle of a step


def _result(out: Path) -> dict:
    return json.loads((out / "result.json").read_text())


# -- a model call that never answers ---------------------------------------------------------


def _hung_model(server: HangingServer) -> object:
    return build_model("openai:served", ModelConfig(openai_api_key="sk-x", base_url=server.url))


def test_the_time_budget_ends_a_hung_model_call(tmp_path: Path) -> None:
    with HangingServer() as server:
        request = _request(tmp_path, _hung_model(server), budget=BudgetConfig(max_time_s=1))
        started = time.monotonic()
        result = run_agent(request)
    assert time.monotonic() - started < 15  # not the ten-minute request timeout
    assert result.status == "budget_exhausted"
    assert result.reason.startswith("time budget exhausted")
    assert _result(request.out)["status"] == "budget_exhausted"


def test_the_stop_flag_ends_a_hung_model_call(tmp_path: Path) -> None:
    with HangingServer() as server:
        request = _request(tmp_path, _hung_model(server))
        pressed: list[float] = []

        def press_ctrl_c() -> None:
            assert server.connected.wait(30)
            pressed.append(time.monotonic())
            request.stop.set()

        threading.Thread(target=press_ctrl_c, daemon=True).start()
        result = run_agent(request)
    assert time.monotonic() - pressed[0] < 5
    assert (result.status, result.reason) == ("interrupted", "stopped by the user")
    assert sorted(p.name for p in request.out.iterdir()) == [
        "patch.diff",
        "report.md",
        "result.json",
        "trajectory.jsonl",
    ]


# -- a second Ctrl-C -------------------------------------------------------------------------


def test_a_second_ctrl_c_still_writes_the_patch_result_and_report(tmp_path: Path) -> None:
    model = ScriptedTestModel([[FIX], [call("ctrl_c")]])
    request = _request(tmp_path, model)
    request.tools = {**fake_tools(), "ctrl_c": _tool("ctrl_c", _ctrl_c_twice)}
    with pytest.raises(KeyboardInterrupt):
        run_agent(request)
    out = request.out
    assert "+    return a + b" in (out / "patch.diff").read_text()
    result = _result(out)
    assert (result["status"], result["steps"]) == ("interrupted", 2)
    assert result["reason"] == STOPPED_AT_ONCE
    assert (out / "report.md").read_text().startswith("# devagent: interrupted")
    end = list(read_trajectory(out / "trajectory.jsonl"))[-1]
    assert (end["type"], end["status"]) == ("end", "interrupted")


# -- a full disk -----------------------------------------------------------------------------


def _full_disk(out: Path, *names: str) -> None:
    """`out/NAME` as a link to /dev/full: every write to it fails with ENOSPC, like a full disk."""
    out.mkdir(parents=True)
    for name in names:
        (out / name).symlink_to("/dev/full")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_keeps_the_patch_and_names_the_files_lost(tmp_path: Path) -> None:
    model = ScriptedTestModel([[FIX], [call("submit", summary="fixed")]])
    request = _request(tmp_path, model)
    _full_disk(request.out, "trajectory.jsonl", "result.json", "report.md")
    with pytest.raises(OutputsLostError) as lost:
        run_agent(request)
    assert set(lost.value.lost) == {"trajectory.jsonl", "result.json", "report.md"}
    assert lost.value.kept == ["patch.diff"]
    assert "No space left on device" in str(lost.value)
    assert "kept: patch.diff" in str(lost.value)
    assert "+    return a + b" in (request.out / "patch.diff").read_text()


# -- SIGTERM and Ctrl-C ----------------------------------------------------------------------


def test_sigterm_sets_the_stop_flag_and_says_so_and_a_second_signal_stops_now() -> None:
    stop, said = threading.Event(), []
    with stop_on_signals(stop, lambda: said.append("stopping")):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(5) and said == ["stopping"]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler raises at once, long before this ends
    assert said == ["stopping"]


# -- replaying a stopped run -----------------------------------------------------------------


def _replay(tmp_path: Path, recorded: Path, tools: dict[str, Tool]):  # type: ignore[no-untyped-def]
    repo = tiny_repo(tmp_path / "fresh" / "repo")
    sandbox = LocalSandbox(repo)
    io = AgentIO(
        workspace=repo,
        patch_fn=partial(sandbox_diff, sandbox),
        trajectory=Trajectory(tmp_path / "replayed.jsonl"),
    )
    return replay(recorded, tools, sandbox, io)


def test_replay_of_a_run_stopped_by_ctrl_c_reports_it_interrupted(tmp_path: Path) -> None:
    stop = threading.Event()

    def press_ctrl_c(args: object, ctx: object) -> Observation:
        stop.set()  # the first Ctrl-C, while this call runs: its observation is cut short
        return Observation.failure("exit 130 (stopped)")

    tools = {**fake_tools(), "slow": _tool("slow", press_ctrl_c)}
    model = ScriptedTestModel([[FIX], [call("slow")], [call("submit", summary="x")]])
    request = _request(tmp_path / "rec", model, tools=tools, stop=stop)
    assert run_agent(request).status == "interrupted"
    report = _replay(tmp_path, request.out / "trajectory.jsonl", tools)
    assert report.interrupted and report.reproduced
    assert (report.compared, report.expected, report.last_step) == (1, 1, 2)
    assert report.result.status == "interrupted"


def test_replay_of_a_run_stopped_at_once_reports_it_interrupted(tmp_path: Path) -> None:
    tools = {**fake_tools(), "ctrl_c": _tool("ctrl_c", _ctrl_c_twice)}
    model = ScriptedTestModel([[FIX], [call("ctrl_c")]])
    request = _request(tmp_path / "rec", model, tools=tools)
    with pytest.raises(KeyboardInterrupt):
        run_agent(request)
    report = _replay(tmp_path, request.out / "trajectory.jsonl", tools)
    assert report.interrupted and report.reproduced and report.divergence is None
    assert (report.compared, report.last_step) == (1, 2)
