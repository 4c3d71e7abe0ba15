"""The `submit` tool: the model declares the work done; the harness then checks the goals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devagent.tools.base import Observation, Tool, ToolContext

OnSubmit = Callable[[str], Observation]


def submit_tool(on_submit: OnSubmit) -> Tool:
    """A `Tool` handing the summary to the loop's `on_submit`, which runs the goal checks."""

    def run(args: dict[str, Any], ctx: ToolContext) -> Observation:
        del ctx
        return on_submit(str(args.get("summary", "")).strip())

    return Tool(
        name="submit",
        description=(
            "Declare the work done. The harness then runs the goal checks in the sandbox; "
            "if any fails you get the failures back and can continue."
        ),
        parameters={
            "type": "object",
            "properties": {
                "summary": {
                    "type": "string",
                    "description": "What you changed and how you verified it, in a few lines.",
                }
            },
            "required": ["summary"],
        },
        fn=run,
    )
