"""Hooks through the real loop and the real Docker sandbox, driven by a scripted model."""

from __future__ import annotations

import json
import os
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.hookrun import Hooks, build_hooks
from devagent.agent.hooks import HooksConfig
from devagent.agent.loop import Agent
from devagent.agent.redact import Redactor
from devagent.agent.seams import AgentIO
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import Trajectory
from devagent.tools.registry import build_tools
from tests.agent.fakes import (
    BUGGY_CALC,
    FIXED_CALC,
    ScriptedTestModel,
    call,
    docker_sandbox,
    host_diff,
    reset_to,
    tiny_repo,
)
from tests.agent.test_hooks import group, write_repo_hooks

pytestmark = pytest.mark.docker

TASK = Task(
    issue="`add` subtracts instead of adding.",
    checks=("python3 -B -c 'import calc; assert calc.add(2, 3) == 5'",),
)
EDITS = "replace|create|apply_patch"
FIX = call(
    "replace", path="calc.py", old="return a - b\n\n\ndef sub", new="return a + b\n\n\ndef sub"
)


def solve(
    repo: Path, turns: list[Any], hooks: Hooks | None = None
) -> tuple[RunResult, ScriptedTestModel, list[dict[str, Any]]]:
    """Run the loop with the real tools on a Docker sandbox mounting `repo`."""
    model = ScriptedTestModel(turns)
    hooks = hooks or build_hooks(HooksConfig(), repo, host_allowed=False, environ={})
    with docker_sandbox(repo) as sandbox:
        io = AgentIO(
            workspace=repo,
            patch_fn=partial(host_diff, repo),
            restore_fn=partial(reset_to, repo),
            trajectory=Trajectory(repo.parent / "out" / "trajectory.jsonl", Redactor()),
            hooks=hooks,
        )
        agent = Agent(model, build_tools(), sandbox, Budget(BudgetConfig()), io=io)
        result = agent.run(TASK)
    return result, model, [r for r in io.trajectory.records if r["type"] == "hook"]


def test_a_hook_blocks_an_edit_and_the_model_sees_why(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    write_repo_hooks(
        repo,
        PreToolUse=[group(EDITS, "echo 'no edits to generated files' >&2; exit 2")],
    )
    result, model, runs = solve(repo, [[FIX], [call("submit", summary="tried")]])
    assert (repo / "calc.py").read_text() == BUGGY_CALC
    told = model.requests[1][-1].content
    assert "blocked this `replace` call" in told and "no edits to generated files" in told
    assert [(r["event"], r["tool"], r["decision"], r["exit_code"]) for r in runs] == [
        ("PreToolUse", "replace", "block", 2)
    ]
    assert runs[0]["where"] == "sandbox" and runs[0]["source"] == "repo"
    assert [c.passed for c in result.checks] == [False]


POST = (
    "python3 -c 'import json,sys; p=json.load(sys.stdin); "
    'print(p["hook_event_name"], p["tool_name"], p["tool_response"]["ok"], p["cwd"])\''
)
STOP = 'python3 -c \'import json,sys; print("run ended:", json.load(sys.stdin)["status"])\''


def test_post_tool_and_stop_output_is_recorded(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    write_repo_hooks(repo, PostToolUse=[group(EDITS, POST)], Stop=[group("", STOP)])
    result, _, runs = solve(repo, [[FIX], [call("submit", summary="fixed")]])
    assert result.status == "solved"
    assert [(r["event"], r["decision"], r["output"]) for r in runs] == [
        ("PostToolUse", "allow", "PostToolUse replace True /workspace"),
        ("Stop", "allow", "run ended: solved"),
    ]
    assert [r["event"] for r in result.hooks] == ["PostToolUse", "Stop"]


ONCE = (
    "if [ -e /tmp/reviewed ]; then exit 0; fi; touch /tmp/reviewed; "
    """echo '{"decision": "block", "reason": "add a changelog line first"}'"""
)


def test_a_pre_submit_hook_refuses_a_submit_once(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    write_repo_hooks(repo, PreSubmit=[group("", ONCE)])
    turns = [[FIX], [call("submit", summary="fixed")], [call("submit", summary="again")]]
    result, model, runs = solve(repo, turns)
    assert result.status == "solved"
    told = model.requests[2][-1].content
    assert "Submit refused" in told and "add a changelog line first" in told
    assert [r["decision"] for r in runs] == ["block", "allow"]
    assert len(result.checks) == 1  # the refused submit ran no goal check


def test_a_hanging_hook_is_killed_at_its_timeout(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    write_repo_hooks(repo, PreToolUse=[group(EDITS, "sleep 120", timeout=2)])
    started = time.monotonic()
    result, _, runs = solve(repo, [[FIX], [call("submit", summary="fixed")]])
    assert time.monotonic() - started < 60
    assert [(r["decision"], r["timed_out"], r["exit_code"]) for r in runs] == [
        ("error", True, None)
    ]
    assert runs[0]["reason"] == "timed out after 2s; killed"
    assert result.status == "solved"  # a timeout blocks nothing; the sandbox still works


HOSTILE = {
    "old": 'x\'; rm -rf / # "$(touch /tmp/pwned1)" `touch /tmp/pwned2` $HOME',
    "new": "$(touch /workspace/pwned3)'\"\\n",
}
DUMP = (
    'cat; for f in /tmp/pwned1 /tmp/pwned2 /workspace/pwned3; do [ -e "$f" ] && echo "$f"; done; '
    "exit 0"
)
"""Echoes the payload back, then names any file a shell interpreting it would have made."""


def test_a_hostile_payload_is_never_shell_interpreted(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    seen = tmp_path / "host-seen"
    seen.mkdir()
    write_repo_hooks(repo, PreToolUse=[group(EDITS, DUMP)])
    mine = HooksConfig.model_validate(
        {"PreToolUse": [group(EDITS, 'cat > "$SEEN/payload.json"', where="host", env=["SEEN"])]}
    )
    environ = {"PATH": os.environ["PATH"], "SEEN": str(seen)}
    hooks = build_hooks(mine, repo, host_allowed=True, environ=environ)
    hostile = call("replace", path="calc.py", **HOSTILE)
    _, _, runs = solve(repo, [[hostile], [call("submit", summary="x")]], hooks)
    assert [(r["where"], r["decision"]) for r in runs] == [("sandbox", "allow"), ("host", "allow")]
    assert json.loads(runs[0]["output"])["tool_input"] == {"path": "calc.py", **HOSTILE}
    host_payload = json.loads((seen / "payload.json").read_text())
    assert host_payload["tool_input"] == {"path": "calc.py", **HOSTILE}
    assert not (repo / "pwned3").exists()


def test_host_hooks_run_on_the_host_but_not_in_ci(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    marker = tmp_path / "host-only" / "ran"  # not mounted: only the host can write it
    marker.parent.mkdir()
    mine = HooksConfig.model_validate(
        {"PreToolUse": [group(EDITS, 'hostname > "$MARKER"', where="host", env=["MARKER"])]}
    )
    environ = {"PATH": os.environ["PATH"], "MARKER": str(marker)}
    ci_hooks = build_hooks(mine, repo, host_allowed=False, environ=environ)
    _, _, runs = solve(repo, [[FIX], [call("submit", summary="x")]], ci_hooks)
    assert runs == [] and not marker.exists()
    assert "do not run here (ci)" in ci_hooks.warnings[0]

    (repo / "calc.py").write_text(BUGGY_CALC)
    solve_hooks = build_hooks(mine, repo, host_allowed=True, environ=environ)
    _, _, runs = solve(repo, [[FIX], [call("submit", summary="x")]], solve_hooks)
    assert [(r["where"], r["decision"]) for r in runs] == [("host", "allow")]
    assert marker.read_text().strip() == os.uname().nodename
    assert (repo / "calc.py").read_text() == FIXED_CALC


LENGTH = (
    'python3 -c \'import json,sys; p=json.load(sys.stdin); print(len(p["tool_input"]["content"]))\''
)


def test_a_payload_larger_than_one_environment_variable_arrives_whole(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    write_repo_hooks(repo, PreToolUse=[group(EDITS, LENGTH)])
    big = "é" * 150_000  # 900 kB of JSON escapes: nine environment variables
    turns = [[call("create", path="big.txt", content=big)], [call("submit", summary="x")]]
    _, _, runs = solve(repo, turns)
    assert [(r["decision"], r["output"]) for r in runs] == [("allow", "150000")]
    assert (repo / "big.txt").read_text() == big
