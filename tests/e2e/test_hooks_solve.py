"""Hooks end to end: a repository's hooks in the sandbox, the person's on the host (never in
`devagent ci`), the report, and a replay that reproduces the run without running a hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.scenario import CHECK, FIX
from tests.e2e.test_pull_request import _ci_env, github, remote_repo  # noqa: F401 (fixtures)
from tests.support import git

pytestmark = pytest.mark.docker

ONCE = (
    "if [ -e /tmp/asked ]; then exit 0; fi; touch /tmp/asked; "
    "echo 'calc.py is reviewed by hand: explain the change in the summary' >&2; exit 2"
)
RETRY = [*FIX[:2], FIX[1], FIX[2]]
"""view, replace (blocked), replace again, submit."""


def repo_hooks(repo: Path, host_marker: Path) -> None:
    hooks = {
        "PreToolUse": [{"matcher": "replace|create|apply_patch", "hooks": [{"command": ONCE}]}],
        "Stop": [{"hooks": [{"command": f"touch {host_marker}", "where": "host"}]}],
    }
    (repo / ".devagent").mkdir()
    (repo / ".devagent" / "hooks.json").write_text(json.dumps({"hooks": hooks}))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hooks")


def person_config(home: Path, marker: Path) -> None:
    config = home / ".config" / "devagent" / "config.toml"  # HOME is tmp_path
    config.parent.mkdir(parents=True)
    config.write_text(f'[[hooks.Stop]]\nhooks = [{{command = "touch {marker}", where = "host"}}]\n')


def test_solve_runs_repo_hooks_in_the_sandbox_and_mine_on_the_host_then_replays(
    devagent, issue_file, buggy_repo, script, tmp_path
):
    refused, mine = tmp_path / "repo-host-hook-ran", tmp_path / "my-host-hook-ran"
    repo_hooks(buggy_repo, refused)
    person_config(tmp_path, mine)
    out = tmp_path / "out"
    result = devagent(
        "solve", str(issue_file), "--repo", str(buggy_repo), "--model", script(RETRY),
        "--image", "devagent/base:latest", "--test", CHECK, "--out", str(out), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "asks to run on the host" in result.stderr
    assert mine.exists() and not refused.exists()
    records = [json.loads(line) for line in (out / "trajectory.jsonl").read_text().splitlines()]
    runs = [(r["event"], r["where"], r["decision"]) for r in records if r["type"] == "hook"]
    assert runs == [
        ("PreToolUse", "sandbox", "block"),
        ("PreToolUse", "sandbox", "allow"),
        ("Stop", "host", "allow"),
    ]
    report = (out / "report.md").read_text()
    assert "## Hooks" in report and "reviewed by hand" in report
    mine.unlink()
    replayed = devagent("replay", str(out / "trajectory.jsonl"))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "reproduced" in replayed.stdout
    assert not mine.exists()  # replay answers with the recorded decisions: nothing ran


def test_ci_runs_no_hook_on_the_host(devagent, buggy_repo, remote_repo, github, script, tmp_path):  # noqa: F811
    _, api = github
    mine = tmp_path / "my-host-hook-ran"
    person_config(tmp_path, mine)
    result = devagent(
        "ci", "--repo", str(buggy_repo), "--model", script(FIX), "--github-api-url", api,
        "--out", str(tmp_path / "out"), extra=_ci_env(tmp_path, "maintainer"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hooks on the host do not run here (ci)" in result.stderr
    assert not mine.exists()
