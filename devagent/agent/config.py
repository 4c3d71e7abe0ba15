"""`AgentConfig`: how the loop behaves (the budget is configured separately)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from devagent.agent.context import ContextConfig
from devagent.agent.instructions import InstructionsConfig
from devagent.agent.stuck import StuckConfig


class AgentConfig(BaseModel):
    """How the loop behaves (the budget is separate)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    max_depth: int = Field(default=1, ge=0)
    """How deep sub-agents may nest (0: no `delegate` tool)."""
    parallel_attempts: int = Field(default=2, ge=1, le=8)
    """Attempts run on forks by `delegate(parallel=true)`."""
    attempts: int = Field(default=1, ge=1, le=8)
    """Whole-run attempts at once, each on its own fork with 1/N of the budget; the one whose
    goal checks pass is kept (`devagent solve --attempts N`; `devagent.agent.attempts`)."""
    attempts_in_parallel: bool = True
    """Run the attempts at the same time (False: one after another, e.g. to measure)."""
    check_timeout: float = Field(default=600.0, gt=0)
    """Seconds each goal check may run."""
    command_timeout: float = Field(default=600.0, gt=0)
    """Default timeout tools use for commands."""
    max_output_tokens: int = Field(default=4096, ge=1)
    temperature: float = 0.0
    context: ContextConfig = Field(default_factory=ContextConfig)
    stuck: StuckConfig = Field(default_factory=StuckConfig)
    """Loop and no-progress detection: thresholds and the nudge / fresh context / stop ladder."""
    instructions: InstructionsConfig = Field(default_factory=InstructionsConfig)
    """The repository's AGENTS.md (root and nested) in the prompt, within a token cap."""
