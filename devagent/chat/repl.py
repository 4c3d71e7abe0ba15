"""The chat's terminal front end: input with history and multi-line blocks, rich rendering,
y/n/e approvals, Ctrl-C (stops the turn) and Ctrl-D (ends the session)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.syntax import Syntax

from devagent.agent.actions import describe_call, describe_outcome
from devagent.agent.signals import commands_stopped_by, interrupt_on_sigint
from devagent.chat.approval import Decision, parse_answer
from devagent.chat.commands import CommandEnv, CommandResult, is_command, run_command
from devagent.chat.session import ChatSession
from devagent.chat.turn import TurnResult
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation

try:  # not on every platform; without it input still works, minus history and editing
    import readline
except ImportError:  # pragma: no cover
    readline = None  # type: ignore[assignment]

PROMPT = "you> "
CONTINUATION = "...  "
BLOCK = '"""'
ReadLine = Callable[[str], str]


def read_message(read: ReadLine) -> str:
    """One message: a line; lines ending in `\\` continue it; a `\"\"\"` line opens a block that
    the next `\"\"\"` line closes. EOFError and KeyboardInterrupt pass through."""
    first = read(PROMPT)
    if first.strip() == BLOCK:
        lines: list[str] = []
        while (line := read(CONTINUATION)).strip() != BLOCK:
            lines.append(line)
        return "\n".join(lines)
    lines = [first]
    while lines[-1].endswith("\\"):
        lines[-1] = lines[-1][:-1]
        lines.append(read(CONTINUATION))
    return "\n".join(lines)


def _summary(call: ToolCall) -> str:
    return describe_call(call.name, call.arguments)


class TerminalUI:
    """`ChatUI` on a rich console: Markdown answers, coloured diffs, y/n/e questions."""

    def __init__(self, console: Console, read: ReadLine = input) -> None:
        self.console, self.read = console, read

    def show_assistant(self, text: str) -> None:
        self.console.print(Markdown(text))

    def tool_started(self, call: ToolCall) -> None:
        if call.name in ("run", "run_tests"):
            self.console.print(f"  [dim]… {escape(_summary(call))}[/]", highlight=False)

    def show_tool(self, call: ToolCall, observation: Observation) -> None:
        mark = "[green]✓[/]" if observation.ok else "[red]✗[/]"
        why = describe_outcome(observation.ok, observation.data, observation.text)
        note = f" [dim]({escape(why)})[/]" if why else ""
        self.console.print(f"  {mark} [cyan]{escape(_summary(call))}[/]{note}", highlight=False)

    def approve_edit(self, call: ToolCall, diff: str) -> Decision:
        self.console.print(f"[bold]proposed change ({call.name}):[/]")
        self.console.print(Syntax(diff.rstrip("\n"), "diff", theme="ansi_dark"))
        return self._ask("apply this change? [y/n/e] ")

    def approve_command(self, call: ToolCall, concern: str) -> Decision:
        shown = call.arguments.get("command") if call.name == "run" else _call_text(call)
        command = escape(str(shown))
        self.console.print(f"[bold]the agent wants to run:[/] {command}")
        self.console.print(f"[yellow]asking first: {escape(concern)}[/]")
        return self._ask("run it? [y/n/e] ")

    def _ask(self, question: str) -> Decision:
        while (decision := parse_answer(self.read(question))) is None:
            self.console.print("answer y (yes), n (no) or e (edit the instruction)")
        if decision.kind == "edit":
            return Decision("edit", read_message(lambda _prompt: self.read("new instruction> ")))
        return decision


class ChatRepl:
    """The read-eval-print loop: messages go to the session, slash lines to the commands."""

    def __init__(
        self, env: CommandEnv, console: Console, save: Callable[[], None], read: ReadLine = input
    ) -> None:
        self.env, self.console, self.save, self.read = env, console, save, read
        self.ui = TerminalUI(console, read)

    @property
    def session(self) -> ChatSession:
        return self.env.session

    def run(self) -> None:
        """Until /exit or Ctrl-D. Ctrl-C at the prompt only clears the line."""
        while True:
            try:
                text = read_message(self.read)
            except EOFError:
                self.console.print()
                return
            except KeyboardInterrupt:
                self.console.print("\n[dim](Ctrl-C: turn stopped; Ctrl-D or /exit ends)[/]")
                continue
            if not text.strip():
                continue
            if is_command(text.strip()):
                result = self.command(text.strip())
                self.show(result)
                self.save()
                if result.exit:
                    return
                continue
            self.ask(text)
            self.save()

    def ask(self, text: str) -> None:
        while True:
            result = self.turn(text)
            self.report(result)
            if result.status != "redirected" or not result.instruction.strip():
                return
            text = result.instruction

    def turn(self, text: str) -> TurnResult:
        """One turn, Ctrl-C stopping it: a running sandbox command is stopped at once (the
        session's shell lives on); a model call or a question to the person is cut short."""
        session = self.session
        with self._stoppable(lambda: session.running is not None):
            return session.turn(text, self.ui)

    def command(self, line: str) -> CommandResult:
        """One slash command; Ctrl-C stops the sandbox command of `/run` and `/test` at once,
        and cuts any other short."""
        in_sandbox = line.split()[0].lower() in ("/run", "/test")
        try:
            with self._stoppable(lambda: in_sandbox):
                return run_command(line, self.env)
        except KeyboardInterrupt:
            return CommandResult("command interrupted", "error")

    @contextlib.contextmanager
    def _stoppable(self, ends_on_stop: Callable[[], bool]) -> Iterator[None]:
        session = self.session
        session.io.stop.clear()
        with (
            interrupt_on_sigint(session.io.stop, ends_on_stop),
            commands_stopped_by(session.io.stop, lambda: session.ctx.sandbox),
        ):
            yield

    def report(self, result: TurnResult) -> None:
        if result.status == "interrupted":
            self.console.print("[yellow]turn interrupted; the session goes on[/]")
        elif result.status == "failed":
            self.console.print(
                f"[red]turn failed: {result.reason}[/] [dim](the session goes on)[/]"
            )
        elif result.status in ("budget_exhausted", "step_limit"):
            self.console.print(f"[yellow]turn ended: {escape(result.reason)}[/]")
        budget = self.session.budget
        self.console.print(
            f"[dim]turn: {result.usage.total_tokens} tokens, ${result.cost_usd:.4f} · "
            f"session: {budget.usage.total_tokens} tokens, ${budget.usd:.4f}[/]",
            highlight=False,
        )

    def show(self, result: CommandResult) -> None:
        if result.kind == "diff":
            self.console.print(Syntax(result.text.rstrip("\n"), "diff", theme="ansi_dark"))
        elif result.kind == "error":
            self.console.print(result.text, style="red", highlight=False, markup=False)
        else:
            self.console.print(result.text, highlight=False, markup=False)


@contextlib.contextmanager
def line_history(path: Path | None):  # type: ignore[no-untyped-def]
    """Readline history loaded from and saved to `path` (kept to 1000 entries)."""
    if readline is None or path is None:
        yield
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)


def _call_text(call: ToolCall) -> str:
    """A tool call other than `run` as the person reads it: its name and arguments."""
    return f"{call.name} {json.dumps(call.arguments, ensure_ascii=False)}"
