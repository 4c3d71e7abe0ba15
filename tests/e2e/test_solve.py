"""`devagent solve` end to end: real clone, real container, scripted model, real checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import docker
import pytest

from tests.e2e.scenario import BUGGY, CHECK, FIX
from tests.support import git

pytestmark = pytest.mark.docker
BASE = ["--image", "devagent/base:latest", "--test", CHECK]


def test_solved_run_writes_outputs_and_leaves_the_repo_untouched(solve, buggy_repo, tmp_path):
    out = tmp_path / "out"
    result = solve(FIX, *BASE, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["status"] == "solved"
    assert payload["checks"][0]["passed"] is True
    assert "+    return a + b" in (out / "patch.diff").read_text()
    assert "solved" in (out / "report.md").read_text()
    assert "<title>devagent: solved</title>" in (out / "report.html").read_text()
    assert json.loads((out / "result.json").read_text())["status"] == "solved"
    assert (buggy_repo / "calc.py").read_text() == BUGGY
    assert git(buggy_repo, "status", "--porcelain") == ""


def test_the_map_made_while_the_sandbox_starts_is_in_the_first_request(solve, tmp_path):
    """The repo map is made in the background while the image is chosen and the container
    starts; environment.json is written in the background too. Both still arrive."""
    out = tmp_path / "out"
    result = solve(FIX, *BASE, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (out / "trajectory.jsonl").read_text().splitlines()]
    first = next(r for r in records if r["type"] == "request")
    assert "Repository map" in first["messages"][1]["content"]
    assert "calc.py" in first["messages"][1]["content"]
    environment = json.loads((out / "environment.json").read_text())
    assert environment["image"] == "devagent/base:latest"


def test_run_that_never_fixes_ends_budget_exhausted_with_exit_1(solve, tmp_path):
    idle = [
        {"content": "Looking.", "tool_calls": [{"name": "run", "arguments": {"command": "ls"}}]}
    ] * 5
    result = solve(idle, *BASE, "--max-steps", "3", "--out", str(tmp_path / "out"), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "budget_exhausted"


def test_apply_lands_a_solved_patch_in_the_working_tree(solve, buggy_repo):
    result = solve(FIX, *BASE, "--apply")
    assert result.returncode == 0, result.stderr
    assert "cloning the repository privately" in result.stderr  # progress: diagnostics
    assert "cloning" not in result.stdout
    assert "patch: " in result.stdout  # the result
    assert (buggy_repo / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert git(buggy_repo, "status", "--porcelain").strip() == "M calc.py"


def test_apply_refuses_a_conflicting_tree_and_touches_nothing(solve, buggy_repo):
    (buggy_repo / "calc.py").write_text("def add(a, b):\n    return b - a  # my own try\n")
    result = solve(FIX, *BASE, "--apply")
    assert result.returncode == 2
    assert "Your uncommitted changes (calc.py) are left out" in result.stderr
    assert "--include-dirty starts from them" in result.stderr
    assert "calc.py" in result.stderr
    assert (
        buggy_repo / "calc.py"
    ).read_text() == "def add(a, b):\n    return b - a  # my own try\n"


def test_branch_commits_without_touching_the_checkout(solve, buggy_repo):
    head = git(buggy_repo, "rev-parse", "HEAD")
    result = solve(FIX, *BASE, "--branch", "fix/add")
    assert result.returncode == 0, result.stderr
    assert git(buggy_repo, "rev-parse", "HEAD") == head
    assert git(buggy_repo, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(buggy_repo, "show", "fix/add:calc.py") == "def add(a, b):\n    return a + b\n"
    assert "add() subtracts" in git(buggy_repo, "log", "-1", "--format=%B", "fix/add")


def test_missing_issue_file_is_a_clear_usage_error(devagent, buggy_repo, tmp_path):
    result = devagent("solve", str(tmp_path / "nope.md"), "--repo", str(buggy_repo))
    assert result.returncode == 2
    assert "issue file not found" in result.stderr


def test_replay_reproduces_a_recorded_run(solve, devagent, tmp_path):
    out = tmp_path / "out"
    first = solve(FIX, *BASE, "--out", str(out), "--json")
    assert first.returncode == 0, first.stderr
    replayed = devagent("replay", str(out / "trajectory.jsonl"))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "reproduced" in replayed.stdout


def test_host_secret_never_reaches_the_run_files(solve, tmp_path):
    secret = "sk-live-SECRET-value-0123456789"
    leak = [
        {"content": "env?", "tool_calls": [{"name": "run", "arguments": {"command": "env"}}]},
        *FIX,
    ]
    out = tmp_path / "out"
    result = solve(
        leak,
        *BASE,
        "--out",
        str(out),
        extra={"OPENAI_API_KEY": secret, "MY_SERVICE_TOKEN": secret + "x"},
    )
    assert result.returncode == 0, result.stderr
    for path in out.iterdir():
        assert secret not in path.read_text(), path
    assert secret not in result.stdout + result.stderr


def test_ctrl_c_stops_the_running_command_writes_the_files_and_leaves_no_container(
    buggy_repo, issue_file, script, tmp_path
):
    """The command would run 300 s; after Ctrl-C it is stopped, not waited out (the wait below
    gives up long before it would end)."""
    slow = [
        {"content": "wait", "tool_calls": [{"name": "run", "arguments": {"command": "sleep 300"}}]}
    ] * 9
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devagent.cli",
            "solve",
            str(issue_file),
            "--repo",
            str(buggy_repo),
            "--model",
            script(slow),
            *BASE,
            "--out",
            str(out),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEVAGENT_CACHE_DIR": str(tmp_path / "cache")},
    )
    trajectory = out / "trajectory.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and '"tool_call"' not in (
        trajectory.read_text() if trajectory.exists() else ""
    ):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert json.loads(stdout)["status"] == "interrupted"
    assert '"type": "end"' in trajectory.read_text()
    assert "stopped by the user" in trajectory.read_text()
    assert (out / "report.md").exists()
    client = docker.from_env()
    mine = client.containers.list(all=True, filters={"label": f"devagent.creator_pid={proc.pid}"})
    assert mine == []


def test_without_checks_the_suite_is_the_goal_in_the_repos_environment_image(
    solve, buggy_repo, tmp_path
):
    (buggy_repo / "requirements-dev.txt").write_text("pytest\n")
    (buggy_repo / "tests").mkdir()
    (buggy_repo / "tests" / "test_calc.py").write_text(
        "import calc\n\n\ndef test_add_zero():\n    assert calc.add(1, 0) == 1\n"
    )
    git(buggy_repo, "add", "-A")
    git(buggy_repo, "commit", "-q", "-m", "tests")
    repro = "import calc\n\n\ndef test_add_two_and_three():\n    assert calc.add(2, 3) == 5\n"
    replies = [
        {
            "content": "Reproduce first.",
            "tool_calls": [
                {"name": "create", "arguments": {"path": "tests/test_repro.py", "content": repro}}
            ],
        },
        *FIX[1:],
    ]
    out = tmp_path / "out"
    result = solve(replies, "--out", str(out), "--json", timeout=900)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["image"].startswith("devagent/env:")
    assert [c["command"] for c in payload["checks"]] == ["python -m pytest -q"]
    assert "tests/test_repro.py" in (out / "patch.diff").read_text()
    environment = json.loads((out / "environment.json").read_text())
    assert environment["image"] == payload["image"]
    assert environment["python"].startswith("3.11.")
    assert environment["packages"]["pytest"]


def test_a_run_gets_the_documented_budget_defaults_and_the_environments(solve, tmp_path):
    """Seen before: `BudgetSettings` documented 40 steps, $3 and 1800 s, but a run got 50 steps
    and no limit on money or time."""
    out = tmp_path / "out"
    result = solve(FIX, *BASE, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    limits = {k: v["limit"] for k, v in json.loads(result.stdout)["budget"].items()}
    assert (limits["steps"], limits["usd"], limits["time"]) == (40, 3.0, 1800.0)
    result = solve(FIX, *BASE, "--out", str(tmp_path / "o2"), "--json", "--max-steps", "7",
                   extra={"DEVAGENT_MAX_USD": "0.5"})  # fmt: skip
    limits = {k: v["limit"] for k, v in json.loads(result.stdout)["budget"].items()}
    assert (limits["steps"], limits["usd"], limits["time"]) == (7, 0.5, 1800.0)


def test_a_second_run_reuses_the_kept_workspace_and_its_early_sandbox(solve, buggy_repo, tmp_path):
    """The second solve on a repository brings its kept workspace up to date and takes the
    container started early on the last run's image; both runs are solved, the tree pristine."""
    first = solve(FIX, *BASE, "--out", str(tmp_path / "one"), "--json")
    assert first.returncode == 0, first.stderr
    second = solve(FIX, *BASE, "--out", str(tmp_path / "two"), "-v", "--log-json")
    assert second.returncode == 0, second.stderr
    assert "bringing the private workspace up to date" in second.stderr
    logged = [json.loads(line) for line in second.stderr.splitlines() if line.startswith("{")]
    assert any("using the sandbox started early" in json.dumps(record) for record in logged)
    assert "+    return a + b" in (tmp_path / "two" / "patch.diff").read_text()
    assert (buggy_repo / "calc.py").read_text() == BUGGY
