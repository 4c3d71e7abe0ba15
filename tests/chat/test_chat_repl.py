"""The terminal front end without a pty: approvals typed, the loop fed line by line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from devagent.chat.approval import Decision
from devagent.chat.commands import HANDLERS, CommandEnv, CommandResult
from devagent.chat.repl import ChatRepl, TerminalUI
from devagent.llm.types import ToolCall
from tests.chat.helpers import FIX_CALL, FIXED, local_session, reply


def _typed(*lines: str) -> Callable[[str], str]:
    feed = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=100, color_system=None), out


def test_edit_answer_asks_for_the_new_instruction() -> None:
    console, out = _console()
    ui = TerminalUI(console, _typed("maybe", "e", "only add a docstring"))
    decision = ui.approve_edit(ToolCall("1", "replace", {}), "--- a/x\n+++ b/x\n")
    assert decision == Decision("edit", "only add a docstring")
    assert "answer y (yes), n (no) or e (edit the instruction)" in out.getvalue()


def test_loop_runs_a_turn_a_command_and_ends_on_eof(tmp_path: Path) -> None:
    session, ws, _ = local_session(tmp_path, [reply("", FIX_CALL), reply("Fixed **add**.")])
    env = CommandEnv(
        session, tmp_path / "repo", "20260101-000000-abcdef", ws.base, lambda s: session.model
    )
    console, out = _console()
    saves: list[int] = []
    repl = ChatRepl(env, console, lambda: saves.append(1), _typed("fix add", "y", "/diff"))
    repl.run()
    text = out.getvalue()
    assert "+    return a + b" in text
    assert "Fixed add." in text
    assert "turn: " in text
    assert (ws.tree / "calc.py").read_text() == FIXED
    assert len(saves) == 2


def test_model_text_is_never_read_as_console_markup() -> None:
    console, out = _console()
    ui = TerminalUI(console, _typed("n"))
    call = ToolCall("1", "run", {"command": "echo [red]x[/red] && pip install y"})
    ui.tool_started(call)
    ui.approve_command(call, "it looks like it needs the network")
    assert out.getvalue().count("echo [red]x[/red] && pip install y") == 2


def test_ctrl_c_in_a_command_keeps_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, ws, _ = local_session(tmp_path, [])
    env = CommandEnv(
        session, tmp_path / "repo", "20260101-000000-abcdef", ws.base, lambda s: session.model
    )

    def apply_interrupted(env: CommandEnv, arg: str) -> CommandResult:
        raise KeyboardInterrupt

    console, out = _console()
    repl = ChatRepl(env, console, lambda: None, _typed("/apply", "/help"))
    monkeypatch.setitem(HANDLERS, "/apply", apply_interrupted)
    repl.run()
    assert "command interrupted" in out.getvalue()
    assert "/undo" in out.getvalue()  # /help still ran
