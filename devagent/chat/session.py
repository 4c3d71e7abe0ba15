"""A chat session on the agent's loop: `Agent` with the person added through its hooks (edits and
commands approved, undo points kept), turn by turn. Pure of terminal I/O: the person is reached
through the `ChatUI` protocol."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from devagent.agent.budget import Budget
from devagent.agent.config import AgentConfig
from devagent.agent.context import Context
from devagent.agent.errors import BudgetExhausted, Interrupted
from devagent.agent.loop import Agent
from devagent.agent.prompts import render
from devagent.agent.seams import AgentIO, WorkspaceLike
from devagent.agent.stuck import StuckConfig
from devagent.agent.task import Task
from devagent.agent.trajectory import Trajectory
from devagent.chat.approval import EDIT_TOOLS, YES, Decision, command_concern
from devagent.chat.changes import (
    candidate_paths,
    changed_sections,
    give_to_tree_owner,
    read_contents,
    unified_diff,
)
from devagent.chat.turn import (
    INTERRUPTED,
    REDIRECTED,
    REJECTED_CALL,
    REJECTED_COMMAND,
    REJECTED_EDIT,
    Answered,
    ChatUI,
    Redirected,
    TurnResult,
)
from devagent.config import ChatConfig
from devagent.errors import DevagentError
from devagent.llm.types import Message, Model, ToolCall, Usage
from devagent.tools.base import Observation, Tool
from sandbox import Sandbox, SandboxError

RUN_TOOLS = frozenset({"run", "run_tests"})
NOT_RUN = "Not run: the person stopped this turn with a new instruction (next message)."


class ChatSession(Agent):
    """One conversation over one workspace. `turn` runs the loop's steps until the model answers
    without tools; the trajectory has the records of a solve run, plus `user` and `decision`."""

    def __init__(  # noqa: PLR0913 - the collaborators of a session, each passed in
        self,
        model: Model,
        tools: Mapping[str, Tool],
        sandbox: Sandbox,
        budget: Budget,
        workspace: WorkspaceLike,
        *,
        trajectory: Trajectory | None = None,
        config: ChatConfig | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.chat = config or ChatConfig()
        io = AgentIO(
            workspace=workspace.tree, patch_fn=workspace.diff, restore_fn=workspace.reset_to,
            trajectory=trajectory or Trajectory(None), cache_dir=cache_dir,
        )  # fmt: skip
        agent = AgentConfig(
            max_depth=0, command_timeout=self.chat.command_timeout,
            max_output_tokens=self.chat.max_output_tokens,
            stuck=StuckConfig(enabled=False),  # the person in the loop is the loop check
        )  # fmt: skip
        super().__init__(model, tools, sandbox, budget, io=io, config=agent)
        self.workspace = workspace
        self.restart_sandbox: Callable[[], Sandbox] | None = None
        """A fresh sandbox on the same workspace, for a command a second Ctrl-C abandoned."""
        self.undo_points: list[str] = []
        """Workspace patches (against the base) from before each approved change."""
        self.ui: ChatUI | None = None
        self._before: tuple[str, dict[str, str | None]] = ("", {})
        self._preview: str | None = None
        self._begin(Task("", test_command=self.chat.test_command), chat=self.chat.model_dump())
        self.context = self._initial_context(self.task)

    def _tools(self) -> dict[str, Tool]:
        return dict(self.base_tools)  # no plan, submit or delegate: the person decides

    def _initial_context(self, task: Task) -> Context:
        system = render("chat_system.j2", test_command=task.test_command, network=self.chat.network)
        return Context(system, "", self.config.context)

    @property
    def messages(self) -> list[Message]:
        """The conversation after the system prompt (what `--resume` restores)."""
        return self.context.history

    @messages.setter
    def messages(self, messages: list[Message]) -> None:
        self.context.history = list(messages)

    def record(self, kind: str, **fields: object) -> None:
        self._record(kind, **fields)

    # -- a turn ---------------------------------------------------------------------------------

    def turn(self, text: str, ui: ChatUI) -> TurnResult:
        """Send the person's `text`; run the model's tool calls until it answers in words."""
        usage, usd = self.budget.usage, self.budget.usd
        self.ui = ui
        self.io.stop.clear()
        self._verdict = None
        try:
            result = self._turn(text)
        finally:
            self._verdict, self.ui = None, None
        result.usage = _minus(self.budget.usage, usage)
        result.cost_usd = self.budget.usd - usd
        return result

    def _turn(self, text: str) -> TurnResult:
        self.context.add_user(text)
        self._record("user", text=text)
        try:
            for _ in range(self.chat.max_steps_per_turn):
                self._step()
            return TurnResult("step_limit", reason="too many steps in one turn; ask to continue")
        except Answered:
            return TurnResult("answered")
        except Redirected as stop:
            return TurnResult("redirected", instruction=stop.instruction)
        except BudgetExhausted as exc:
            self._record("note", text=f"budget exhausted: {exc}")
            return TurnResult("budget_exhausted", reason=str(exc))
        except (Interrupted, KeyboardInterrupt):
            self._recover(INTERRUPTED, "turn interrupted by the person")
            return TurnResult("interrupted", reason="interrupted by the person")
        except (DevagentError, SandboxError) as exc:  # the model or the sandbox broke
            reason = f"{type(exc).__name__}: {exc}"
            self._recover(f"Not completed: {reason}", f"turn failed: {reason}")
            return TurnResult("failed", reason=reason)

    def _recover(self, answer: str, note: str) -> None:
        """Leave the history well-formed after Ctrl-C or a failure: no half-approved edit, every
        tool call answered, a stuck command abandoned (by a fresh sandbox on the same
        workspace)."""
        if self._preview is not None:
            self.workspace.reset_to(self._preview)
            self._preview = None
        if self.running is not None and self.running.name in RUN_TOOLS:
            self.fresh_sandbox()
        self.running = None
        for call in self.context.unanswered():
            self._observe(call, Observation.failure(answer), 0.0)
        if self.messages and self.messages[-1].role == "user":
            self.context.add_assistant(Message("assistant", f"({note} before I answered)"))
        self._record("note", text=note)

    def fresh_sandbox(self) -> bool:
        """Abandon a command stuck in the sandbox: a fresh sandbox on the same workspace (False
        when the session cannot start one)."""
        if self.restart_sandbox is None:
            return False
        self.sandbox = self.ctx.sandbox = self.restart_sandbox()
        return True

    # -- the hooks: the person in the loop ------------------------------------------------------

    def received(self, message: Message) -> None:
        if message.content.strip() and self.ui is not None:
            self.ui.show_assistant(message.content)

    def answered(self, message: Message) -> None:
        raise Answered("the model answered; the person has the turn")

    def review(self, call: ToolCall) -> ToolCall | Observation:
        """Show the call; confirm a command that needs the network or a long timeout; note the
        workspace before a call that may change it."""
        assert self.ui is not None
        self.ui.tool_started(call)
        tool = self.tools.get(call.name)
        if call.parse_error is None and (call.name == "run" or (tool and tool.asks)):
            refused = self._confirm_command(call) if call.name == "run" else self._confirm(call)
            if refused is not None:
                self.ui.show_tool(call, refused)
                return refused
        if _changes_files(call):
            paths = candidate_paths(call) if call.name in EDIT_TOOLS else []
            self._before = (self.workspace.diff(), read_contents(self.workspace.tree, paths))
        return call

    def reviewed(self, call: ToolCall, observation: Observation) -> Observation:
        """Keep what the call changed only when the person approves it (an undo point)."""
        assert self.ui is not None
        if _changes_files(call):
            observation = self._approve_change(call, observation)
        self.ui.show_tool(call, observation)
        return observation

    def _confirm_command(self, call: ToolCall) -> Observation | None:
        """Ask first when a `run` needs the network or a long timeout; None to run it."""
        assert self.ui is not None
        asked = call.arguments.get("timeout")
        timeout = float(asked) if isinstance(asked, int | float) else None
        limit = self.chat.command_timeout
        concern = command_concern(str(call.arguments.get("command", "")), timeout, limit)
        self.ctx.command_timeout = limit
        if concern is None:
            return None
        decision = self.ui.approve_command(call, concern)
        self._record("decision", tool_call_id=call.id, decision=decision.kind)
        if decision.kind == "edit":
            return self._redirect(decision)
        if not decision.approved:
            return Observation.failure(REJECTED_COMMAND)
        self.ctx.command_timeout = max(limit, timeout or 0.0)
        return None

    def _confirm(self, call: ToolCall) -> Observation | None:
        """Ask first for a tool the person's config marks `ask` (an MCP tool); None to run it."""
        assert self.ui is not None
        decision = self.ui.approve_command(call, f"your config asks before each {call.name} call")
        self._record("decision", tool_call_id=call.id, decision=decision.kind)
        if decision.kind == "edit":
            return self._redirect(decision)
        return None if decision.approved else Observation.failure(REJECTED_CALL)

    def _approve_change(self, call: ToolCall, observation: Observation) -> Observation:
        snapshot, before = self._before
        if call.name == "run":
            diff = changed_sections(snapshot, self.workspace.diff())
        else:
            changed = list(observation.data.get("changed_paths") or [])
            if not observation.ok or not changed:
                return observation
            give_to_tree_owner(self.workspace.tree, changed)
            after = read_contents(self.workspace.tree, changed)
            diff = unified_diff({p: before.get(p) for p in changed}, after)
        if not diff:
            return observation
        if self.io.stop.is_set():  # interrupted: nothing it changed stays
            self.workspace.reset_to(snapshot)
            return Observation.failure(f"{INTERRUPTED}\n\n{observation.text}")
        return self._decide(call, snapshot, diff, observation)

    def _decide(
        self, call: ToolCall, snapshot: str, diff: str, observation: Observation
    ) -> Observation:
        """Keep the change the call made (an undo point) or put `snapshot` back."""
        assert self.ui is not None
        self._preview = snapshot
        decision = YES if self.chat.auto else self.ui.approve_edit(call, diff)
        self._preview = None
        self._record("decision", tool_call_id=call.id, decision=decision.kind)
        if decision.approved:
            self.undo_points.append(snapshot)
            return observation
        self.workspace.reset_to(snapshot)
        if decision.kind == "edit":
            return self._redirect(decision)
        return Observation.failure(REJECTED_EDIT)

    def _redirect(self, decision: Decision) -> Observation:
        self.end_step(Redirected(decision.instruction), NOT_RUN)
        return Observation.failure(REDIRECTED)

    # -- undo and history -----------------------------------------------------------------------

    def undo(self) -> bool:
        """Revert the last approved change; False when there is none left."""
        if not self.undo_points:
            return False
        self.workspace.reset_to(self.undo_points.pop())
        self._record("undo", left=len(self.undo_points))
        return True

    def clear(self) -> None:
        """Forget the conversation (the workspace and its undo points stay)."""
        self.context.history.clear()
        self._record("clear")


def _changes_files(call: ToolCall) -> bool:
    """An edit or a command: what it changes in the workspace is approved by the person."""
    return call.parse_error is None and call.name in {"run", *EDIT_TOOLS}


def _minus(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens - b.input_tokens,
        output_tokens=a.output_tokens - b.output_tokens,
        cached_tokens=a.cached_tokens - b.cached_tokens,
        cache_write_tokens=a.cache_write_tokens - b.cache_write_tokens,
    )
