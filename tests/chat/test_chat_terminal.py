"""`devagent chat` in a pseudo-terminal with a scripted model and a real Docker sandbox."""

from __future__ import annotations

import argparse
from pathlib import Path

import pexpect
import pytest

from devagent.agent.replay import load_recording
from devagent.agent.trajectory import read_trajectory
from devagent.chat.run import run_chat
from devagent.usage import ledger_path, read_ledger
from sandbox import SandboxStartError
from tests.chat.helpers import BUGGY, FIX_CALL, FIXED, reply, tiny_repo
from tests.chat.terminal import containers_of, session_id, spawn_chat, wait_for, write_script

pytestmark = pytest.mark.docker
VIEW_CALL = {"name": "view", "arguments": {"path": "calc.py"}}


def ask(child: pexpect.spawn, text: str) -> None:
    child.expect_exact("you> ")
    child.sendline(text)


def test_ask_approve_undo_test_apply_exit(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    script = write_script(tmp_path / "script.yaml", [
        reply("Let me look at `calc.py`.", VIEW_CALL),
        reply("`add` subtracts; here is the fix.", FIX_CALL),
        reply("Fixed: `add` now returns **a + b**."),
        reply("Again:", FIX_CALL),
        reply("Done."),
    ])  # fmt: skip
    child = spawn_chat(tmp_path, repo, "--model", f"scripted:{script}")
    ask(child, "add() is broken, please fix it")
    child.expect_exact("+    return a + b")
    child.expect_exact("apply this change? [y/n/e] ")
    child.sendline("y")
    child.expect_exact("Fixed: add now returns a + b.")
    child.expect(r"turn: \d+ tokens, \$0\.0000 · session: \d+ tokens")
    ask(child, "/run echo '# sandbox edit' >> calc.py && echo appended-$((1 + 1))")
    child.expect_exact("appended-2")  # the sandbox may change what the host wrote
    ask(child, "/undo")
    child.expect_exact("reverted the last change (0 more undo point(s))")
    ask(child, "/test")
    child.expect_exact("FAILED (failures=1)")
    ask(child, "please fix it again")
    child.expect_exact("[y/n/e] ")
    child.sendline("y")
    child.expect_exact("Done.")
    ask(child, "/test")
    child.expect(r"Ran 1 test.*\r\n\r\nOK\r\n\[exit code 0")
    ask(child, "/apply")
    child.expect_exact("applied to")
    ask(child, "/exit")
    child.expect_exact("session page: ")
    sid = session_id(child)
    child.expect(pexpect.EOF)
    assert (repo / "calc.py").read_text() == FIXED
    assert containers_of(child.pid) == []
    page = (tmp_path / "sessions" / sid / "report.html").read_text()
    assert "add() is broken, please fix it" in page and "+    return a + b" in page
    (line,) = read_ledger(ledger_path(tmp_path / ".cache" / "devagent"))  # HOME is tmp_path
    assert (line.kind, line.repo, line.verdict) == ("chat", str(repo), "session")
    assert line.model == f"scripted:{script}" and line.tokens > 0


def test_rejected_change_lands_nowhere(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    script = write_script(tmp_path / "s.yaml", [
        reply("", FIX_CALL),
        reply("Understood, I left `calc.py` as it is."),
    ])  # fmt: skip
    child = spawn_chat(tmp_path, repo, "--model", f"scripted:{script}")
    ask(child, "fix add")
    child.expect_exact("apply this change? [y/n/e] ")
    child.sendline("n")
    child.expect_exact("I left calc.py as it is.")
    ask(child, "/diff")
    child.expect_exact("no changes yet")
    ask(child, "/apply")
    child.expect_exact("nothing to apply")
    child.expect_exact("you> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    assert (repo / "calc.py").read_text() == BUGGY
    assert containers_of(child.pid) == []


def test_ctrl_c_stops_the_turn_not_the_session_and_resume_continues(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    slow = {"name": "run", "arguments": {"command": "touch started && sleep 300"}}
    first = write_script(tmp_path / "first.yaml", [
        reply("Running the slow check.", slow),
        reply("Fixing it.", FIX_CALL),
        reply("Fixed."),
    ])  # fmt: skip
    child = spawn_chat(tmp_path, repo, "--model", f"scripted:{first}")
    ask(child, "run the slow check")
    wait_for(lambda: list((tmp_path / "sessions").glob("*/workspace/**/started")), child)
    child.sendintr()  # the command runs in the sandbox now; a watcher stops it at once
    child.expect_exact("turn interrupted; the session goes on", timeout=120)
    ask(child, "/run touch ran && sleep 300")
    wait_for(lambda: list((tmp_path / "sessions").glob("*/workspace/**/ran")), child)
    child.sendintr()
    child.expect_exact("[sandbox: the command was stopped by the user]", timeout=120)
    ask(child, "/run echo still-$((40 + 2))")
    child.expect_exact("still-42")
    ask(child, "then fix add")
    child.expect_exact("[y/n/e] ")
    child.sendline("y")
    child.expect_exact("Fixed.")
    child.expect_exact("you> ")
    child.sendeof()
    sid = session_id(child)
    child.expect(pexpect.EOF)

    second = write_script(tmp_path / "second.yaml", [
        {"content": "We fixed `add` earlier.",
         "expect": {"last_message_contains": "what did we do?"}},
    ])  # fmt: skip
    child = spawn_chat(tmp_path, repo, "--resume", sid, "--model", f"scripted:{second}")
    child.expect(r"resumed with (\d+) messages")
    assert (
        child.match.group(1) == "7"
    )  # user, run call, its interrupted result, user, edit, result, answer
    ask(child, "/diff")
    child.expect_exact("+    return a + b")
    ask(child, "what did we do?")
    child.expect_exact("We fixed add earlier.")
    ask(child, "/exit")
    child.expect(pexpect.EOF)
    path = tmp_path / "sessions" / sid / "trajectory.jsonl"
    said = [r["text"] for r in read_trajectory(path) if r["type"] == "user"]
    assert said == ["run the slow check", "then fix add", "what did we do?"]
    answers = [c.message.content for c in load_recording(path).completions]
    assert answers[-1] == "We fixed `add` earlier."
    assert containers_of(child.pid) == []


def test_the_sandbox_of_a_chat_writes_no_bytecode(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    script = write_script(tmp_path / "s.yaml", [reply("unused")])
    child = spawn_chat(tmp_path, repo, "--model", f"scripted:{script}")
    ask(child, """/run python3 -c 'import sys; print("bytecode", sys.dont_write_bytecode)'""")
    child.expect_exact("bytecode True")
    ask(child, "/exit")
    child.expect(pexpect.EOF)
    assert containers_of(child.pid) == []


def test_a_sandbox_that_cannot_start_leaves_no_workspace(tmp_path: Path) -> None:
    repo = tiny_repo(tmp_path / "repo")
    script = write_script(tmp_path / "s.yaml", [reply("unused")])
    args = argparse.Namespace(
        repo=repo, model=f"scripted:{script}", base_url=None, auto=False, resume=None,
        test_cmd=None, image="devagent/no-such-image:latest", network=False, timeout=60.0,
        max_usd=None, sessions_dir=tmp_path / "sessions",
    )  # fmt: skip
    with pytest.raises(SandboxStartError, match="not found"):
        run_chat(args, environ={"PATH": "/usr/bin:/bin"})
    assert list((tmp_path / "sessions").glob("*/workspace")) == []
