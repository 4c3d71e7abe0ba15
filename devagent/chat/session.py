"""A chat session's state and its turn loop: the conversation, the workspace's undo points, the
budget. Pure of terminal I/O: the person is reached through the `ChatUI` protocol."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from devagent.agent.budget import Budget
from devagent.agent.calls import dispatch
from devagent.agent.errors import BudgetExhausted
from devagent.agent.text import trim
from devagent.agent.trajectory import Trajectory
from devagent.chat.approval import EDIT_TOOLS, YES, command_concern
from devagent.chat.changes import (
    candidate_paths,
    changed_sections,
    give_to_tree_owner,
    read_contents,
    unified_diff,
)
from devagent.chat.context import visible_history
from devagent.chat.seams import (
    INTERRUPTED,
    REDIRECTED,
    REJECTED_COMMAND,
    REJECTED_EDIT,
    ChatConfig,
    ChatUI,
    TurnResult,
    WorkspaceLike,
)
from devagent.errors import DevagentError
from devagent.llm.types import Message, Model, ToolCall, ToolSpec, Usage
from devagent.tools.base import Observation, Tool, ToolContext
from sandbox import Sandbox, SandboxError

PROMPTS = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "prompts"),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)
RUN_TOOLS = frozenset({"run", "run_tests"})
OBSERVATION_LIMIT = 12_000
"""Characters of one tool result kept in the history (head and tail)."""


@dataclass
class _Outcome:
    observation: Observation
    redirect: str | None = None


class ChatSession:
    """One conversation over one workspace. `turn` runs until the model answers without tools."""

    def __init__(  # noqa: PLR0913 - the collaborators of a session, each passed in
        self,
        model: Model,
        tools: Mapping[str, Tool],
        ctx: ToolContext,
        workspace: WorkspaceLike,
        budget: Budget,
        trajectory: Trajectory,
        *,
        config: ChatConfig | None = None,
        restart_sandbox: Callable[[], Sandbox] | None = None,
    ) -> None:
        self.model, self.tools, self.ctx, self.workspace = model, dict(tools), ctx, workspace
        self.budget, self.trajectory = budget, trajectory
        self.config = config or ChatConfig()
        self.restart_sandbox = restart_sandbox
        self.specs = [ToolSpec(t.name, t.description, t.parameters) for t in self.tools.values()]
        self.messages: list[Message] = []
        self.undo_points: list[str] = []
        """Workspace patches (against the base) from before each approved change."""
        self._pending: list[ToolCall] = []
        self._running: ToolCall | None = None
        self._preview: str | None = None

    @property
    def system_prompt(self) -> str:
        template = PROMPTS.get_template("system.j2")
        return template.render(test_command=self.config.test_command, network=self.config.network)

    def record(self, record: dict[str, Any]) -> None:
        self.trajectory.write(record)

    def add(self, message: Message) -> None:
        self.messages.append(message)
        self.record({"type": "message", "message": message.to_dict()})

    # -- a turn ---------------------------------------------------------------------------------

    def turn(self, text: str, ui: ChatUI) -> TurnResult:
        """Send the person's `text`; run the model's tool calls until it answers in words."""
        usage, usd = self.budget.usage, self.budget.usd
        result = self._turn(text, ui)
        result.usage = _minus(self.budget.usage, usage)
        result.cost_usd = self.budget.usd - usd
        return result

    def _turn(self, text: str, ui: ChatUI) -> TurnResult:
        self.add(Message("user", text))
        try:
            for _ in range(self.config.max_steps_per_turn):
                self.budget.check()
                message = self._complete()
                if message.content.strip():
                    ui.show_assistant(message.content)
                if not message.tool_calls:
                    return TurnResult("answered")
                redirect = self._run_calls(list(message.tool_calls), ui)
                if redirect is not None:
                    return TurnResult("redirected", instruction=redirect)
            return TurnResult("step_limit", reason="too many steps in one turn; ask to continue")
        except BudgetExhausted as exc:
            self.record({"type": "note", "text": f"budget exhausted: {exc}"})
            return TurnResult("budget_exhausted", reason=str(exc))
        except KeyboardInterrupt:
            self._recover(INTERRUPTED, "turn interrupted by the person")
            return TurnResult("interrupted", reason="interrupted by the person")
        except (DevagentError, SandboxError) as exc:  # the model or the sandbox broke
            reason = f"{type(exc).__name__}: {exc}"
            self._recover(f"Not completed: {reason}", f"turn failed: {reason}")
            return TurnResult("failed", reason=reason)

    def _complete(self) -> Message:
        messages = [Message("system", self.system_prompt), *visible_history(self.messages)]
        completion = self.model.complete(
            messages, self.specs, max_tokens=self.config.max_output_tokens
        )
        self.budget.record(completion.usage, completion.cost_usd)
        self.record({"type": "completion", "completion": completion.to_dict()})
        self.record({"type": "budget", "budget": self.budget.snapshot()})
        self._pending = list(completion.message.tool_calls)
        self.add(completion.message)
        return completion.message

    def _run_calls(self, calls: list[ToolCall], ui: ChatUI) -> str | None:
        for index, call in enumerate(calls):
            outcome = self._run_call(call, ui)
            self._observe(call, outcome.observation)
            ui.show_tool(call, outcome.observation)
            if outcome.redirect is not None:
                for skipped in calls[index + 1 :]:
                    self._observe(skipped, Observation.failure("Not run: the person redirected."))
                return outcome.redirect
        return None

    def _observe(self, call: ToolCall, observation: Observation) -> None:
        self._pending = [c for c in self._pending if c.id != call.id]
        self.record(
            {"type": "observation", "tool_call_id": call.id, "name": call.name,
             "ok": observation.ok, "data": observation.data}
        )  # fmt: skip
        text = trim(self.trajectory.redactor.text(observation.text), OBSERVATION_LIMIT)
        ok = observation.ok
        self.add(Message("tool", text, tool_call_id=call.id, name=call.name, is_error=not ok))

    def _run_call(self, call: ToolCall, ui: ChatUI) -> _Outcome:
        self.record({"type": "tool_call", "call": call.to_dict()})
        ui.tool_started(call)
        if call.name in EDIT_TOOLS and call.parse_error is None:
            return self._edit(call, ui)
        if call.name == "run" and call.parse_error is None:
            return self._command(call, ui)
        return _Outcome(self._dispatch(call))

    def _dispatch(self, call: ToolCall) -> Observation:
        self._running = call
        observation = dispatch(call, self.tools, self.ctx)
        self._running = None
        return observation

    def _edit(self, call: ToolCall, ui: ChatUI) -> _Outcome:
        """Run the edit, show its diff, keep it only when approved (an undo point)."""
        snapshot = self.workspace.diff()
        before = read_contents(self.workspace.tree, candidate_paths(call))
        observation = self._dispatch(call)
        changed = list(observation.data.get("changed_paths") or [])
        if not observation.ok or not changed:
            return _Outcome(observation)
        give_to_tree_owner(self.workspace.tree, changed)
        diff = unified_diff(
            {p: before.get(p) for p in changed}, read_contents(self.workspace.tree, changed)
        )
        return self._decide(call, snapshot, diff, observation, ui)

    def _decide(
        self, call: ToolCall, snapshot: str, diff: str, observation: Observation, ui: ChatUI
    ) -> _Outcome:
        """Keep the change the call made (an undo point) or put `snapshot` back."""
        self._preview = snapshot
        decision = YES if self.config.auto else ui.approve_edit(call, diff)
        self._preview = None
        self.record({"type": "decision", "tool_call_id": call.id, "decision": decision.kind})
        if decision.approved:
            self.undo_points.append(snapshot)
            return _Outcome(observation)
        self.workspace.reset_to(snapshot)
        if decision.kind == "edit":
            return _Outcome(Observation.failure(REDIRECTED), decision.instruction)
        return _Outcome(Observation.failure(REJECTED_EDIT))

    def _command(self, call: ToolCall, ui: ChatUI) -> _Outcome:
        """A `run` call; one that needs the network or a long timeout is confirmed first."""
        asked = call.arguments.get("timeout")
        timeout = float(asked) if isinstance(asked, int | float) else None
        concern = command_concern(
            str(call.arguments.get("command", "")), timeout, self.config.command_timeout
        )
        limit = self.config.command_timeout
        if concern is not None:
            decision = ui.approve_command(call, concern)
            self.record({"type": "decision", "tool_call_id": call.id, "decision": decision.kind})
            if decision.kind == "edit":
                return _Outcome(Observation.failure(REDIRECTED), decision.instruction)
            if not decision.approved:
                return _Outcome(Observation.failure(REJECTED_COMMAND))
            limit = max(limit, timeout or 0.0)
        self.ctx.command_timeout = limit
        snapshot = self.workspace.diff()
        observation = self._dispatch(call)
        diff = changed_sections(snapshot, self.workspace.diff())
        if not diff:
            return _Outcome(observation)
        return self._decide(call, snapshot, diff, observation, ui)

    def _recover(self, answer: str, note: str) -> None:
        """Leave the history well-formed after Ctrl-C or a failure: no half-approved edit, every
        tool call answered, a stuck command abandoned (by a fresh sandbox on the same
        workspace)."""
        if self._preview is not None:
            self.workspace.reset_to(self._preview)
            self._preview = None
        stuck = self._running is not None and self._running.name in RUN_TOOLS
        if stuck and self.restart_sandbox is not None:
            self.ctx.sandbox = self.restart_sandbox()
        self._running = None
        for call in list(self._pending):
            self._observe(call, Observation.failure(answer))
        if self.messages and self.messages[-1].role == "user":
            self.add(Message("assistant", f"({note} before I answered)"))
        self.record({"type": "note", "text": note})

    # -- undo and history -----------------------------------------------------------------------

    def undo(self) -> bool:
        """Revert the last approved change; False when there is none left."""
        if not self.undo_points:
            return False
        self.workspace.reset_to(self.undo_points.pop())
        self.record({"type": "undo", "left": len(self.undo_points)})
        return True

    def clear(self) -> None:
        """Forget the conversation (the workspace and its undo points stay)."""
        self.messages.clear()
        self.record({"type": "clear"})


def _minus(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens - b.input_tokens,
        output_tokens=a.output_tokens - b.output_tokens,
        cached_tokens=a.cached_tokens - b.cached_tokens,
        cache_write_tokens=a.cache_write_tokens - b.cache_write_tokens,
    )
