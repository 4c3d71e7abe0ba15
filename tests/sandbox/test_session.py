"""The persistent shell and the one-shot mode behave like a terminal and like `bash -c`."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.runsc]


def test_cwd_and_exported_variables_persist_in_the_session(sb):
    sb.exec("cd /tmp && export GREETING=hi")
    result = sb.exec("pwd; echo $GREETING")
    assert result.output == "/tmp\nhi\n"
    assert result.exit_code == 0


def test_one_shot_mode_starts_fresh_each_time(sb):
    sb.exec("cd /tmp && export GREETING=hi")
    result = sb.exec('pwd; echo "[$GREETING]"', session=False)
    assert result.output == "/workspace\n[]\n"


def test_output_without_trailing_newline_is_kept_exactly(sb):
    assert sb.exec("printf abc").output == "abc"
    assert sb.exec("printf abc", session=False).output == "abc"


def test_command_reading_stdin_gets_end_of_file(sb):
    result = sb.exec('read line; echo "rc=$? [$line]"', timeout=10)
    assert result.output == "rc=1 []\n"
    assert not result.timed_out


def test_exit_in_a_command_restarts_the_session_and_keeps_its_state(sb):
    sb.exec("cd /tmp && export KEEP=yes")
    result = sb.exec("echo bye; exit 3")
    assert (result.exit_code, result.output, result.restarted) == (3, "bye\n", True)
    after = sb.exec("pwd; echo $KEEP")
    assert after.output == "/tmp\nyes\n"
    assert not after.restarted


def test_exit_codes_stderr_and_syntax_errors_are_reported(sb):
    result = sb.exec("echo out; echo err >&2; false")
    assert result.exit_code == 1
    assert "out\n" in result.output and "err\n" in result.output
    broken = sb.exec("if then")
    assert broken.exit_code == 2
    assert "syntax error" in broken.output
    assert sb.exec("echo still-here").output == "still-here\n"


def test_cwd_and_env_arguments(sb):
    result = sb.exec("pwd; echo $COLOR", cwd="/tmp", env={"COLOR": "blue"}, session=False)
    assert result.output == "/tmp\nblue\n"
    result = sb.exec("echo $COLOR", env={"COLOR": "red"})
    assert result.output == "red\n"
    assert sb.exec('echo "[$COLOR]"').output == "[]\n"


def test_non_utf8_output_is_decoded_with_replacement(sb):
    result = sb.exec("printf 'ok \\377\\376 end'")
    assert result.output == "ok \ufffd\ufffd end"


def test_quotes_backslashes_and_newlines_survive(sb):
    command = "printf '%s\\n' \"it's\" 'a \\\\ b'\necho \"two\nlines\""
    assert sb.exec(command).output == "it's\na \\\\ b\ntwo\nlines\n"


def test_put_and_get_round_trip_owned_by_the_sandbox_user(sb, workspace):
    sb.put("/workspace/sub/data.bin", b"\x00\x01binary")
    assert sb.get("/workspace/sub/data.bin") == b"\x00\x01binary"
    assert (workspace / "sub" / "data.bin").read_bytes() == b"\x00\x01binary"
    owner = sb.exec("find /workspace/sub/data.bin -printf %U").output
    assert owner == sb.user.split(":")[0]


def test_files_written_inside_are_not_owned_by_root_on_the_host(sb, workspace):
    sb.exec("echo made-inside > made.txt && mkdir -p d && touch d/x")
    for path in (workspace / "made.txt", workspace / "d" / "x"):
        assert path.stat().st_uid != 0
    assert (workspace / "made.txt").read_text() == "made-inside\n"
