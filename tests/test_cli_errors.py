"""Errors as a person reads them: one line on stderr naming the file, line, key or flag; no
pydantic dumps, no parser internals; details and the --verbose hint only where they help."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from devagent import cli
from devagent.commands.failure import explain

INTERNALS = ("pydantic", "errors.pydantic.dev", "<unicode string>", "[Errno", "Traceback")


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line of a command that fails with exit code 2."""
    code, out, err = run_main(argv, capsys)
    assert code == 2
    return one_error_line(out, err)


def one_error_line(out: str, err: str) -> str:
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert not any(text in err for text in INTERNALS), err
    return lines[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "README").write_text("a repository with one commit\n")
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    return path


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    path = tmp_path / "issue.md"
    path.write_text("Fix the thing.\n")
    return path


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DEVAGENT_CONFIG", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for name in ("DEVAGENT_MODEL", "DEVAGENT_MAX_USD", "DEVAGENT_IMAGE", "DEVAGENT_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)


def solve(issue: Path, repo: Path, *more: str) -> list[str]:
    return ["solve", str(issue), "--repo", str(repo), "--model", "scripted:none.yaml", *more]


def test_a_bad_value_in_the_persons_config_names_the_file_line_and_key(
    tmp_path, repo, issue, monkeypatch, capsys
):
    config = tmp_path / "config.toml"
    config.write_text('model = "openai:x"\n[budget]\nmax_usd = "lots"\n')
    monkeypatch.setenv("DEVAGENT_CONFIG", str(config))
    line = fails(solve(issue, repo), capsys)
    assert line.startswith(f"error: {config}:3: budget.max_usd: input should be a valid number")
    assert "(got 'lots')" in line


def test_an_unknown_key_in_the_repos_config_names_the_file_and_line(repo, issue, capsys):
    (repo / "devagent.toml").write_text('test_commands = ["pytest"]\n\ntest_comands = ["x"]\n')
    expected = f"error: {repo / 'devagent.toml'}:3: test_comands: unknown key"
    assert fails(solve(issue, repo), capsys) == expected


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path, repo, issue, monkeypatch, capsys):
    config = tmp_path / "config.toml"
    config.write_text('model = "a"\nnetwork = \n')
    monkeypatch.setenv("DEVAGENT_CONFIG", str(config))
    assert fails(solve(issue, repo), capsys).startswith(f"error: {config}:2: invalid TOML: ")


def test_a_bad_environment_variable_is_named(repo, issue, monkeypatch, capsys):
    monkeypatch.setenv("DEVAGENT_MAX_USD", "plenty")
    line = fails(solve(issue, repo), capsys)
    assert line.startswith("error: DEVAGENT_MAX_USD: input should be a valid number")


def test_bad_yaml_front_matter_names_the_issue_file_and_its_line(tmp_path, repo, capsys):
    issue = tmp_path / "bad.md"
    issue.write_text("---\nchecks: [a\nb: c\n---\nFix it.\n")
    line = fails(solve(issue, repo), capsys)
    assert line.startswith(f"error: {issue}:3: front matter is not valid YAML")


def test_an_unknown_front_matter_key_names_the_line_and_the_known_keys(tmp_path, repo, capsys):
    issue = tmp_path / "bad.md"
    issue.write_text("+++\nchecks = ['true']\nbudjet = 3\n+++\nFix it.\n")
    line = fails(solve(issue, repo), capsys)
    assert line.startswith(f"error: {issue}:3: front matter: budjet: unknown key (known: checks")


def test_an_os_error_on_out_names_the_flag_and_what_to_do(tmp_path):
    out = tmp_path / "taken"
    failure = explain(FileExistsError(errno.EEXIST, "File exists", str(out)), out)
    assert failure.message == (
        f"--out {out}: file exists; give a directory, or a path that does not exist yet"
    )
    full = explain(OSError(errno.ENOSPC, "No space left on device", str(out / "t.jsonl")), out)
    assert full.message.startswith(f"--out {out} ({out / 't.jsonl'}): no space left on device;")
    assert full.hint_for(verbose=False) == ""


def test_a_long_message_is_not_wrapped_when_stderr_is_redirected(tmp_path):
    name = tmp_path / ("n" * 200 + ".md")
    result = subprocess.run(
        [sys.executable, "-m", "devagent.cli", "solve", str(name), "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "80"},
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"error: issue file not found: {name}\n"


def test_the_verbose_hint_is_for_unexpected_errors_only(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setitem(cli.HANDLERS, "doctor", broken)
    code, out, err = run_main(["doctor"], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: RuntimeError: disk controller on fire",
        "hint: rerun with --verbose for the traceback",
    ]
    code, out, err = run_main(["doctor", "-v"], capsys)
    assert "Traceback" in err and "disk controller on fire" in err
    assert "rerun with --verbose" not in err


def test_the_details_of_an_error_show_with_verbose_only(monkeypatch, capsys):
    from sandbox.errors import ImageBuildError

    def failing_build(args):
        raise ImageBuildError("building devagent/env:x failed at step `RUN make`\nlog 1\nlog 2")

    monkeypatch.setitem(cli.HANDLERS, "doctor", failing_build)
    code, out, err = run_main(["doctor"], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: building devagent/env:x failed at step `RUN make`",
        "hint: --verbose shows 2 more lines",
    ]
    _, _, err = run_main(["doctor", "--verbose"], capsys)
    assert "log 1\nlog 2" in err and "hint:" not in err


def test_log_warnings_go_to_stderr(repo, issue, capsys):
    (repo / "devagent.toml").write_text("network = true\nbogus = 1\n")
    _, out, err = run_main(solve(issue, repo), capsys)
    assert out == ""
    assert "security policy a repository may not set" in err


def test_a_long_result_line_is_not_wrapped_when_stdout_is_redirected(tmp_path):
    config = tmp_path / ("c" * 120) / "config.toml"
    config.parent.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "devagent.cli", "config", "set", "model", "openai:gpt-4o"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DEVAGENT_CONFIG": str(config)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"model set in {config}\n"
