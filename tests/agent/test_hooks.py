"""Hooks without Docker: matching, verdicts, where hooks may come from, the loop on a local
sandbox, host hooks, the report, and replay with recorded decisions."""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.hookrun import Hooks, build_hooks
from devagent.agent.hooks import (
    HookEvents,
    HooksConfig,
    HooksConfigError,
    fitted,
    hooks_of,
    json_block,
    matching,
    parse_hooks_file,
    verdict,
)
from devagent.agent.loop import Agent
from devagent.agent.replay import replay
from devagent.agent.report import render_report
from devagent.agent.seams import AgentIO
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import Trajectory
from devagent.config import load_settings
from sandbox.local import LocalSandbox
from tests.agent.fakes import (
    BUGGY_CALC,
    CHECK,
    FIXED_CALC,
    ScriptedTestModel,
    call,
    fake_tools,
    reset_to,
    tiny_repo,
)

TASK = Task(issue="`add` subtracts instead of adding.", checks=(CHECK,))


def events(**by_event: Any) -> HookEvents:
    return HookEvents.model_validate(by_event)


def group(matcher: str, *commands: str, **options: Any) -> dict[str, Any]:
    return {"matcher": matcher, "hooks": [{"command": c, **options} for c in commands]}


# -- the pure part ---------------------------------------------------------------------------


def test_matchers_match_the_whole_tool_name() -> None:
    hooks = hooks_of(
        events(
            PreToolUse=[group("replace|create", "a"), group("run", "b"), group("mcp__.*", "c")],
            PostToolUse=[group("*", "d"), group("", "e")],
            PreSubmit=[group("ignored", "f")],
        ),
        "repo",
    )

    def commands(event: Any, tool: str) -> list[str]:
        return [h.command.command for h in matching(hooks, event, tool)]

    assert commands("PreToolUse", "replace") == ["a"]
    assert commands("PreToolUse", "run") == ["b"]
    assert commands("PreToolUse", "run_tests") == []
    assert commands("PreToolUse", "mcp__calc__add") == ["c"]
    assert commands("PostToolUse", "view") == ["d", "e"]
    assert commands("PreSubmit", "submit") == ["f"]
    assert commands("Stop", "") == []


@pytest.mark.parametrize(
    ("exit_code", "stdout", "stderr", "timed_out", "expected"),
    [
        (0, "fine", "", False, ("allow", "")),
        (2, "", "no edits to generated files\n", False, ("block", "no edits to generated files")),
        (2, "", "", False, ("block", "blocked by a hook (exit 2, no reason given)")),
        (1, "", "boom", False, ("error", "exit 1: boom")),
        (0, '{"decision": "block", "reason": "lint first"}', "", False, ("block", "lint first")),
        (0, '{"decision": "approve"}', "", False, ("allow", "")),
        (1, '{"decision": "block", "reason": "x"}', "", False, ("error", "exit 1: ")),
        (0, "", "", True, ("error", "timed out after 5s; killed")),
    ],
)
def test_verdicts(
    exit_code: int, stdout: str, stderr: str, timed_out: bool, expected: tuple[str, str]
) -> None:
    found = verdict(exit_code, stdout, stderr, timed_out=timed_out, timeout=5)
    assert (found.decision, found.reason) == expected


def test_a_permission_deny_blocks_too() -> None:
    out = {"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": "no"}}
    assert json_block(json.dumps(out)) == "no"
    assert json_block("[1, 2]") is None and json_block("not json") is None


def test_a_bad_hooks_file_names_the_file_and_key() -> None:
    with pytest.raises(HooksConfigError, match=r"hooks.json: hooks.PreToolUse\[0\].matcher"):
        parse_hooks_file('{"hooks": {"PreToolUse": [{"matcher": "(", "hooks": []}]}}', "hooks.json")
    with pytest.raises(HooksConfigError, match=r"hooks.json: hooks.OnTea"):
        parse_hooks_file('{"hooks": {"OnTea": []}}', "hooks.json")
    with pytest.raises(HooksConfigError, match="invalid JSON"):
        parse_hooks_file("{", "hooks.json")


def write_repo_hooks(repo: Path, **by_event: Any) -> None:
    (repo / ".devagent").mkdir(exist_ok=True)
    (repo / ".devagent" / "hooks.json").write_text(json.dumps({"hooks": by_event}))


def test_a_repository_hook_asking_for_the_host_is_refused(tmp_path: Path) -> None:
    write_repo_hooks(
        tmp_path,
        PreToolUse=[group("run", "touch /tmp/owned", where="host"), group("run", "true")],
    )
    hooks = build_hooks(HooksConfig(), tmp_path, host_allowed=True, environ={})
    assert [(h.command.command, h.source) for h in hooks.hooks] == [("true", "repo")]
    assert "asks to run on the host" in hooks.warnings[0] and "refused" in hooks.warnings[0]


def test_host_hooks_come_only_from_the_person_and_never_in_ci(tmp_path: Path) -> None:
    mine = HooksConfig.model_validate(
        {"Stop": [group("", "echo here", where="host"), group("", "echo box")]}
    )
    solve = build_hooks(mine, tmp_path, host_allowed=True, environ={})
    ci = build_hooks(mine, tmp_path, host_allowed=False, environ={})
    assert [h.command.where for h in solve.hooks] == ["host", "sandbox"]
    assert [h.command.where for h in ci.hooks] == ["sandbox"]
    assert "hooks on the host do not run here (ci)" in ci.warnings[0]


def test_a_repository_config_cannot_set_hooks_but_the_person_can(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "devagent.toml").write_text('[[hooks.Stop]]\nhooks = [{command = "evil"}]\n')
    user = tmp_path / "config.toml"
    hooks_json = tmp_path / "mine.json"
    hooks_json.write_text(json.dumps({"hooks": {"PreSubmit": [group("", "make lint")]}}))
    user.write_text(
        f'[hooks]\nfile = "{hooks_json}"\n[[hooks.PreToolUse]]\nmatcher = "run"\n'
        'hooks = [{command = "echo mine", where = "host", env = ["MY_TOKEN"]}]\n'
    )
    settings = load_settings({}, repo, env={"DEVAGENT_CONFIG": str(user), "HOME": str(tmp_path)})
    assert settings.hooks.Stop == []
    built = build_hooks(settings.hooks, repo, host_allowed=True, environ={})
    assert [(h.event, h.command.command) for h in built.hooks] == [
        ("PreToolUse", "echo mine"),
        ("PreSubmit", "make lint"),
    ]


def test_env_is_only_for_host_hooks() -> None:
    with pytest.raises(ValueError, match="`env` is for a hook with where = 'host'"):
        HooksConfig.model_validate({"Stop": [group("", "x", env=["TOKEN"])]})


# -- the loop on a local sandbox ---------------------------------------------------------------


def run_with_hooks(
    repo: Path, hooks: Hooks, turns: list[Any], out: Path | None = None
) -> tuple[RunResult, ScriptedTestModel, AgentIO]:
    sandbox = LocalSandbox(repo)
    model = ScriptedTestModel(turns)
    io = AgentIO(
        workspace=repo,
        patch_fn=partial(sandbox_diff, sandbox),
        restore_fn=partial(reset_to, repo),
        trajectory=Trajectory(out or repo.parent / "out" / "trajectory.jsonl"),
        hooks=hooks,
    )
    agent = Agent(model, fake_tools(), sandbox, Budget(BudgetConfig()), io=io)
    return agent.run(TASK), model, io


GUARD = (
    "python3 -c 'import json,sys; p=json.load(sys.stdin); "
    'sys.exit(0) if p["tool_input"]["path"] != "calc.py" else '
    'sys.exit(print("no edits to generated files", file=sys.stderr) or 2)\''
)
GUARD_TURNS = [
    [call("write_file", path="calc.py", content=FIXED_CALC)],
    [call("write_file", path="notes.txt", content="hi")],
    [call("submit", summary="done")],
]


def test_a_blocked_call_is_not_run_and_the_model_reads_why(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    write_repo_hooks(repo, PreToolUse=[group("write_file", GUARD)])
    hooks = build_hooks(HooksConfig(), repo, host_allowed=False, environ={})
    result, model, io = run_with_hooks(repo, hooks, GUARD_TURNS)
    assert (repo / "calc.py").read_text() == BUGGY_CALC
    assert (repo / "notes.txt").read_text() == "hi"
    told = model.requests[1][-1].content
    assert "blocked this `write_file` call" in told and "no edits to generated files" in told
    records = [r for r in io.trajectory.records if r["type"] == "hook"]
    assert [(r["decision"], r["exit_code"]) for r in records] == [("block", 2), ("allow", 0)]
    assert [r["decision"] for r in result.hooks] == ["block", "allow"]
    report = render_report(TASK, result)
    assert "## Hooks" in report and "no edits to generated files" in report


def test_replay_answers_hooks_with_their_recorded_decisions(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "rec" / "repo")
    write_repo_hooks(repo, PreToolUse=[group("write_file", GUARD, "true")])
    hooks = build_hooks(HooksConfig(), repo, host_allowed=False, environ={})
    result, _, _ = run_with_hooks(repo, hooks, GUARD_TURNS)
    assert result.trajectory_path is not None
    fresh = tiny_repo(tmp_path / "fresh" / "repo")  # no hooks file: nothing could run them
    sandbox = LocalSandbox(fresh)
    io = AgentIO(
        workspace=fresh,
        patch_fn=partial(sandbox_diff, sandbox),
        trajectory=Trajectory(tmp_path / "replayed.jsonl"),
    )
    report = replay(result.trajectory_path, fake_tools(), sandbox, io)
    assert report.reproduced, report.divergence
    replayed = [r for r in io.trajectory.records if r["type"] == "hook"]
    assert [(r["decision"], r["replayed"]) for r in replayed] == [
        ("block", True),
        ("allow", True),
        ("allow", True),
    ]
    assert (fresh / "calc.py").read_text() == BUGGY_CALC


def test_host_hooks_get_the_payload_on_stdin_and_a_minimal_environment(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    seen = tmp_path / "seen"
    mine = HooksConfig.model_validate(
        {
            "PreToolUse": [
                group("run", 'cat > "$SEEN_DIR/payload.json"; env > "$SEEN_DIR/env"',
                      where="host", env=["SEEN_DIR"])
            ]
        }
    )  # fmt: skip
    seen.mkdir()
    environ = {"PATH": os.environ["PATH"], "SEEN_DIR": str(seen), "OPENAI_API_KEY": "sk-secret"}
    hooks = build_hooks(mine, repo, host_allowed=True, environ=environ)
    hostile = "echo '; rm -rf / #' \"$(touch pwned)\" `touch pwned2`"
    run_with_hooks(repo, hooks, [[call("run", command=hostile)], [call("submit", summary="x")]])
    payload = json.loads((seen / "payload.json").read_text())
    assert payload["tool_input"] == {"command": hostile}
    assert payload["hook_event_name"] == "PreToolUse" and payload["cwd"] == str(repo)
    env = (seen / "env").read_text()
    assert "SEEN_DIR=" in env and "sk-secret" not in env


def test_an_oversized_payload_is_clipped_not_dropped() -> None:
    payload = {"tool_name": "create", "tool_input": {"path": "a", "content": "x" * 50_000}}
    assert fitted(payload, limit=100_000) == payload
    small = fitted(payload, limit=20_000)
    assert small["clipped"] is True and small["tool_input"]["path"] == "a"
    assert len(small["tool_input"]["content"]) == 16384
    assert "tool_input" not in fitted(payload, limit=1000)
