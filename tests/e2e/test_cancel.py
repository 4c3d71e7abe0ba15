"""`devagent solve` stopped from outside: --max-time against a model server that never answers,
Ctrl-C (once, twice), SIGTERM, a full disk; and `devagent replay` of a stopped run. Real
processes, real signals, real containers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from devagent.agent.solve import STOPPED_AT_ONCE
from devagent.commands.solve import STOPPING
from tests.e2e.scenario import BUGGY, CHECK, FIX
from tests.llm.fakes import HangingServer
from tests.support import docker_environ, git

pytestmark = pytest.mark.docker
BASE = ["--image", "devagent/base:latest", "--test", CHECK]
ROOT = Path(__file__).resolve().parents[2]
FILES = ["patch.diff", "report.html", "report.md", "result.json", "trajectory.jsonl"]
EDIT_THEN_WAIT = [
    FIX[1],  # replace a - b with a + b
    {"content": "Waiting.", "tool_calls": [{"name": "run", "arguments": {"command": "sleep 60"}}]},
    FIX[2],
]


class Solve:
    """`devagent solve` in a child process; its stdout and stderr go to files (read any time)."""

    def __init__(self, tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
        self.out = tmp_path / "out"
        self._stdout, self._stderr = tmp_path / "stdout", tmp_path / "stderr"
        with self._stdout.open("w") as stdout, self._stderr.open("w") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "devagent.cli", "solve", *args, "--out", str(self.out)],
                cwd=ROOT,
                stdout=stdout,
                stderr=stderr,
                env=env,
            )

    @property
    def stderr(self) -> str:
        return self._stderr.read_text()

    @property
    def stdout(self) -> str:
        return self._stdout.read_text()

    def trajectory(self) -> str:
        path = self.out / "trajectory.jsonl"
        return path.read_text() if path.exists() else ""

    def wait_for(self, done: Callable[[], bool], what: str, timeout: float = 180) -> float:
        """Poll until `done()`; the monotonic time it became true."""
        deadline = time.monotonic() + timeout
        while not done():
            assert self.proc.poll() is None, f"ended before {what}: {self.stderr}"
            assert time.monotonic() < deadline, f"never saw {what}: {self.stderr}"
            time.sleep(0.02)
        return time.monotonic()

    def signal(self, sig: int) -> float:
        self.proc.send_signal(sig)
        return time.monotonic()

    def exit_code(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout=timeout)

    def result(self) -> dict:
        return json.loads((self.out / "result.json").read_text())

    def containers_left(self) -> list:
        client = docker.from_env()
        mine = {"label": f"devagent.creator_pid={self.proc.pid}"}
        return client.containers.list(all=True, filters=mine)


@pytest.fixture
def start(tmp_path: Path, issue_file: Path, buggy_repo: Path, script) -> Iterator[Callable]:
    runs: list[Solve] = []

    def run(model: str | list[dict], *args: str) -> Solve:
        spec = model if isinstance(model, str) else script(model)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "DEVAGENT_CACHE_DIR": str(tmp_path / "cache"),
            "OPENAI_API_KEY": "sk-test-key",
            "COLUMNS": "120",
            **docker_environ(),
        }
        argv = [str(issue_file), "--repo", str(buggy_repo), "--model", spec, *BASE, *args]
        runs.append(Solve(tmp_path, argv, env))
        return runs[-1]

    yield run
    for solve in runs:  # a failed test must not leave a run behind
        if solve.proc.poll() is None:
            solve.proc.kill()
            solve.proc.wait()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    with HangingServer() as server:
        yield server


def _command_running(solve: Solve) -> bool:
    return "sleep 60" in solve.trajectory() and '"tool_call"' in solve.trajectory()


def test_max_time_ends_a_run_whose_model_server_never_answers(start, hanging):
    solve = start("openai:served", "--base-url", f"{hanging.url}/v1", "--max-time", "3s")
    working = solve.wait_for(lambda: "the agent is working" in solve.stderr, "the agent start")
    assert solve.exit_code(timeout=60) == 1, solve.stderr
    assert time.monotonic() - working < 20  # seen before: 600 s, the request timeout
    assert sorted(p.name for p in solve.out.iterdir()) == ["environment.json", *FILES]
    result = solve.result()
    assert result["status"] == "budget_exhausted"
    assert result["reason"].startswith("time budget exhausted")
    assert solve.containers_left() == []


def test_ctrl_c_ends_a_model_call_that_never_answers(start, hanging):
    solve = start("openai:served", "--base-url", f"{hanging.url}/v1")
    solve.wait_for(lambda: '"type": "request"' in solve.trajectory(), "the model request")
    assert hanging.connected.wait(30)
    pressed = solve.signal(signal.SIGINT)
    assert solve.exit_code(timeout=60) == 1, solve.stderr
    assert time.monotonic() - pressed < 15  # seen before: nothing until the 600 s timeout
    assert STOPPING in solve.stderr
    assert all((solve.out / name).exists() for name in FILES)
    assert solve.result()["status"] == "interrupted"


def test_ctrl_c_says_so_at_once_and_stops_the_running_command(start):
    solve = start(EDIT_THEN_WAIT)
    solve.wait_for(lambda: _command_running(solve), "the sleep 60 command")
    pressed = solve.signal(signal.SIGINT)
    solve.wait_for(lambda: STOPPING in solve.stderr, "the notice", timeout=5)
    assert solve.exit_code(timeout=60) == 1, solve.stderr
    assert time.monotonic() - pressed < 15  # not the 60 s the command would take
    assert solve.result()["status"] == "interrupted"
    assert "+    return a + b" in (solve.out / "patch.diff").read_text()
    assert "interrupted" in (solve.out / "report.md").read_text()
    assert solve.containers_left() == []


def test_sigterm_stops_the_run_like_a_first_ctrl_c(start, buggy_repo):
    solve = start(EDIT_THEN_WAIT)
    solve.wait_for(lambda: _command_running(solve), "the sleep 60 command")
    sent = solve.signal(signal.SIGTERM)
    assert solve.exit_code(timeout=60) == 1, solve.stderr
    assert time.monotonic() - sent < 15
    assert STOPPING in solve.stderr
    assert solve.result()["status"] == "interrupted"
    assert "+    return a + b" in (solve.out / "patch.diff").read_text()
    assert solve.containers_left() == []
    assert (buggy_repo / "calc.py").read_text() == BUGGY


def test_a_second_ctrl_c_stops_at_once_and_keeps_the_fix_already_made(start):
    solve = start(EDIT_THEN_WAIT)
    solve.wait_for(lambda: _command_running(solve), "the sleep 60 command")
    solve.signal(signal.SIGINT)
    solve.wait_for(lambda: STOPPING in solve.stderr, "the notice", timeout=5)
    solve.signal(signal.SIGINT)
    # the first Ctrl-C stops the command within a quarter second, so the second one lands
    # either mid-way (130: stopped at once) or after the run ended by itself (1); either way
    # nothing is lost (the second signal mid-step is pinned by the next test)
    assert solve.exit_code(timeout=60) in (1, 130), solve.stderr
    assert "+    return a + b" in (solve.out / "patch.diff").read_text()
    assert solve.result()["status"] == "interrupted"
    assert (solve.out / "report.md").exists()
    assert solve.containers_left() == []


def test_a_second_signal_in_the_middle_of_a_step_writes_what_exists(start):
    solve = start(EDIT_THEN_WAIT)
    solve.wait_for(lambda: _command_running(solve), "the sleep 60 command")
    solve.signal(signal.SIGTERM)  # two signals that cannot merge into one, while the
    solve.signal(signal.SIGINT)  # command runs: the second lands before the step ends
    assert solve.exit_code(timeout=60) == 130, solve.stderr
    assert solve.result()["reason"] == STOPPED_AT_ONCE
    assert "+    return a + b" in (solve.out / "patch.diff").read_text()
    assert "interrupted" in (solve.out / "report.md").read_text()
    assert solve.containers_left() == []


def test_replay_of_an_interrupted_run_says_interrupted(start, devagent):
    solve = start(EDIT_THEN_WAIT)
    solve.wait_for(lambda: _command_running(solve), "the sleep 60 command")
    solve.signal(signal.SIGINT)
    assert solve.exit_code(timeout=60) == 1, solve.stderr
    replayed = devagent("replay", str(solve.out / "trajectory.jsonl"), timeout=300)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "interrupted" in replayed.stdout
    assert "step 2" in replayed.stdout  # stopped while step 2's command ran
    assert "diverged" not in replayed.stdout  # seen before: "diverged at step -1 (?)"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_keeps_the_patch_and_says_which_files_were_lost(start, buggy_repo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("result.json", "report.md"):  # writes fail with ENOSPC, as on a full disk
        (out / name).symlink_to("/dev/full")
    solve = start(FIX)
    assert solve.exit_code(timeout=300) == 2, solve.stderr
    said = " ".join(solve.stderr.split())
    assert "result.json, report.md could not be written" in said
    assert "No space left on device" in said and "kept: patch.diff" in said
    assert "+    return a + b" in (out / "patch.diff").read_text()
    assert solve.containers_left() == []
    assert (buggy_repo / "calc.py").read_text() == BUGGY
    assert git(buggy_repo, "status", "--porcelain") == ""
