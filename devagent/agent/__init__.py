"""The agent loop: prompts, context, budget, plan, sub-agents, trajectory.

The CLI's entry points: `parse_issue` -> `Task`, `run_agent(SolveRequest)` -> `RunResult` (with
`exit_code`), `stop_on_signals` (Ctrl-C and SIGTERM), `replay`; the live view is
`devagent.agent.view.LiveView`.
"""

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.checks import CheckResult
from devagent.agent.config import AgentConfig
from devagent.agent.context import ContextConfig
from devagent.agent.errors import (
    AgentStop,
    BudgetExhausted,
    GaveUp,
    Interrupted,
    OutputsLostError,
    ReplayExhausted,
    Stuck,
    Submitted,
)
from devagent.agent.instructions import InstructionsConfig
from devagent.agent.issue import IssueError, IssueSpec, parse_duration, parse_issue
from devagent.agent.loop import Agent
from devagent.agent.memory import MemoryStore, learned_facts
from devagent.agent.redact import Redactor, secret_values_from_env
from devagent.agent.replay import ReplayReport, replay
from devagent.agent.seams import AgentIO
from devagent.agent.signals import stop_on_sigint, stop_on_signals
from devagent.agent.solve import SolveRequest, exit_code, run_agent
from devagent.agent.stuck import StuckConfig
from devagent.agent.task import RunResult, Task
from devagent.agent.trajectory import Trajectory, read_trajectory

__all__ = [
    "Agent",
    "AgentConfig",
    "AgentIO",
    "AgentStop",
    "Budget",
    "BudgetConfig",
    "BudgetExhausted",
    "CheckResult",
    "ContextConfig",
    "GaveUp",
    "InstructionsConfig",
    "Interrupted",
    "IssueError",
    "IssueSpec",
    "MemoryStore",
    "OutputsLostError",
    "Redactor",
    "ReplayExhausted",
    "ReplayReport",
    "RunResult",
    "SolveRequest",
    "Stuck",
    "StuckConfig",
    "Submitted",
    "Task",
    "Trajectory",
    "exit_code",
    "learned_facts",
    "parse_duration",
    "parse_issue",
    "read_trajectory",
    "replay",
    "run_agent",
    "secret_values_from_env",
    "stop_on_sigint",
    "stop_on_signals",
]
