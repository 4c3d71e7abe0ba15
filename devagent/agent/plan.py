"""The `plan` tool: a short list of steps with status, shown back to the model every turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from devagent.agent.prompts import render
from devagent.tools.base import Observation, Tool, ToolContext

Status = Literal["pending", "in_progress", "done", "skipped"]
STATUSES: tuple[str, ...] = ("pending", "in_progress", "done", "skipped")
MAX_STEPS = 20


@dataclass(frozen=True)
class PlanStep:
    text: str
    status: Status = "pending"


class Plan:
    """The current plan; replaced whole by each `plan` call."""

    def __init__(self) -> None:
        self.steps: list[PlanStep] = []

    def update(self, raw_steps: list[Any]) -> str | None:
        """Replace the steps; return a problem for the model instead when they are invalid."""
        steps = []
        for i, raw in enumerate(raw_steps, 1):
            if not isinstance(raw, dict) or not str(raw.get("step", "")).strip():
                return f"step {i} needs a non-empty 'step' text"
            status = raw.get("status", "pending")
            if status not in STATUSES:
                return f"step {i} has status {status!r}; use one of {', '.join(STATUSES)}"
            steps.append(PlanStep(str(raw["step"]).strip(), status))
        if len(steps) > MAX_STEPS:
            return f"{len(steps)} steps; keep the plan to at most {MAX_STEPS}"
        self.steps = steps
        return None

    def render(self) -> str:
        return render("plan.j2", steps=self.steps) if self.steps else ""

    def to_list(self) -> list[dict[str, str]]:
        return [{"step": s.text, "status": s.status} for s in self.steps]


PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "steps": {
            "type": "array",
            "description": "The whole plan, in order (this replaces the previous plan).",
            "items": {
                "type": "object",
                "properties": {
                    "step": {"type": "string", "description": "What to do, in a few words."},
                    "status": {"type": "string", "enum": list(STATUSES)},
                },
                "required": ["step", "status"],
            },
        }
    },
    "required": ["steps"],
}


def plan_tool(plan: Plan) -> Tool:
    """A `Tool` that records the plan; the loop shows it back to the model every turn."""

    def run(args: dict[str, Any], ctx: ToolContext) -> Observation:
        del ctx
        problem = plan.update(list(args.get("steps") or []))
        if problem:
            return Observation.failure(f"Plan not updated: {problem}.")
        text = f"Plan updated ({len(plan.steps)} steps)."
        return Observation(text, data={"plan": plan.to_list()})

    return Tool(
        name="plan",
        description="Record or update your plan: the full list of steps, each with a status.",
        parameters=PLAN_SCHEMA,
        fn=run,
    )
