"""Run budgets: steps, tokens, USD and wall time, checked before every model call."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from devagent.agent.errors import BudgetExhausted
from devagent.llm.types import Usage

KINDS = ("steps", "tokens", "usd", "time")


class BudgetConfig(BaseModel):
    """Limits of one run; `None` means unlimited for that kind."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    max_steps: int | None = Field(default=50, ge=0)
    """Model calls (each assistant turn is one step)."""
    max_tokens: int | None = Field(default=None, ge=0)
    """Input plus output tokens as the provider reports them."""
    max_usd: float | None = Field(default=None, ge=0)
    """Cost as the model layer accounts it."""
    max_time_s: float | None = Field(default=None, ge=0)
    """Wall time since the budget started."""
    wrap_up_at: float = Field(default=0.8, gt=0, le=1)
    """Fraction of any limit at which the model is told, once, to wrap up."""


class Budget:
    """Tracks what a run has used; a carved child budget also charges its parent."""

    def __init__(
        self,
        config: BudgetConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        parent: Budget | None = None,
    ) -> None:
        self.config = config or BudgetConfig()
        self._clock = clock
        self._started = clock()
        self._parent = parent
        self._warned = False
        self.steps = 0
        self.usage = Usage()
        self.usd = 0.0

    @property
    def tokens(self) -> int:
        return self.usage.total_tokens

    def elapsed(self) -> float:
        return self._clock() - self._started

    def record(self, usage: Usage, cost_usd: float, *, step: bool = True) -> None:
        """Charge one model call (and every ancestor budget)."""
        self.steps += int(step)
        self.usage = Usage(
            input_tokens=self.usage.input_tokens + usage.input_tokens,
            output_tokens=self.usage.output_tokens + usage.output_tokens,
            cached_tokens=self.usage.cached_tokens + usage.cached_tokens,
            cache_write_tokens=self.usage.cache_write_tokens + usage.cache_write_tokens,
        )
        self.usd += cost_usd
        if self._parent is not None:
            self._parent.record(usage, cost_usd, step=step)

    def _used_and_limits(self) -> dict[str, tuple[float, float | None]]:
        c = self.config
        return {
            "steps": (self.steps, c.max_steps),
            "tokens": (self.tokens, c.max_tokens),
            "usd": (self.usd, c.max_usd),
            "time": (self.elapsed(), c.max_time_s),
        }

    def check(self) -> None:
        """Raise `BudgetExhausted(kind)` when any limit (here or in an ancestor) is reached."""
        for kind, (used, limit) in self._used_and_limits().items():
            if limit is not None and used >= limit:
                raise BudgetExhausted(kind, used, limit)
        if self._parent is not None:
            self._parent.check()

    def near_end(self) -> bool:
        """True once, the first time any kind crosses `wrap_up_at` or one step remains."""
        if self._warned:
            return False
        for kind, (used, limit) in self._used_and_limits().items():
            if limit is None or limit <= 0:
                continue
            last_step = kind == "steps" and limit - used <= 1 and limit > 1
            if used / limit >= self.config.wrap_up_at or last_step:
                self._warned = True
                return True
        return False

    def remaining(self) -> dict[str, float | None]:
        return {
            kind: None if limit is None else max(limit - used, 0)
            for kind, (used, limit) in self._used_and_limits().items()
        }

    def carve(self, share: float) -> Budget:
        """A child budget holding `share` of what remains of each limit; it charges this one."""
        share = min(max(share, 0.0), 1.0)
        left = self.remaining()
        steps = left["steps"]
        config = BudgetConfig(
            max_steps=None if steps is None else max(int(steps * share), 1),
            max_tokens=None if left["tokens"] is None else int(left["tokens"] * share),
            max_usd=None if left["usd"] is None else left["usd"] * share,
            max_time_s=None if left["time"] is None else left["time"] * share,
            wrap_up_at=self.config.wrap_up_at,
        )
        return Budget(config, clock=self._clock, parent=self)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of use and limits, for the trajectory and the live view."""
        return {
            kind: {"used": round(used, 6), "limit": limit}
            for kind, (used, limit) in self._used_and_limits().items()
        }
