"""The agent loop: model -> tool calls -> observations, until the goal checks pass or a stop."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Any

from devagent.agent.budget import Budget
from devagent.agent.calls import dispatch
from devagent.agent.checks import CheckResult, all_passed, run_checks, score
from devagent.agent.config import AgentConfig
from devagent.agent.context import Context, transcript
from devagent.agent.delegate import ChildOutcome, Delegation, delegate_tool
from devagent.agent.errors import (
    AgentStop,
    BudgetExhausted,
    GaveUp,
    Interrupted,
    Stuck,
    Submitted,
)
from devagent.agent.gate import regression_gate
from devagent.agent.instructions import RepoInstructions, touched_paths
from devagent.agent.plan import Plan, plan_tool
from devagent.agent.prompts import render
from devagent.agent.seams import AgentIO, host_workspace
from devagent.agent.steprecords import may_change_files, step_record
from devagent.agent.stuck import Detection, StuckDetector, digest
from devagent.agent.submit import submit_tool
from devagent.agent.task import RunResult, Task
from devagent.agent.testfiles import patch_paths
from devagent.background import in_background
from devagent.errors import DevagentError
from devagent.llm.errors import ModelCancelledError, ModelDeadlineError
from devagent.llm.limits import CallLimits
from devagent.llm.types import Completion, Message, Model, ToolCall, ToolSpec
from devagent.tools.base import Observation, Tool, ToolContext
from sandbox import Sandbox, SandboxError

try:  # the llm package defines it; until then no provider raises it
    from devagent.llm.errors import ContextOverflowError
except ImportError:  # pragma: no cover - depends on the merge order

    class ContextOverflowError(DevagentError):  # type: ignore[no-redef]
        """Placeholder until `devagent.llm.errors` exists."""


NOT_RUN = "Not run: the run was stopped."
"""The observation of a call the stop came before (replay does not compare it)."""


class Agent:
    """Runs one task to a `RunResult`. Give each run its own Agent."""

    def __init__(
        self,
        model: Model,
        tools: Mapping[str, Tool],
        sandbox: Sandbox,
        budget: Budget,
        *,
        io: AgentIO | None = None,
        config: AgentConfig | None = None,
    ) -> None:
        self.model, self.sandbox, self.budget = model, sandbox, budget
        self.io = io or AgentIO()
        self.config = config or AgentConfig()
        self.base_tools = dict(tools)
        self.lineage: tuple[int, ...] = ()
        self.root_label = "0"
        """The first part of this agent's label (a parallel attempt's: '0.a2')."""
        self.plan = Plan()
        self.steps = 0
        self.checks: list[CheckResult] = []
        self.baseline: CheckResult | None = None
        """The suite run before any change, when the suite is the goal (no explicit checks)."""
        self.summary = ""
        self._best: tuple[tuple[int, int], str, list[CheckResult]] | None = None
        self._verdict: AgentStop | None = None
        self._not_run = "Not run: `submit` ended the turn."
        self.running: ToolCall | None = None
        """The tool call being dispatched now (None between calls): a Ctrl-C handler can let
        it end by itself (a watcher stops its sandbox command) instead of raising into it."""
        self._children = itertools.count(1)
        self.stuck = StuckDetector(self.config.stuck)
        self._start_patch: Future[str | None] | None = None
        """The digest of the starting patch, being read (see `_take_start_patch`)."""
        self.instructions = RepoInstructions(self.io.workspace, self.config.instructions)
        self._seen: list[tuple[ToolCall, Observation]] = []
        """This step's calls and what they returned (redacted), for `_after_step`."""
        self.started = time.monotonic()
        """When `run` began (monotonic)."""
        self.hooks = self.io.hooks.session(self.sandbox, self.io.workspace, self._record)

    @property
    def label(self) -> str:
        return ".".join((self.root_label, *map(str, self.lineage)))

    def _tools(self) -> dict[str, Tool]:
        tools = dict(self.base_tools)
        tools.update(plan=plan_tool(self.plan), submit=submit_tool(self._submit))
        if len(self.lineage) < self.config.max_depth:
            delegation = Delegation(
                spawn=self._spawn,
                fork=self.sandbox.fork,
                adopt=self.io.restore_fn,
                attempts=self.config.parallel_attempts,
            )
            tools["delegate"] = delegate_tool(delegation)
        return tools

    def _record(self, kind: str, **fields: Any) -> None:
        self.io.trajectory.write({"type": kind, "agent": self.label, "step": self.steps, **fields})

    # -- the run --------------------------------------------------------------------------------

    def run(self, task: Task) -> RunResult:
        self.started = started = time.monotonic()
        self._begin(task)
        try:
            if self._suite_is_goal() and self.baseline is None and not self.lineage:
                self.baseline = self._run_baseline()
            self.context = self._initial_context(task)
            while True:
                self._step()
        except (AgentStop, DevagentError, SandboxError) as stop:
            return self._finish(stop, time.monotonic() - started)
        except BaseException as exc:  # recorded, then re-raised (a second Ctrl-C, a bug)
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
            self._record("end", status=status, reason=f"{type(exc).__name__}: {exc}")
            raise

    def _begin(self, task: Task, **start: Any) -> None:
        """Take `task`: the tools, their context, and the `start` record (`start`: more of its
        fields, e.g. a chat's own config)."""
        self.task, self.tools = task, self._tools()
        self.specs = [
            ToolSpec(t.name, t.description, t.parameters) for t in self.tools.values() if t.listed
        ]
        given = self.io.context
        if given is not None and given.sandbox is self.sandbox:
            self.ctx = given
            self.ctx.test_command = task.test_command
            self.ctx.command_timeout = self.config.command_timeout
        else:
            self.ctx = ToolContext(
                workspace=self.io.workspace,
                sandbox=self.sandbox,
                cache_dir=self.io.cache_dir,
                test_command=task.test_command,
                command_timeout=self.config.command_timeout,
            )
        self._record(
            "start",
            task=task.to_dict(),
            model=self.model.name,
            tools=list(self.tools),
            budget=self.budget.config.model_dump(),
            config=self.config.model_dump(),
            **start,
        )

    def _initial_context(self, task: Task) -> Context:
        child = bool(self.lineage)
        if self.config.stuck.enabled:  # its starting patch is read while the request is out
            self.stuck = StuckDetector(self.config.stuck)
            self._start_patch = in_background(self._patch_digest)
        root = self.instructions.root()
        if root is not None:
            self._record("instructions", **root.to_record())
        system = render(
            "system.j2",
            child=child,
            checks=list(task.checks),
            test_command=task.test_command,
            write_repro=self._suite_is_goal(),
            gated=self._gated(),
            memory=task.memory,
            instructions=root.prompt() if root else "",
        )
        issue = render("issue.j2", child=child, issue=task.issue, repo_map=task.repo_map)
        return Context(system, issue, self.config.context)

    def _step(self) -> None:
        if self.io.stop.is_set():
            raise Interrupted("stopped by the user")
        self.budget.check()
        if self.budget.near_end():
            self._say(render("wrap_up.j2", remaining=self.budget.remaining()))
        if self.context.near_limit():
            self._compact()
        self.ctx.command_timeout = self._time_capped(self.config.command_timeout)
        completion = self._complete()
        self._take_start_patch()  # before any tool can change the tree
        self.steps += 1
        self.context.add_assistant(completion.message)
        self.received(completion.message)
        if not completion.tool_calls:
            self.answered(completion.message)
        for call in completion.tool_calls:
            if self._verdict is None and self.io.stop.is_set():
                self.end_step(Interrupted("stopped by the user"), NOT_RUN)
            if self._verdict is None:
                self._execute(call)
            else:
                self._observe(call, Observation.failure(self._not_run), 0.0)
        if self._verdict is not None:
            raise self._verdict
        self._after_step()

    def end_step(self, stop: AgentStop, not_run: str) -> None:
        """End the run (a chat: the turn) with `stop` once this step's calls are answered; the
        calls not run yet are answered `not_run`."""
        self._verdict, self._not_run = stop, not_run

    def _time_capped(self, timeout: float) -> float:
        """A command timeout no longer than what is left of the time budget (at least 5 s)."""
        left = self.budget.remaining()["time"]
        return timeout if left is None else max(min(timeout, left), 5.0)

    def _say(self, text: str) -> None:
        self.context.add_user(text)
        self._record("note", text=text)

    def _complete(self) -> Completion:
        try:
            return self._call_model()
        except ContextOverflowError:
            if not self._compact():
                raise
            return self._call_model()

    def _call_model(self) -> Completion:
        messages = self.context.messages(self.plan.render())
        self._record("request", messages=[m.to_dict() for m in messages])
        with self._bounded():
            completion = self.model.complete(
                messages,
                self.specs,
                max_tokens=self.config.max_output_tokens,
                temperature=self.config.temperature,
                limits=CallLimits.within(self.budget.time_left(), self.io.stop),
            )
        self.budget.record(completion.usage, completion.cost_usd)
        self._record("completion", completion=completion.to_dict())
        self._record("budget", budget=self.budget.snapshot())
        return completion

    @contextmanager
    def _bounded(self) -> Iterator[None]:
        """A model request cut short by the stop flag or the time budget ends the run as
        `interrupted` or `budget_exhausted`, like a stop seen between steps."""
        try:
            yield
        except ModelCancelledError as exc:
            raise Interrupted("stopped by the user") from exc
        except ModelDeadlineError as exc:
            self.budget.check()  # the time budget, as BudgetExhausted("time", ...)
            limit = self.budget.config.max_time_s or 0.0
            raise BudgetExhausted("time", self.budget.elapsed(), limit) from exc

    def _compact(self) -> int:
        turns = self.context.compact(self._summarize)
        if turns:
            self._record("note", text=f"summarized {turns} older turns")
            self._show_instructions_again()
        return turns

    def _show_instructions_again(self) -> None:
        """Nested instructions that a summary replaced are added back (root ones stay in the
        system prompt)."""
        present = {m.content for m in self.context.history}
        for prompt in (i.prompt() for i in self.instructions.nested()):
            if prompt not in present:
                self.context.add_user(prompt)

    def _summarize(self, messages: list[Message]) -> str:
        prompt = render("summarize.j2", transcript=transcript(messages))
        limits = CallLimits.within(self.budget.time_left(), self.io.stop)
        with self._bounded():
            completion = self.model.complete(
                [Message("user", prompt)], [], max_tokens=2048, limits=limits
            )
        self.budget.record(completion.usage, completion.cost_usd, step=False)
        self._record("completion", completion=completion.to_dict())
        return completion.message.content

    def _execute(self, call: ToolCall) -> None:
        reviewed = self.review(call)
        if isinstance(reviewed, ToolCall):  # a PreToolUse hook's block answers it instead
            reviewed = self.hooks.before_tool(reviewed)
        if isinstance(reviewed, Observation):
            self._record("tool_call", call=call.to_dict(), run=False)
            self._observe(call, reviewed, 0.0)
            return
        if reviewed != call:
            self.context.amend_call(reviewed)
        self._record("tool_call", call=reviewed.to_dict())
        started = time.perf_counter()
        self.running = reviewed
        observation = dispatch(reviewed, self.tools, self.ctx)
        self.running = None
        duration_s = time.perf_counter() - started
        stopped = self.io.stop.is_set()  # its command may have been stopped: not replayable
        observation = self.hooks.after_tool(reviewed, observation)
        self._observe(reviewed, self.reviewed(reviewed, observation), duration_s, stopped)

    def _observe(
        self, call: ToolCall, observation: Observation, duration_s: float, stopped: bool = False
    ) -> None:
        text = self.io.trajectory.redactor.text(observation.text)
        shown = self.context.add_observation(call, text, is_error=not observation.ok)
        self._seen.append((call, replace(observation, text=text)))
        self._record(
            "observation",
            tool_call_id=call.id,
            name=call.name,
            ok=observation.ok,
            text=shown.content,
            data=observation.data,
            duration_s=round(duration_s, 4),
            **({"stopped": True} if stopped else {}),
        )

    # -- between steps: nested instructions and the loop watch ---------------------------------

    def _after_step(self) -> None:
        """Nested AGENTS.md files of the directories this step entered, then the loop watch
        (a nudge, a fresh context, or `Stuck`)."""
        seen, self._seen = self._seen, []
        for found in self.instructions.enter(p for c, o in seen for p in touched_paths(c, o)):
            self.context.add_user(found.prompt())
            self._record("instructions", **found.to_record())
        watching = self.config.stuck.enabled and may_change_files(seen)
        patch = self._patch_digest() if watching else None
        detection = self.stuck.feed(step_record(seen, self.tools, patch))
        if detection is None:
            return
        self._record("stuck", **detection.to_dict())
        if detection.response == "stop":
            raise Stuck(f"{detection.detail} (loop check {detection.number})")
        if detection.response == "fresh_context":
            self._fresh_context(detection)
        else:
            self._say(render("stuck_nudge.j2", detection=detection))

    def _fresh_context(self, detection: Detection) -> None:
        """Replace the history by a summary of it and what went in circles."""
        try:
            summary = self._summarize(self.context.history)
        except DevagentError as exc:
            summary = f"(no summary: {exc})"
        text = render(
            "stuck_restart.j2",
            detection=detection,
            earlier=self.stuck.detections[:-1],
            summary=summary,
            instructions=[i.prompt() for i in self.instructions.nested()],
        )
        self.context.restart(text)
        self._record("note", text=text)

    def _take_start_patch(self) -> None:
        """Give the loop watch the patch the run started from, read on a daemon thread while
        the first request was out (waits for it; later calls do nothing)."""
        pending, self._start_patch = self._start_patch, None
        if pending is not None:
            self.stuck.start_at(pending.result())

    def _patch_digest(self) -> str | None:
        try:
            return digest(self.io.patch_fn())
        except (DevagentError, SandboxError):
            return None

    # -- hooks: what a front end with a person in the loop overrides (devagent.chat) -----------

    def received(self, message: Message) -> None:
        """The model's reply, just added to the context (a chat shows its text)."""

    def answered(self, message: Message) -> None:
        """The model replied without a tool call. A run nudges it back to work; a chat ends
        the turn here (raises an `AgentStop`) so that the person answers."""
        del message
        self._say(render("no_tool_call.j2"))

    def review(self, call: ToolCall) -> ToolCall | Observation:
        """Before a tool call runs: the call to run (its arguments possibly edited), or the
        observation that answers it instead (a refusal and its reason). A run allows all."""
        return call

    def reviewed(self, call: ToolCall, observation: Observation) -> Observation:
        """After a tool call ran: what the model is told (a chat shows it, and puts the
        workspace back when the person rejects what the call changed)."""
        del call
        return observation

    # -- submit, checks and the best patch ------------------------------------------------------

    def _suite_is_goal(self) -> bool:
        return not self.task.checks and bool(self.task.test_command)

    def _gated(self) -> bool:
        """The suite is the goal and its baseline has per-test results: submit is judged by
        `regression_gate`, not by the whole suite passing."""
        return self._suite_is_goal() and self.baseline is not None and self.baseline.report

    def _run_baseline(self) -> CheckResult:
        timeout = self._time_capped(self.config.check_timeout)
        (result,) = run_checks(self.sandbox, [str(self.task.test_command)], timeout=timeout)
        self._record("check", phase="baseline", result=result.to_dict())
        return result

    def _submit(self, summary: str) -> Observation:
        self.summary = summary
        refused = self.hooks.before_submit(summary, self.running)
        if refused is not None:
            return refused
        commands = self.task.goal_checks()
        if not commands:
            self._verdict = GaveUp("submitted without goal checks (unverified)")
            return Observation(render("no_checks.j2"))
        timeout = self._time_capped(self.config.check_timeout)
        results = run_checks(self.sandbox, commands, timeout=timeout)
        patch = self.io.patch_fn()
        if self._gated() and results[0].report:
            return self._judge_gate(results[0], patch)
        self.checks = results
        for result in results:
            self._record("check", result=result.to_dict())
        self._keep_if_best(results, patch)
        if all_passed(results) and not self.task.checks and not patch.strip():
            return Observation.failure(render("repro_missing.j2", command=commands[0]))
        if all_passed(results) and not patch.strip():  # passing is not the agent's doing
            self._verdict = GaveUp("the goal checks pass, but the agent changed nothing")
            return Observation(render("no_change.j2", results=results))
        if all_passed(results):
            self._verdict = Submitted("the goal checks passed")
            return Observation(render("checks_passed.j2", results=results))
        if self.lineage:
            self._verdict = GaveUp("submitted; the goal checks fail")
        failed = [r for r in results if not r.passed]
        return Observation.failure(render("check_feedback.j2", results=results, failed=failed))

    def _judge_gate(self, result: CheckResult, patch: str) -> Observation:
        assert self.baseline is not None
        gate = regression_gate(self.baseline.tests, result.tests, set(patch_paths(patch)))
        result = replace(result, passed=gate.passed)
        self.checks = [result]
        self._record("check", result=result.to_dict(), gate=gate.to_dict())
        self._keep_if_best([result], patch)
        if gate.passed:
            self._verdict = Submitted(
                "no test that passed before fails, and the reproduction tests pass"
            )
            return Observation(render("gate_passed.j2", gate=gate))
        if self.lineage:
            self._verdict = GaveUp("submitted; the submit gate fails")
        return Observation.failure(render("gate_feedback.j2", gate=gate, result=result))

    def _keep_if_best(self, results: list[CheckResult], patch: str) -> None:
        rank = score(results)
        if self._best is None or rank >= self._best[0]:
            self._best = (rank, patch, results)

    def _final_patch(self, status: str) -> str:
        current = self.io.patch_fn()
        if status == "solved" or self._best is None or self._best[1] == current:
            return current
        _, best, self.checks = self._best
        if self.io.restore_fn is not None:
            self.io.restore_fn(best)
        return best

    def _finish(self, stop: Exception, duration_s: float) -> RunResult:
        self._take_start_patch()  # no git of it still running while the outputs are written
        status = stop.status if isinstance(stop, AgentStop) else "error"
        reason = str(stop) if isinstance(stop, AgentStop) else f"{type(stop).__name__}: {stop}"
        if not self.lineage and not self.io.stop.is_set():  # a person's stop: no more commands
            self.hooks.at_stop(status, reason)
        try:
            patch = self._final_patch(status)
        except (DevagentError, SandboxError) as exc:
            patch, reason = "", f"{reason}; patch unavailable: {exc}"
        result = self._result(status, reason, patch, duration_s)
        self._record("end", **result.to_dict(), patch=patch)
        return result

    def result_now(self, status: str, reason: str) -> RunResult:
        """The run as it stands, for when `run` was cut short by an exception (a second
        Ctrl-C): the workspace's diff as it is now, the checks seen so far, no final checks."""
        try:
            patch = self.io.patch_fn()
        except (DevagentError, SandboxError, OSError) as exc:
            patch, reason = "", f"{reason}; patch unavailable: {exc}"
        duration_s = time.monotonic() - self.started
        return self._result(status, reason, patch, duration_s)

    def _result(self, status: str, reason: str, patch: str, duration_s: float) -> RunResult:
        return RunResult(
            status=status,
            patch=patch,
            checks=self.checks,
            steps=self.budget.steps,
            usage=self.budget.usage,
            cost_usd=self.budget.usd,
            duration_s=duration_s,
            trajectory_path=self.io.trajectory.path,
            reason=reason,
            summary=self.summary,
            plan=self.plan.to_list(),
            budget=self.budget.snapshot(),
            stuck=[d.to_dict() for d in self.stuck.detections],
            instructions=[i.to_record() for i in self.instructions.loaded],
            hooks=list(self.io.hooks.runs),
        )

    # -- sub-agents -----------------------------------------------------------------------------

    def _spawn(self, goal: str, share: float, fork: Sandbox | None) -> ChildOutcome:
        workspace = self.io.workspace
        io = AgentIO(
            workspace=workspace if fork is None else host_workspace(fork, workspace),
            patch_fn=self.io.patch_fn if fork is None else partial(self.io.fork_patch_fn, fork),
            restore_fn=self.io.restore_fn if fork is None else None,
            fork_patch_fn=self.io.fork_patch_fn,
            trajectory=self.io.trajectory,
            stop=self.io.stop,
            cache_dir=self.io.cache_dir,
            hooks=self.io.hooks,
        )
        child = Agent(
            self.model, self.base_tools, fork or self.sandbox, self.budget.carve(share),
            io=io, config=self.config,
        )  # fmt: skip
        child.lineage = (*self.lineage, next(self._children))
        child.root_label = self.root_label
        child.baseline = self.baseline
        task = Task(goal, self.task.checks, self.task.test_command, memory=self.task.memory)
        result = child.run(task)
        return ChildOutcome(
            label=child.label,
            status=result.status,
            reason=result.reason,
            steps=result.steps,
            summary=result.summary,
            patch=result.patch,
            checks=result.checks,
        )
