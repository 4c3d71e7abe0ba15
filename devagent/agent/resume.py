"""Taking a stopped run up again (`solve --resume RUN_DIR`): what its trajectory says about where
it stopped (`ResumePoint`), and the agent that goes on from there (`ResumedAgent`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devagent.agent.checks import CheckResult
from devagent.agent.context import Context
from devagent.agent.loop import Agent
from devagent.agent.prompts import render
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import read_trajectory
from devagent.errors import DevagentError
from devagent.llm.types import Message, Model, Usage

PLAN_HEADER = "Current plan:"
"""How `plan.j2` starts: the plan shown back last in a request is not part of the history."""
NOT_RUN = "Not run: the run stopped before this call ran."


class ResumeError(DevagentError):
    """RUN_DIR cannot be taken up again (no trajectory, nothing left to do, a gone base)."""


@dataclass(frozen=True)
class ResumePoint:
    """Where a recorded run stopped: enough to rebuild its workspace, context and budget."""

    run_dir: Path
    meta: dict[str, Any]
    """repo, base, image, model as the run recorded them."""
    task: Task
    budget: dict[str, Any]
    """The run's budget limits (`BudgetConfig` fields)."""
    status: str
    reason: str
    patch: str
    """The workspace's patch against the base when the run stopped."""
    history: list[Message]
    """The main agent's conversation after its prompt and issue."""
    steps: int
    """Model calls made, sub-agents' included (what the step budget counts)."""
    agent_steps: int
    """The main agent's own step number when it stopped."""
    usage: Usage
    usd: float
    seconds: float
    served: int
    """Model replies used (a scripted model goes on after them)."""
    plan: list[dict[str, str]] = field(default_factory=list)
    baseline: CheckResult | None = None

    @property
    def model(self) -> str:
        return str(self.meta.get("model", ""))

    def spent(self) -> dict[str, float]:
        return {
            "steps": self.steps,
            "tokens": self.usage.total_tokens,
            "usd": round(self.usd, 6),
            "time": round(self.seconds, 3),
        }

    def record(self, meta: dict[str, Any]) -> dict[str, Any]:
        """The trajectory's `resume` record (written where a fresh run writes `meta`)."""
        return {
            "type": "resume",
            "agent": "0",
            "step": self.agent_steps,
            "from_status": self.status,
            "from_reason": self.reason,
            "spent": self.spent(),
            "patch_bytes": len(self.patch.encode()),
            "meta": meta,
        }


def load_resume_point(run_dir: Path) -> ResumePoint:
    """The point RUN_DIR's run stopped at; `ResumeError` when there is nothing to resume."""
    path = run_dir / "trajectory.jsonl"
    if not path.is_file():
        raise ResumeError(f"{run_dir} has no trajectory.jsonl: not a devagent run folder")
    patch_file = run_dir / "patch.diff"
    patch = patch_file.read_text(encoding="utf-8") if patch_file.is_file() else None
    return resume_point(run_dir, list(read_trajectory(path)), patch)


def resume_point(
    run_dir: Path, records: list[dict[str, Any]], patch_file: str | None
) -> ResumePoint:
    """Pure: the records of a trajectory (and patch.diff's text, if any) as a `ResumePoint`."""
    if any(r.get("type") == "attempts" for r in records):
        raise ResumeError(f"the run in {run_dir} ran parallel attempts (--attempts): not resumable")
    main = [r for r in records if str(r.get("agent", "0")) == "0"]
    starts = [r for r in main if r.get("type") == "start"]
    if not starts:
        raise ResumeError(f"{run_dir}/trajectory.jsonl has no start record: nothing to resume")
    ends = [r for r in main if r.get("type") == "end"]
    end = ends[-1] if ends and _after(records, ends[-1], starts[-1]) else None
    if end is not None and end.get("status") == "solved":
        raise ResumeError(f"the run in {run_dir} ended solved: nothing to resume")
    patch = end.get("patch") if end is not None else None
    if patch is None:
        patch = patch_file
    if patch is None:
        raise ResumeError(
            f"{run_dir} records no workspace state to go on from (no end record, no patch.diff)"
        )
    completions = [r for r in records if r.get("type") == "completion"]
    usage = _total(
        [Usage.from_dict((r.get("completion") or {}).get("usage") or {}) for r in completions]
    )
    return ResumePoint(
        run_dir=run_dir,
        meta=_meta(records),
        task=Task.from_dict(starts[0]["task"]),
        budget=dict(starts[-1].get("budget") or {}),
        status=str(end.get("status")) if end else "interrupted",
        reason=str(end.get("reason", "")) if end else "the run recorded no end",
        patch=str(patch),
        history=history(main),
        steps=sum(1 for r in records if r.get("type") == "budget"),
        agent_steps=max((int(r.get("step", 0)) for r in main), default=0),
        usage=usage,
        usd=sum(float((r.get("completion") or {}).get("cost_usd", 0.0)) for r in completions),
        seconds=_seconds(records, end),
        served=len(completions),
        plan=list(end.get("plan") or []) if end else [],
        baseline=_baseline(main),
    )


def _total(usages: list[Usage]) -> Usage:
    return Usage(
        input_tokens=sum(u.input_tokens for u in usages),
        output_tokens=sum(u.output_tokens for u in usages),
        cached_tokens=sum(u.cached_tokens for u in usages),
        cache_write_tokens=sum(u.cache_write_tokens for u in usages),
    )


def _after(records: list[dict[str, Any]], later: dict[str, Any], earlier: dict[str, Any]) -> bool:
    return records.index(later) > records.index(earlier)


def _meta(records: list[dict[str, Any]]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for r in records:
        if r.get("type") in ("meta", "resume") and r.get("meta"):
            meta = dict(r["meta"])
    return meta


def _seconds(records: list[dict[str, Any]], end: dict[str, Any] | None) -> float:
    """Wall time spent: the last end's duration (it counts earlier parts), else the span of
    the records (an upper bound: a run killed without an end)."""
    if end is not None:
        return float(end.get("duration_s", 0.0))
    stamps = [float(r["ts"]) for r in records if "ts" in r]
    return max(stamps) - min(stamps) if stamps else 0.0


def _baseline(main: list[dict[str, Any]]) -> CheckResult | None:
    """The first goal check run before any change (the loop uses it when the suite is the
    goal; the pipeline's prechecks of a resumed run replace it)."""
    for r in main:
        if r.get("type") == "check" and r.get("phase") in ("baseline", "precheck"):
            data = dict(r["result"])
            data["failing_ids"] = tuple(data.get("failing_ids") or ())
            return CheckResult(**data)
    return None


def history(main: list[dict[str, Any]]) -> list[Message]:
    """The main agent's history when it stopped: the last request's messages after the prompt
    and the issue (without the plan shown back last), then the reply, observations and notes
    recorded after it."""
    requests = [i for i, r in enumerate(main) if r.get("type") == "request"]
    if not requests:
        return []
    last = requests[-1]
    messages = [Message.from_dict(m) for m in main[last].get("messages") or []][2:]
    if messages and messages[-1].role == "user" and messages[-1].content.startswith(PLAN_HEADER):
        messages.pop()
    replied = False
    for r in main[last + 1 :]:
        kind = r.get("type")
        if kind == "completion" and not replied:  # the step's reply (later ones: summaries)
            messages.append(Message.from_dict(r["completion"]["message"]))
            replied = True
        elif kind == "observation":
            messages.append(_tool_message(r))
        elif kind == "stuck" and r.get("response") == "fresh_context":
            messages = []
        elif kind == "note" and not str(r.get("text", "")).startswith("summarized "):
            messages.append(Message("user", str(r.get("text", ""))))
    return messages


def _tool_message(record: dict[str, Any]) -> Message:
    return Message(
        "tool",
        str(record.get("text", "")),
        tool_call_id=str(record.get("tool_call_id", "")),
        name=str(record.get("name", "")),
        is_error=not record.get("ok", True),
    )


def continue_script(model: Model, point: ResumePoint) -> None:
    """The run's own scripted or replayed model goes on after the replies it served (another
    model, or a live one, is left as it is)."""
    if model.name == point.model and isinstance(getattr(model, "position", None), int):
        model.position = point.served  # type: ignore[attr-defined]


class ResumedAgent(Agent):
    """An `Agent` that goes on from `point`: its budget counts what was spent, its context is
    the recorded conversation plus a note that the run resumed, its steps count on."""

    def __init__(self, point: ResumePoint, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.point = point
        self.steps = point.agent_steps
        self.baseline = point.baseline
        self.budget.carry(point.steps, point.usage, point.usd, point.seconds)
        if point.plan:
            self.plan.update(point.plan)

    def _initial_context(self, task: Task) -> Context:
        context = super()._initial_context(task)
        context.history = list(self.point.history)
        for call in context.unanswered():
            context.add_observation(call, NOT_RUN, is_error=True)
        text = render(
            "resume.j2",
            status=self.point.status,
            reason=self.point.reason,
            remaining=self.budget.remaining(),
        )
        context.add_user(text)
        self._record("note", text=text)
        return context

    def _finish(self, stop: Exception, duration_s: float) -> RunResult:
        return super()._finish(stop, duration_s + self.point.seconds)
