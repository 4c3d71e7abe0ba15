"""Slash commands on a real workspace and a real user repo (commands run on the host)."""

from __future__ import annotations

from pathlib import Path

from devagent.chat.commands import CommandEnv, is_command, run_command
from devagent.chat.session import ChatSession
from devagent.llm.scripted import ScriptedModel
from tests.chat.helpers import BUGGY, FIX_CALL, FIXED, FakePerson, git, local_session, reply


def _env(tmp_path: Path, replies: list[dict], auto: bool = True) -> CommandEnv:  # type: ignore[type-arg]
    session, ws, _ = local_session(tmp_path, replies, auto=auto)
    return CommandEnv(
        session, tmp_path / "repo", "20260101-000000-abcdef", ws.base,
        build_model=lambda spec: ScriptedModel.from_replies(["switched"]),
    )  # fmt: skip


def _fixed(env: CommandEnv) -> ChatSession:
    env.session.turn("fix add", FakePerson())
    return env.session


def test_diff_shows_the_session_changes(tmp_path: Path) -> None:
    env = _env(tmp_path, [reply("", FIX_CALL), reply("done")])
    assert run_command("/diff", env).text == "no changes yet"
    _fixed(env)
    result = run_command("/diff", env)
    assert result.kind == "diff"
    assert "+    return a + b" in result.text


def test_apply_lands_in_the_user_tree(tmp_path: Path) -> None:
    env = _env(tmp_path, [reply("", FIX_CALL), reply("done")])
    _fixed(env)
    result = run_command("/apply", env)
    assert result.text.endswith(": calc.py")
    assert (env.repo / "calc.py").read_text() == FIXED


def test_apply_refuses_with_nothing_to_apply(tmp_path: Path) -> None:
    env = _env(tmp_path, [])
    result = run_command("/apply", env)
    assert result.kind == "error"
    assert "nothing to apply" in result.text
    assert (env.repo / "calc.py").read_text() == BUGGY


def test_commit_makes_a_branch_and_leaves_the_checkout(tmp_path: Path) -> None:
    env = _env(tmp_path, [reply("", FIX_CALL), reply("done")])
    _fixed(env)
    result = run_command("/commit Fix add", env)
    assert "on branch devagent/chat-20260101-000000-abcdef" in result.text
    branch = "devagent/chat-20260101-000000-abcdef"
    assert git(env.repo, "show", f"{branch}:calc.py") == FIXED
    assert git(env.repo, "log", "-1", "--format=%s", branch).strip() == "Fix add"
    assert git(env.repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert (env.repo / "calc.py").read_text() == BUGGY


def test_undo_test_and_run(tmp_path: Path) -> None:
    env = _env(tmp_path, [reply("", FIX_CALL), reply("done")])
    _fixed(env)
    assert run_command("/test", env).kind == "text"
    assert run_command("/undo", env).text == "reverted the last change (0 more undo point(s))"
    failing = run_command("/test", env)
    assert failing.kind == "error"
    assert "FAILED (failures=1)" in failing.text
    assert run_command("/undo", env).text == "nothing to undo"
    assert "hello" in run_command("/run echo hello", env).text


def test_model_clear_budget_help_exit(tmp_path: Path) -> None:
    env = _env(tmp_path, [reply("hi")])
    env.session.turn("hello", FakePerson())
    assert run_command("/model other:spec", env).text == "model: scripted:inline"
    assert env.session.model.complete([], []).message.content == "switched"
    assert "tokens:" in run_command("/budget", env).text
    run_command("/clear", env)
    assert env.session.messages == []
    assert "/undo" in run_command("/help", env).text
    assert run_command("/exit", env).exit
    assert run_command("/nope", env).kind == "error"


def test_is_command() -> None:
    assert is_command("/diff")
    assert not is_command("// a comment about paths")
    assert not is_command("fix /tmp handling")


def test_apply_and_commit_of_a_workflow_change_need_an_explicit_yes(tmp_path: Path) -> None:
    env = _env(tmp_path, [reply("", FIX_CALL), reply("done")])
    _fixed(env)
    workflow = env.session.workspace.tree / ".github" / "workflows" / "x.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\n")
    refused = run_command("/apply", env)
    assert refused.kind == "error" and ".github/workflows/x.yml" in refused.text
    assert (env.repo / "calc.py").read_text() == BUGGY
    assert run_command("/commit Fix", env).kind == "error"
    assert run_command("/apply --yes", env).kind != "error"
    assert (env.repo / ".github" / "workflows" / "x.yml").is_file()
    committed = run_command("/commit --yes Fix add", env)
    assert "on branch" in committed.text
    branch = "devagent/chat-20260101-000000-abcdef"
    assert git(env.repo, "log", "-1", "--format=%s", branch).strip() == "Fix add"
