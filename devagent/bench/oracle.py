"""The oracle model: replays a task's reference fix through the agent's own tools."""

from __future__ import annotations

from devagent.llm.scripted import ScriptedModel

ORACLE = "oracle"


def build_oracle(solution_patch: str) -> ScriptedModel:
    """A model named `oracle` that applies `solution_patch` with `apply_patch`, runs the tests,
    and submits. The whole harness around it is real, so a resolved oracle run proves the task
    and the path (clone, image, sandbox, tools, checks) sound."""
    model = ScriptedModel.from_replies(
        [
            {
                "content": "Applying the reference fix.",
                "tool_calls": [{"name": "apply_patch", "arguments": {"patch": solution_patch}}],
            },
            {"content": "Running the tests.", "tool_calls": [{"name": "run_tests"}]},
            {
                "content": "Submitting the reference fix.",
                "tool_calls": [
                    {"name": "submit", "arguments": {"summary": "Applied the reference fix."}}
                ],
            },
        ]
    )
    model.name = ORACLE
    return model
