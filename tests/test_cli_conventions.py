"""The command line's conventions: one flag vocabulary, help on every flag with its default,
examples and environment variables in --help, --json that parses, `devagent sessions`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from devagent import cli
from devagent.commands.flags import ENVIRONMENT
from devagent.config import ENV_PATHS


def subparsers(
    parser: argparse.ArgumentParser, path: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command's parser by its path, e.g. 'images prune'."""
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= subparsers(sub, f"{path} {name}".strip())
    return found


PARSERS = subparsers(cli.build_parser())


def flags(command: str) -> set[str]:
    return {
        o
        for a in PARSERS[command]._actions
        if a.help != argparse.SUPPRESS
        for o in a.option_strings
    }


def help_text(command: str) -> str:
    return PARSERS[command].format_help()


def test_every_flag_and_argument_has_help():
    missing = [
        f"{command}: {action.option_strings or action.dest}"
        for command, parser in PARSERS.items()
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert missing == []


def test_a_flags_default_is_in_its_help():
    text = help_text("bench")
    assert "--jobs JOBS" in text and "(default: 1)" in text
    assert "(default: out/bench)" in text
    assert "(default: 10m)" in help_text("sandbox run")
    assert "(default: 14d)" in help_text("images prune")


def test_the_same_things_have_the_same_names():
    for command in ("solve", "ci", "chat", "bench"):
        assert "--model" in flags(command), command
    for command in ("solve", "ci", "chat"):
        assert "--test" in flags(command), command
    for command in ("solve", "ci"):
        assert {"--max-time", "--max-usd", "--max-steps", "--out"} <= flags(command), command
    for command in ("solve", "ci", "bench", "doctor", "replay", "sessions", "images prune"):
        assert "--json" in flags(command), command
    assert "--command-timeout" in flags("chat") and "--command-timeout" in flags("sandbox run")
    assert not {"--test-cmd", "--timeout"} & (flags("chat") | flags("sandbox run"))


def test_old_spellings_still_work_with_a_warning(caplog):
    parser = cli.build_parser()
    args = parser.parse_args(["chat", "--test-cmd", "pytest -q", "--timeout", "30"])
    assert (args.test_cmd, args.timeout) == ("pytest -q", 30.0)
    assert "--test-cmd is deprecated; use --test" in caplog.text
    args = parser.parse_args(["chat", "--test", "make check", "--command-timeout", "10m"])
    assert (args.test_cmd, args.timeout) == ("make check", 600.0)
    assert parser.parse_args(["sandbox", "run", "--timeout", "5", "--", "ls"]).timeout == 5.0


def test_main_commands_show_examples_and_environment_variables():
    for command in ("", "solve", "chat", "bench", "ci"):
        text = help_text(command)
        assert "examples:" in text and "environment variables:" in text, command
    for command in ("replay", "doctor", "sessions", "images prune", "sandbox run"):
        assert "examples:" in help_text(command), command


def test_the_environment_section_names_every_variable_the_settings_read():
    for name in [*ENV_PATHS, "DEVAGENT_CONFIG"]:
        assert name in ENVIRONMENT


def test_bench_help_names_the_oracle():
    assert "oracle" in help_text("bench").split("examples:")[0]


def test_doctor_json_parses_and_says_what_failed(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
    result = subprocess.run(
        [sys.executable, "-m", "devagent.cli", "doctor", "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    daemon = next(c for c in report["checks"] if c["name"] == "docker daemon")
    assert (daemon["ok"], daemon["fix"]) == (False, "make setup")


@pytest.fixture
def sessions_dir(tmp_path: Path) -> Path:
    from devagent.chat.store import SessionState, SessionStore

    store = SessionStore(tmp_path / "chat")
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "add a test"},
        {"role": "assistant", "content": "done"},
        {"role": "user", "content": "now commit"},
    ]
    store.save(SessionState(id="20261125-164500-3fa2c1", repo="/src/app", base="abc",
                            model="openai:gpt-4o", messages=messages))  # fmt: skip
    store.save(SessionState(id="20261126-090000-aaaaaa", repo="/src/lib", base="def",
                            model="scripted:x.yaml"))  # fmt: skip
    (store.root / "20261127-090000-bbbbbb").mkdir()  # unreadable: no session.json
    return store.root


def test_sessions_json_lists_each_session_and_how_to_resume_it(sessions_dir, capsys):
    assert cli.main(["sessions", "--json", "--sessions-dir", str(sessions_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)
    by_id = {s["id"]: s for s in listed}
    assert set(by_id) == {"20261125-164500-3fa2c1", "20261126-090000-aaaaaa"}
    first = by_id["20261125-164500-3fa2c1"]
    assert (first["repo"], first["turns"], first["model"]) == ("/src/app", 2, "openai:gpt-4o")
    assert first["resume"] == "devagent chat --resume 20261125-164500-3fa2c1"
    assert listed[0]["last_used"] >= listed[1]["last_used"]


def test_sessions_without_json_is_a_table_and_the_resume_command(sessions_dir, capsys):
    assert cli.main(["sessions", "--sessions-dir", str(sessions_dir)]) == 0
    out = capsys.readouterr().out
    assert "20261126-090000-aaaaaa" in out and "/src/lib" in out
    assert "devagent chat --resume ID" in out


def test_bench_json_summary_is_json_with_totals_and_tasks(tmp_path):
    from devagent.bench.report import TaskOutcome
    from devagent.bench.runner import BenchRun
    from devagent.commands.benchrun import bench_summary

    run = BenchRun(
        outcomes=[
            TaskOutcome(id="a", status="resolved", steps=3, cost_usd=0.01, wall_s=12.0),
            TaskOutcome(id="b", status="unresolved", reason="goal test fails", wall_s=20.0),
        ],
        skipped=[],
        wall_s=21.04,
    )
    summary = json.loads(json.dumps(bench_summary(run, "oracle", tmp_path)))
    assert summary["totals"]["resolved"] == 1 and summary["totals"]["tasks"] == 2
    assert [(t["id"], t["status"]) for t in summary["tasks"]] == [
        ("a", "resolved"),
        ("b", "unresolved"),
    ]
    assert summary["results"] == str(tmp_path / "results.jsonl")
