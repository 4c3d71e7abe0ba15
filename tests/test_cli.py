"""The command line as a user meets it: version, help, doctor, errors as one line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from devagent import __version__
from devagent.logs import setup_logging


def devagent(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "devagent.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_version():
    result = devagent("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"devagent {__version__}"


def test_help_lists_the_subcommands():
    result = devagent("--help")
    assert result.returncode == 0
    for command in ("doctor", "images", "sandbox"):
        assert command in result.stdout


def test_doctor_with_a_dead_daemon_says_so_and_exits_1(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DOCKER_HOST": f"unix://{tmp_path}/none.sock", "COLUMNS": "200"}
    result = devagent("doctor", env=env)
    assert result.returncode == 1
    row = next(line for line in result.stdout.splitlines() if "docker daemon" in line)
    assert "FAIL" in row and "make setup" in row


def test_doctor_names_credentials_but_never_prints_their_values(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DOCKER_HOST": f"unix://{tmp_path}/none.sock",
        "OPENAI_API_KEY": "sk-test-do-not-print-1234",
        "COLUMNS": "200",
    }
    result = devagent("doctor", env=env)
    row = next(line for line in result.stdout.splitlines() if "model providers" in line)
    assert "openai" in row and "anthropic" not in row
    assert "sk-test-do-not-print-1234" not in result.stdout + result.stderr


def test_errors_are_one_line_on_stderr_and_exit_2():
    result = devagent("sandbox", "run")
    assert result.returncode == 2
    assert result.stderr == "error: give a command after --, e.g. devagent sandbox run -- ls -la\n"
    assert result.stdout == ""


def test_log_json_writes_one_json_object_per_line(capsys):
    setup_logging(json_lines=True)
    logging.getLogger("devagent.test").warning("disk %s", "full")
    entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "warning",
        "devagent.test",
        "disk full",
    )


@pytest.mark.docker
def test_sandbox_run_executes_in_a_container(tmp_path):
    (tmp_path / "marker.txt").write_text("from host\n")
    result = devagent("sandbox", "run", "--dir", str(tmp_path), "--", "cat marker.txt; id -u")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "from host"
    assert lines[1] != "0"


def test_global_flags_are_taken_anywhere_before_a_double_dash():
    from devagent.cli import build_parser, hoist_global_flags

    argv = ["solve", "issue.md", "-q", "--repo", ".", "--log-json"]
    args = build_parser().parse_args(hoist_global_flags(argv))
    assert (args.command, args.quiet, args.log_json, args.verbose) == ("solve", True, True, False)
    kept = hoist_global_flags(["sandbox", "run", "-v", "--", "ls", "-q"])
    assert kept == ["-v", "sandbox", "run", "--", "ls", "-q"]


def test_the_provider_sdk_is_guessed_for_runs_that_call_a_model():
    from devagent.entry import sdk_for

    assert sdk_for(["ci", "i.md", "--model", "openai:gpt-4o"], {}) == "openai"
    assert sdk_for(["chat", "--model", "anthropic:claude"], {}) == "anthropic"
    assert sdk_for(["bench", "tasks"], {"ANTHROPIC_API_KEY": "k"}) == "anthropic"
    assert sdk_for(["ci", "i.md", "--model", "scripted:x.yaml"], {}) is None
    assert sdk_for(["doctor"], {}) is None
    assert sdk_for(["chat", "--help"], {"OPENAI_API_KEY": "k"}) is None  # no model is called


def test_solve_leaves_the_sdk_to_its_first_request():
    from devagent.entry import sdk_for

    assert sdk_for(["solve", "i.md", "--model", "openai:gpt-4o"], {}) is None


def test_the_console_script_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "devagent.entry", "--version"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("devagent ")


def test_the_sdk_a_run_needs_is_imported_in_the_background():
    from devagent.entry import prefetch_sdk

    script = (
        "import sys, time\n"
        "from devagent.entry import prefetch_sdk\n"
        "assert prefetch_sdk(['ci', 'i.md', '--model', 'openai:m'], {}) == 'openai'\n"
        "deadline = time.monotonic() + 60\n"
        "while 'openai._client' not in sys.modules and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "print('openai._client' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=90
    )
    assert done.stdout.strip() == "True", done.stderr
    assert prefetch_sdk(["doctor"], {}) is None
