"""`devagent solve` and `ci` refuse what cannot work before any clone, sandbox or model call.

Seen before: `--max-steps 0` and `--max-time 0s` ended as `budget_exhausted` after the clone and
the sandbox; `--max-usd -1` and `nan` printed a pydantic validation error; an invalid `--branch`
was reported after the whole model run. Each case here runs against a counting fake model
server: zero requests, no output folder, no private workspace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from devagent.wspool import slot_root
from tests.llm.test_llm_openai_model import chat_response
from tests.support import committed_repo, docker_environ

CHECK = "python3 -c 'import calc; assert calc.add(2, 3) == 5'"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    calc = {"calc.py": "def add(a, b):\n    return a - b\n"}
    return committed_repo(tmp_path / "repo", calc, "calc")


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hmm"))
    return httpserver


def devagent(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEVAGENT_CACHE_DIR": str(tmp_path / "cache"),
        "COLUMNS": "400",
        **docker_environ(),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "devagent.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def solve(tmp_path: Path, repo: Path, server: HTTPServer, *args: str, model: tuple = ()):
    (tmp_path / "issue.md").write_text("# add() subtracts\n")
    model = model or ("--model", "openai:fake", "--base-url", server.url_for("/v1"))
    return devagent(
        tmp_path,
        "solve", str(tmp_path / "issue.md"), "--repo", str(repo), *model,
        "--image", "devagent/base:latest", "--test", CHECK, "--max-steps", "2",
        "--out", str(tmp_path / "out"), *args,
    )  # fmt: skip


def error_line(stderr: str) -> str:
    """The one `error:` line (a background import may print a library's warning first)."""
    (line,) = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return line


def assert_refused_before_any_work(result, tmp_path: Path, repo: Path, server: HTTPServer):
    assert result.returncode == 2, result.stdout + result.stderr
    error_line(result.stderr)
    assert len(server.log) == 0  # no model call
    assert not (tmp_path / "out").exists()
    assert not slot_root(tmp_path / "cache", repo).exists()  # no clone


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-steps", "0"], "--max-steps must be a whole number above 0, not 0"),
        (["--max-steps", "-3"], "--max-steps must be a whole number above 0, not -3"),
        (["--max-tokens", "0"], "--max-tokens must be a whole number above 0, not 0"),
        (["--max-usd", "-1"], "--max-usd must be a finite number above 0, not -1.0"),
        (["--max-usd", "nan"], "--max-usd must be a finite number above 0, not nan"),
        (["--max-usd", "inf"], "--max-usd must be a finite number above 0, not inf"),
        (["--max-time", "0s"], "--max-time must be a duration above 0"),
        (["--max-time", "soon"], "argument --max-time: cannot read duration 'soon'"),
        (["--branch", "bad..name"], "--branch 'bad..name' is not a valid branch name"),
        (["--branch=-x"], "--branch '-x' is not a valid branch name"),
        (["--branch", "main"], "--branch main is checked out in"),
        (["--pr", "--base-branch", "a b"], "--base-branch 'a b' is not a valid branch name"),
        (["--base", "no-such-rev"], "--base: unknown revision 'no-such-rev'"),
    ],
)
def test_a_flag_that_cannot_work_is_one_line_naming_it_before_any_work(
    tmp_path: Path, repo: Path, server: HTTPServer, args: list[str], message: str
) -> None:
    result = solve(tmp_path, repo, server, *args)
    assert_refused_before_any_work(result, tmp_path, repo, server)
    assert error_line(result.stderr).startswith(f"error: {message}"), result.stderr
    assert "hint:" not in result.stderr  # one line: the flag and what is wrong with it


@pytest.mark.parametrize(
    ("spec", "key"),
    [("openai:gpt-4o", "OPENAI_API_KEY"), ("anthropic:claude-sonnet-4-6", "ANTHROPIC_API_KEY")],
)
def test_a_missing_key_for_the_chosen_provider_is_an_error_before_the_clone(
    tmp_path: Path, repo: Path, server: HTTPServer, spec: str, key: str
) -> None:
    result = solve(tmp_path, repo, server, model=("--model", spec))
    assert_refused_before_any_work(result, tmp_path, repo, server)
    assert key in error_line(result.stderr)


def test_an_unknown_model_spec_is_an_error_before_the_clone(
    tmp_path: Path, repo: Path, server: HTTPServer
) -> None:
    result = solve(tmp_path, repo, server, model=("--model", "gpt4"))
    assert_refused_before_any_work(result, tmp_path, repo, server)
    assert "unknown model spec 'gpt4'" in result.stderr


def test_an_out_that_is_a_file_is_refused_naming_out_and_left_as_it_was(
    tmp_path: Path, repo: Path, server: HTTPServer
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine\n")
    for out, problem in ((taken, "is a file, not a folder"), (taken / "sub", "not a folder")):
        result = solve(tmp_path, repo, server, "--out", str(out))
        assert_refused_before_any_work(result, tmp_path, repo, server)
        assert error_line(result.stderr).startswith(f"error: --out {out}: ")
        assert problem in error_line(result.stderr)
    assert taken.read_text() == "mine\n"


def test_include_dirty_with_a_url_and_a_missing_repo_folder_are_refused_up_front(
    tmp_path: Path, repo: Path, server: HTTPServer
) -> None:
    (tmp_path / "issue.md").write_text("# add() subtracts\n")
    model = ("--model", "openai:fake", "--base-url", server.url_for("/v1"))
    issue = str(tmp_path / "issue.md")
    url = devagent(tmp_path, "solve", issue, "--repo", f"file://{repo}", "--include-dirty", *model)
    assert url.returncode == 2
    assert error_line(url.stderr).startswith("error: --include-dirty needs --repo to be a local")
    missing = devagent(tmp_path, "solve", issue, "--repo", str(tmp_path / "nope"), *model)
    assert missing.returncode == 2
    assert error_line(missing.stderr).startswith(f"error: --repo {tmp_path / 'nope'}: no such")
    assert len(server.log) == 0


def test_ci_checks_its_budget_and_out_flags_before_reading_the_event(tmp_path: Path) -> None:
    result = devagent(tmp_path, "ci", "--max-usd", "nan")
    assert result.returncode == 2
    assert error_line(result.stderr) == "error: --max-usd must be a finite number above 0, not nan"
    (tmp_path / "file").write_text("")
    result = devagent(tmp_path, "ci", "--out", str(tmp_path / "file"))
    assert error_line(result.stderr).startswith(f"error: --out {tmp_path / 'file'}: is a file")
