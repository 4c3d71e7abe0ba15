"""Real clone, real container: a goal command that cannot run ends the run before any model
call, and with --include-dirty the person's changes and the agent's stay apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.e2e.scenario import BUGGY, CHECK, FIX
from tests.llm.test_llm_openai_model import chat_response
from tests.support import git

pytestmark = pytest.mark.docker
IMAGE = ["--image", "devagent/base:latest"]


@pytest.fixture
def fake_model(httpserver: HTTPServer) -> tuple[list[str], HTTPServer]:
    """`--model` flags for a fake OpenAI-compatible server, and the server (its log counts
    the calls)."""
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hmm"))
    return ["--model", "openai:fake", "--base-url", httpserver.url_for("/v1")], httpserver


@pytest.mark.parametrize(
    "case",
    [("nosuchtool --x", 127, "command not found"), ("./calc.py", 126, "cannot be run")],
)
def test_a_goal_command_that_cannot_run_ends_as_error_with_no_model_call(
    devagent, issue_file, buggy_repo, fake_model, tmp_path, case
):
    """Seen before: exit 127 went back to the model as failing code, step after step."""
    (check, code, meaning), (flags, server) = case, fake_model
    out = tmp_path / "out"
    result = devagent(
        "solve", str(issue_file), "--repo", str(buggy_repo), *flags, *IMAGE,
        "--test", check, "--max-steps", "3", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(server.log) == 0
    reason = f"the goal check `{check}` cannot run in the sandbox (exit {code}: {meaning})"
    assert result.stdout.startswith(f"error — {reason}")
    saved = json.loads((out / "result.json").read_text())
    assert (saved["status"], saved["steps"], saved["reason"].startswith(reason)) == (
        "error",
        0,
        True,
    )
    assert (out / "patch.diff").read_text() == ""


def dirty(repo: Path, calc: str) -> None:
    """The person's uncommitted work: an edited calc.py and a new notes file."""
    (repo / "calc.py").write_text(calc)
    (repo / "notes.txt").write_text("my notes\n")


def test_with_include_dirty_the_patch_is_the_agents_change_and_the_persons_are_apart(
    solve, buggy_repo, tmp_path
):
    """Seen before: patch.diff held the person's own edits as if the agent had made them."""
    mine = "# my own note\n" + BUGGY
    dirty(buggy_repo, mine)
    out = tmp_path / "out"
    result = solve(FIX, *IMAGE, "--test", CHECK, "--include-dirty", "--out", str(out), "--apply",
                   "--branch", "fix/add")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    patch = (out / "patch.diff").read_text()
    assert "+    return a + b" in patch
    assert "+# my own note" not in patch and "notes.txt" not in patch  # context lines only
    assert "+# my own note" in (out / "dirty.diff").read_text()
    assert "+my notes" in (out / "dirty.diff").read_text()
    saved = json.loads((out / "result.json").read_text())
    assert (saved["status"], saved["dirty_paths"]) == ("solved", ["calc.py", "notes.txt"])
    assert "started from your uncommitted changes (calc.py, notes.txt)" in result.stdout
    assert f"they are in {out / 'dirty.diff'}, not in the patch" in result.stdout
    fixed_mine = mine.replace("a - b", "a + b")
    assert (buggy_repo / "calc.py").read_text() == fixed_mine  # --apply: theirs kept, plus the fix
    assert git(buggy_repo, "show", "fix/add:calc.py") == fixed_mine  # the branch: both, on HEAD
    assert git(buggy_repo, "show", "fix/add:notes.txt") == "my notes\n"


def test_with_include_dirty_checks_that_pass_with_no_change_by_the_agent_are_not_solved(
    solve, buggy_repo, tmp_path
):
    """Seen before: the person's own fix passed the checks, the agent changed nothing, and the
    run said `solved`, with the person's fix as its patch."""
    dirty(buggy_repo, BUGGY.replace("a - b", "a + b"))
    call = {"name": "submit", "arguments": {"summary": "it works"}}
    submit = [{"content": "Done.", "tool_calls": [call]}]
    out = tmp_path / "out"
    result = solve(submit, *IMAGE, "--test", CHECK, "--include-dirty", "--out", str(out), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    payload = json.loads(result.stdout)
    assert (payload["status"], payload["reason"]) == (
        "unsolved",
        "the goal checks pass, but the agent changed nothing",
    )
    assert payload["dirty_paths"] == ["calc.py", "notes.txt"]
    assert (out / "patch.diff").read_text() == ""
    assert "+    return a + b" in (out / "dirty.diff").read_text()
