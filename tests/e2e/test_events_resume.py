"""`solve --events jsonl` and `solve --resume RUN_DIR` end to end: real clone, real container,
scripted model, the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devagent.agent.events import ErrorEvent, ResultEvent, StepEvent, parse_event
from devagent.agent.trajectory import read_trajectory
from tests.e2e.scenario import CHECK, FIX
from tests.support import git

pytestmark = pytest.mark.docker
BASE = ["--image", "devagent/base:latest", "--test", CHECK]
NOTE = {
    "content": "A note.",
    "tool_calls": [{"name": "create", "arguments": {"path": "NOTES.md", "content": "add adds\n"}}],
}
LONG_FIX = [*FIX[:2], NOTE, FIX[2]]
"""view, replace, create, submit: a step budget of 2 stops it after the fix, before the note."""


def test_event_stream_parses_and_matches_the_trajectory(solve, tmp_path):
    out = tmp_path / "out"
    result = solve(FIX, *BASE, "--out", str(out), "--events", "jsonl")
    assert result.returncode == 0, result.stderr
    events = [parse_event(line) for line in result.stdout.splitlines()]
    records = list(read_trajectory(out / "trajectory.jsonl"))
    steps = [e for e in events if isinstance(e, StepEvent)]
    budget = [r for r in records if r["type"] == "budget"]
    assert len(steps) == len(budget) == 3
    names = [[r["call"]["name"] for r in records if r["type"] == "tool_call" and r["step"] == s]
             for s in (1, 2, 3)]  # fmt: skip
    assert (
        [[c.name for c in e.calls] for e in steps] == names == [["view"], ["replace"], ["submit"]]
    )
    assert steps[-1].checks[0].passed
    last = events[-1]
    assert isinstance(last, ResultEvent)
    assert (last.status, last.solved, last.exit_code, last.out) == ("solved", True, 0, str(out))
    assert "+    return a + b" in Path(last.patch).read_text()
    assert events[0].type == "start"
    assert "solved" in result.stderr and "{" not in result.stderr  # the summary, no event


def test_json_and_events_refuse_each_other(solve):
    result = solve(FIX, *BASE, "--json", "--events", "jsonl")
    assert result.returncode == 2
    assert "--json and --events do not go together" in result.stderr


def test_resume_goes_on_after_a_step_budget_with_the_remaining_replies(solve, devagent, tmp_path):
    out = tmp_path / "out"
    first = solve(LONG_FIX, *BASE, "--out", str(out), "--max-steps", "2", "--json")
    assert first.returncode == 1, first.stderr
    assert json.loads(first.stdout)["status"] == "budget_exhausted"
    assert "+add adds" not in (out / "patch.diff").read_text()
    again = devagent("solve", "--resume", str(out), "--max-steps", "6", "--events", "jsonl")
    assert again.returncode == 0, again.stderr
    events = [parse_event(line) for line in again.stdout.splitlines()]
    assert [e.type for e in events][:2] == ["resume", "start"]
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [(e.step, [c.name for c in e.calls]) for e in steps] == [
        (3, ["create"]),
        (4, ["submit"]),
    ]
    last = events[-1]
    assert isinstance(last, ResultEvent) and (last.status, last.steps) == ("solved", 4)
    patch = (out / "patch.diff").read_text()
    assert "+    return a + b" in patch and "+add adds" in patch
    assert json.loads((out / "result.json").read_text())["status"] == "solved"
    kinds = [r["type"] for r in read_trajectory(out / "trajectory.jsonl")]
    assert kinds.count("resume") == 1 and kinds.count("end") == 2
    replayed = devagent("replay", str(out / "trajectory.jsonl"))  # both parts, one run
    assert replayed.returncode == 0 and "reproduced" in replayed.stdout, replayed.stdout


def test_resume_refuses_a_spent_budget_a_solved_run_and_a_missing_folder(solve, devagent, tmp_path):
    stopped, solved = tmp_path / "stopped", tmp_path / "solved"
    assert solve(LONG_FIX, *BASE, "--out", str(stopped), "--max-steps", "2").returncode == 1
    spent = devagent("solve", "--resume", str(stopped), "--events", "jsonl")
    assert spent.returncode == 2
    assert "steps budget (2 of 2)" in spent.stderr and "--max-steps" in spent.stderr
    (error,) = [parse_event(line) for line in spent.stdout.splitlines()]
    assert isinstance(error, ErrorEvent) and "--max-steps" in error.message
    assert solve(FIX, *BASE, "--out", str(solved)).returncode == 0
    done = devagent("solve", "--resume", str(solved))
    assert done.returncode == 2 and "ended solved: nothing to resume" in done.stderr
    missing = devagent("solve", "--resume", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no trajectory.jsonl" in missing.stderr


def test_resume_refuses_when_the_base_commit_is_gone(solve, devagent, buggy_repo, tmp_path):
    out = tmp_path / "out"
    assert solve(LONG_FIX, *BASE, "--out", str(out), "--max-steps", "2").returncode == 1
    git(buggy_repo, "commit", "-q", "--amend", "-m", "history rewritten")
    git(buggy_repo, "reflog", "expire", "--expire=now", "--all")
    git(buggy_repo, "gc", "-q", "--prune=now")
    result = devagent("solve", "--resume", str(out), "--max-steps", "6")
    assert result.returncode == 2
    assert "no longer has the run's base commit" in result.stderr


def test_bench_events_are_tagged_with_their_task_and_end_with_the_totals(devagent, tmp_path):
    tasks = Path(__file__).parents[2] / "tasks"
    ids = ["cli-wordcount", "dotenv-inline-comments"]
    out = tmp_path / "bench"
    args = [str(tasks / i) for i in ids]
    result = devagent(
        "bench", *args, "--model", "oracle", "-j", "2", "--out", str(out), "--events", "jsonl"
    )
    assert result.returncode == 0, result.stderr
    events = [parse_event(line) for line in result.stdout.splitlines()]
    assert events[-1].type == "bench_result" and events[-1].totals["resolved"] == 2
    assert all(e.task in ids for e in events[:-1])
    for task in ids:
        mine = [e for e in events if e.task == task]
        assert (mine[0].type, mine[-1].type) == ("start", "task_result")
        records = read_trajectory(out / "runs" / task / "trajectory.jsonl")
        budget = [r for r in records if r["type"] == "budget"]
        assert len([e for e in mine if isinstance(e, StepEvent)]) == len(budget)


def test_an_interrupted_run_resumes_where_it_stopped(
    devagent, buggy_repo, issue_file, script, tmp_path
):
    """Ctrl-C during a 300 s command; the resumed run goes on with the replies after it."""
    replies = [
        FIX[1],
        {"content": "wait", "tool_calls": [{"name": "run", "arguments": {"command": "sleep 300"}}]},
        NOTE,
        FIX[2],
    ]
    out = tmp_path / "out"
    argv = ["solve", str(issue_file), "--repo", str(buggy_repo), "--model", script(replies)]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devagent.cli",
            *argv,
            *BASE,
            "--out",
            str(out),
            "--events",
            "jsonl",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEVAGENT_CACHE_DIR": str(tmp_path / "cache")},
    )
    trajectory = out / "trajectory.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "sleep 300" not in (
        trajectory.read_text() if trajectory.exists() else ""
    ):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=120)
    last = parse_event(stdout.splitlines()[-1])
    assert isinstance(last, ResultEvent) and last.status == "interrupted"
    again = devagent(
        "solve", "--resume", str(out), "--events", "jsonl",
        extra={"DEVAGENT_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    events = [parse_event(line) for line in again.stdout.splitlines()]
    assert events[0].type == "resume" and events[0].from_status == "interrupted"
    steps = [[c.name for c in e.calls] for e in events if isinstance(e, StepEvent)]
    assert steps == [["create"], ["submit"]]
    patch = (out / "patch.diff").read_text()
    assert "+    return a + b" in patch and "+add adds" in patch
