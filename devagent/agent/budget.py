"""Run budgets: steps, tokens, USD and wall time, checked before every model call."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from devagent.agent.errors import BudgetExhausted
from devagent.llm.types import Usage

KINDS = ("steps", "tokens", "usd", "time")


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)?", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, None: 1.0}


def parse_duration(text: str | float) -> float:
    """Seconds in 90, '90', '90s', '10m', '1h30m', '500ms'; ValueError for anything else."""
    if isinstance(text, int | float):
        return float(text)
    compact = text.strip().replace(" ", "")
    parts = list(_DURATION_PART.finditer(compact))
    if not compact or "".join(p.group(0) for p in parts) != compact:
        raise ValueError(f"cannot read duration {text!r}; use e.g. 90s, 10m or 1h30m")
    return sum(float(p.group(1)) * _UNIT_SECONDS[(p.group(2) or "").lower() or None] for p in parts)


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(_duration)]
"""Seconds, written as a number or as a duration: '90s', '10m', '1h30m'."""


class BudgetConfig(BaseModel):
    """Limits of one run; `None` means unlimited for that kind. The one budget model: the
    settings hold the defaults below, a task's `[budget]` and an issue's front matter override
    what they set, and flags override them all."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False)

    max_steps: int | None = Field(default=40, gt=0)
    """Model calls (each assistant turn is one step)."""
    max_tokens: int | None = Field(default=2_000_000, gt=0)
    """Input plus output tokens as the provider reports them."""
    max_usd: float | None = Field(default=3.0, gt=0)
    """Cost as the model layer accounts it."""
    max_time_s: Duration | None = Field(
        default=1800.0, gt=0, validation_alias=AliasChoices("max_time_s", "max_time")
    )
    """Wall time since the budget started (`max_time = "30m"` or `max_time_s = 1800`)."""
    wrap_up_at: float = Field(default=0.8, gt=0, le=1)
    """Fraction of any limit at which the model is told, once, to wrap up."""

    def overrides(self) -> dict[str, Any]:
        """Only the fields that were given (to lay over other settings)."""
        return self.model_dump(exclude_unset=True)


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
        self._lock = threading.Lock()
        """Attempts running at once charge one parent budget from their threads."""

    @property
    def tokens(self) -> int:
        return self.usage.total_tokens

    def elapsed(self) -> float:
        return self._clock() - self._started

    def record(self, usage: Usage, cost_usd: float, *, step: bool = True) -> None:
        """Charge one model call (and every ancestor budget). Thread-safe."""
        with self._lock:
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

    def carry(self, steps: int, usage: Usage, usd: float, seconds: float) -> None:
        """Count what an earlier part of the run used (`solve --resume`): its steps, tokens and
        cost, and its wall time as time already spent."""
        self.steps += steps
        self.record(usage, usd, step=False)
        self._started -= seconds

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

    def time_left(self) -> float | None:
        """Seconds of wall time left here or in any ancestor, whichever ends first (None:
        unlimited): the deadline every model request and command must end by."""
        own = self.remaining()["time"]
        parent = self._parent.time_left() if self._parent is not None else None
        if own is None or parent is None:
            return parent if own is None else own
        return min(own, parent)

    def carve(self, share: float, *, share_time: bool = True) -> Budget:
        """A child budget holding `share` of what remains of each limit; it charges this one.
        `share_time=False`: the child may use all the remaining wall time (children that run at
        the same time share the clock, not split it)."""
        share = min(max(share, 0.0), 1.0)
        left = self.remaining()
        steps, seconds = left["steps"], left["time"]
        time_share = share if share_time else 1.0
        config = BudgetConfig(
            max_steps=None if steps is None else max(int(steps * share), 1),
            # a share of nothing is the least a limit can be (every limit is above 0)
            max_tokens=None if left["tokens"] is None else max(int(left["tokens"] * share), 1),
            max_usd=None if left["usd"] is None else max(left["usd"] * share, 1e-9),
            max_time_s=None if seconds is None else max(seconds * time_share, 1e-6),
            wrap_up_at=self.config.wrap_up_at,
        )
        return Budget(config, clock=self._clock, parent=self)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of use and limits, for the trajectory and the live view."""
        return {
            kind: {"used": round(used, 6), "limit": limit}
            for kind, (used, limit) in self._used_and_limits().items()
        }
