"""The run-ending stops of the agent loop; only the loop catches them.

AgentStop                 ends a run; `status` is what the run records
├── Submitted             the goal checks passed after a `submit`      -> solved
├── GaveUp                the run ended without verified checks        -> unsolved
├── BudgetExhausted       a budget (steps, tokens, usd, time) ran out  -> budget_exhausted
├── Interrupted           the person asked to stop (Ctrl-C)            -> interrupted
└── Stuck                 the loop watch saw the run go in circles     -> stuck

ReplayExhausted is not a stop: a replayed run asked for more model replies than were recorded.
OutputsLostError is not a stop either: the run ended, but some of its files could not be written.
"""

from __future__ import annotations

from devagent.errors import DevagentError
from devagent.units import amount


class AgentStop(DevagentError):
    """Ends the run; the loop records `status` and the message as the reason."""

    status: str = "error"


class Submitted(AgentStop):
    """The goal checks passed in the harness after a `submit`."""

    status = "solved"


class GaveUp(AgentStop):
    """The run ended without passing checks (e.g. a sub-agent submitted, or no checks exist)."""

    status = "unsolved"


class BudgetExhausted(AgentStop):
    """One budget kind is used up."""

    status = "budget_exhausted"

    def __init__(self, kind: str, used: float, limit: float) -> None:
        super().__init__(f"{kind} budget exhausted ({amount(kind, used)} of {amount(kind, limit)})")
        self.kind = kind
        self.used = used
        self.limit = limit


class Interrupted(AgentStop):
    """The stop flag was set (first Ctrl-C): the current step finished, then the run ended."""

    status = "interrupted"


class Stuck(AgentStop):
    """The run looped or stalled after a nudge and a fresh context (see `agent.stuck`)."""

    status = "stuck"


class ReplayExhausted(DevagentError):
    """A replay asked for more model replies than the trajectory holds."""


class OutputsLostError(DevagentError):
    """Some of a run's files could not be written (a full disk); the others were kept."""

    hint = "free some disk space (or pass --out on another disk); the files kept are complete"

    def __init__(self, out: object, status: str, lost: dict[str, str], kept: list[str]) -> None:
        reasons = "; ".join(sorted(set(lost.values())))
        kept_text = ", ".join(kept) if kept else "nothing"
        super().__init__(
            f"the run ended {status}, but {', '.join(lost)} could not be written in {out} "
            f"({reasons}); kept: {kept_text}"
        )
        self.status, self.lost, self.kept = status, lost, kept
