"""Replay a trajectory: its recorded model replies against a fresh run; the first divergence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.agent.errors import ReplayExhausted
from devagent.agent.hookreplay import RecordedHooks
from devagent.agent.loop import NOT_RUN, Agent
from devagent.agent.mcpreplay import recorded_mcp_tools
from devagent.agent.seams import AgentIO
from devagent.agent.task import RunResult, Task
from devagent.agent.text import normalize_for_compare
from devagent.agent.trajectory import read_trajectory
from devagent.errors import DevagentError
from devagent.llm.limits import CallLimits
from devagent.llm.types import Completion, Message, ToolSpec
from devagent.tools.base import Tool
from sandbox import Sandbox


class RecordedModel:
    """Serves recorded completions in order (a minimal stand-in for the `replay:` provider)."""

    def __init__(self, completions: Sequence[Completion], name: str = "replay:recorded") -> None:
        self.name = name
        self._completions = list(completions)
        self.served = 0

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion:
        del messages, tools, max_tokens, temperature, limits
        if self.served >= len(self._completions):
            raise ReplayExhausted(f"all {self.served} recorded replies used; the run diverged")
        self.served += 1
        return self._completions[self.served - 1]


@dataclass(frozen=True)
class Recording:
    """What a trajectory holds for a replay."""

    start: dict[str, Any]
    completions: list[Completion]
    observations: list[dict[str, Any]]
    meta: dict[str, Any]
    """The `meta` record `solve` wrote (repo, base, image...), {} if none."""
    status: str = ""
    """The run's status from its `end` record; "" when it has none (the process was killed)."""
    last_step: int = 0
    """The step the recording ends on."""

    @property
    def interrupted(self) -> bool:
        """The run was stopped before its end (Ctrl-C, SIGTERM, or killed)."""
        return self.status in ("interrupted", "")

    @property
    def replayable(self) -> list[dict[str, Any]]:
        """The observations a replay can reproduce: not those of calls the stop cut short."""
        return [o for o in self.observations if not o.get("stopped")]

    @property
    def task(self) -> Task:
        return Task.from_dict(self.start["task"])


@dataclass(frozen=True)
class Divergence:
    index: int
    """Position among the observations (0-based)."""
    agent: str
    step: int
    tool: str
    expected: str
    actual: str


@dataclass(frozen=True)
class ReplayReport:
    compared: int
    expected: int
    divergence: Divergence | None
    result: RunResult
    interrupted: bool = False
    """The recorded run was stopped early; the replay stopped at the same point."""
    last_step: int = 0
    """The step the recording ends on."""

    @property
    def reproduced(self) -> bool:
        return self.divergence is None and self.compared == self.expected


def load_recording(path: Path) -> Recording:
    """The run's recording; of a run of parallel attempts, the chosen attempt's (its start,
    its replies and observations and its sub-agents', named by the `attempts` record)."""
    records = list(read_trajectory(path))
    chosen = next(
        (str(r["chosen"]) for r in records if r.get("type") == "attempts" and r.get("chosen")),
        "",
    )
    meta: dict[str, Any] = next((r.get("meta", {}) for r in records if r.get("type") == "meta"), {})
    if chosen:
        records = [r for r in records if of_agent(str(r.get("agent", "")), chosen)]
    mine = [r for r in records if r.get("agent") == (chosen or "0") and "type" in r]
    starts = [r for r in mine if r["type"] == "start"]
    if not starts:
        raise DevagentError(f"{path} has no start record: not a devagent trajectory")
    return Recording(
        # a resumed run's later start holds its larger budget (its task is the same)
        start={**starts[0], "budget": starts[-1].get("budget", starts[0].get("budget", {}))},
        completions=[
            Completion.from_dict(r["completion"]) for r in records if r.get("type") == "completion"
        ],
        observations=[r for r in records if r.get("type") == "observation"],
        meta=meta,
        status=next((str(r.get("status", "")) for r in reversed(mine) if r["type"] == "end"), ""),
        last_step=max((int(r.get("step", 0)) for r in mine), default=0),
    )


def of_agent(agent: str, label: str) -> bool:
    """Whether a record's `agent` is `label` or one of its sub-agents ('0.a2', '0.a2.1')."""
    return agent == label or agent.startswith(label + ".")


def _divergence(index: int, want: Mapping[str, Any], got: Mapping[str, Any]) -> Divergence:
    return Divergence(
        index=index,
        agent=str(want.get("agent", got.get("agent", "?"))),
        step=int(want.get("step", got.get("step", -1))),
        tool=str(want.get("name", got.get("name", "?"))),
        expected=str(want.get("text", "<no observation>")),
        actual=str(got.get("text", "<no observation>")),
    )


def first_divergence(
    expected: Sequence[Mapping[str, Any]], actual: Sequence[Mapping[str, Any]]
) -> tuple[int, Divergence | None]:
    """Compare observations in order (text normalized, `ok`, tool name); the first mismatch.

    Returns how many observations matched before it (all of them when there is none)."""
    for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
        same_text = normalize_for_compare(want["text"]) == normalize_for_compare(got["text"])
        if not same_text or want["ok"] != got["ok"] or want["name"] != got["name"]:
            return i, _divergence(i, want, got)
    compared = min(len(expected), len(actual))
    if len(expected) == len(actual):
        return compared, None
    want = expected[compared] if compared < len(expected) else {}
    got = actual[compared] if compared < len(actual) else {}
    return compared, _divergence(compared, want, got)


def replay(
    path: Path, tools: Mapping[str, Tool], sandbox: Sandbox, io: AgentIO | None = None
) -> ReplayReport:
    """Re-run the recorded replies of `path` against `sandbox` (fresh, at the same base). MCP
    tools answer with their recorded results (`devagent.agent.mcpreplay`); hooks with their
    recorded decisions (`RecordedHooks`: no hook runs again). A run that was stopped early is
    replayed up to the same point, then stopped the same way."""
    recording = load_recording(path)
    tools = {**tools, **recorded_mcp_tools(path)}
    io = io or AgentIO()
    io.hooks = RecordedHooks(read_trajectory(path))
    expected = recording.replayable
    if recording.interrupted:
        while expected and expected[-1]["text"] == NOT_RUN:  # the stop came before these ran
            expected = expected[:-1]
        stop_after_observations(io, len(expected))
    budget_config = BudgetConfig(**{**recording.start.get("budget", {}), "max_time_s": None})
    config = AgentConfig(**recording.start.get("config", {}))
    agent = Agent(
        RecordedModel(recording.completions),
        tools,
        sandbox,
        Budget(budget_config),
        io=io,
        config=config,
    )
    result = agent.run(recording.task)
    actual = [r for r in io.trajectory.records if r.get("type") == "observation"]
    if recording.interrupted:
        actual = actual[: len(expected)]  # what ran after the point of the stop is not compared
    compared, divergence = first_divergence(expected, actual)
    return ReplayReport(
        compared, len(expected), divergence, result, recording.interrupted, recording.last_step
    )


def stop_after_observations(io: AgentIO, count: int) -> None:
    """Set `io.stop` once the run has made `count` observations (at once for 0)."""
    seen = [0]

    def listen(record: dict[str, Any]) -> None:
        if record.get("type") == "observation":
            seen[0] += 1
            if seen[0] >= count:
                io.stop.set()

    if count == 0:
        io.stop.set()
    io.trajectory.subscribe(listen)
