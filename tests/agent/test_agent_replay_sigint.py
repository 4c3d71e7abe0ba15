"""Replay of a recorded trajectory, and Ctrl-C leaving a complete record."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.replay import replay
from devagent.agent.seams import AgentIO
from devagent.agent.task import Task
from devagent.agent.trajectory import Trajectory, read_trajectory
from sandbox.local import LocalSandbox
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
ROOT = Path(__file__).resolve().parents[2]


def _record_run(tmp_path: Path) -> Path:
    model = ScriptedTestModel(
        [
            [call("run", command="cat calc.py")],
            [call("submit", summary="first try")],
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed")],
        ]
    )
    agent, _ = make_agent(tiny_repo(tmp_path / "rec" / "repo"), model)
    result = agent.run(TASK)
    assert result.status == "solved" and result.trajectory_path is not None
    return result.trajectory_path


def _fresh_io(repo: Path, sandbox: LocalSandbox, out: Path) -> AgentIO:
    return AgentIO(
        workspace=repo, patch_fn=partial(sandbox_diff, sandbox), trajectory=Trajectory(out)
    )


def test_replay_reproduces_every_observation(tmp_path: Path) -> None:
    recorded = _record_run(tmp_path)
    repo = tiny_repo(tmp_path / "fresh" / "repo")
    sandbox = LocalSandbox(repo)
    report = replay(recorded, fake_tools(), sandbox, _fresh_io(repo, sandbox, tmp_path / "r.jsonl"))
    assert report.divergence is None
    assert report.compared == report.expected == 4
    assert report.reproduced and report.result.status == "solved"


def test_replay_reports_the_first_diverging_step(tmp_path: Path) -> None:
    recorded = _record_run(tmp_path)
    repo = tiny_repo(tmp_path / "fresh" / "repo")
    (repo / "calc.py").write_text("# changed\n" + (repo / "calc.py").read_text())
    sandbox = LocalSandbox(repo)
    report = replay(recorded, fake_tools(), sandbox, _fresh_io(repo, sandbox, tmp_path / "r.jsonl"))
    assert report.divergence is not None
    assert (report.divergence.index, report.divergence.step, report.divergence.tool) == (
        0,
        1,
        "run",
    )
    assert "# changed" in report.divergence.actual and not report.reproduced


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never reached its first tool call"
        time.sleep(0.02)


def run_and_interrupt(tmp_path: Path, backend: str) -> tuple[str, list[dict]]:
    """Start a run in a child process, SIGINT it mid-step, return its stdout and trajectory."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agent.sigint_run", str(tmp_path), backend],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(tmp_path / "repo" / "started", proc)
    proc.send_signal(signal.SIGINT)
    (tmp_path / "repo" / "go").touch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    return out, list(read_trajectory(tmp_path / "out" / "trajectory.jsonl"))


def test_sigint_finishes_the_step_and_leaves_a_trajectory(tmp_path: Path) -> None:
    out, lines = run_and_interrupt(tmp_path, "local")
    assert out.split()[-1] == "interrupted"
    end = lines[-1]
    assert (end["type"], end["status"], end["steps"]) == ("end", "interrupted", 1)
    assert [r["type"] for r in lines].count("observation") == 1
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result["status"] == "interrupted"
    assert "interrupted" in (tmp_path / "out" / "report.md").read_text()
