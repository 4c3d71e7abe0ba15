"""Retrying transient model errors: exponential backoff, full jitter, Retry-After, hard bounds."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

from devagent.llm.config import RetryConfig
from devagent.llm.errors import ModelDeadlineError, TransientModelError
from devagent.llm.limits import CallLimits

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Retrier:
    """Calls a function until it succeeds, fails for good, or the bounds are reached.
    `sleep`, `clock` and `rng` are seams: tests pass fakes and never wait."""

    config: RetryConfig = field(default_factory=RetryConfig)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def call(self, fn: Callable[[], T], limits: CallLimits | None = None, where: str = "") -> T:
        """`fn()` until it succeeds, fails for good, or a bound is reached. `limits` end it
        sooner: no attempt runs past their deadline or after their stop flag, and none waits
        for a backoff that would end after the deadline (`where` names the model in errors)."""
        limits = limits or CallLimits()
        where = where or "model"
        start = self.clock()
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                return limits.run(fn, where)
            except TransientModelError as exc:
                delay = self.delay(attempt, exc.retry_after)
                elapsed = self.clock() - start
                if attempt == self.config.max_attempts:
                    raise
                if elapsed + delay > self.config.max_total_s:
                    log.warning("giving up after %d attempts: %s", attempt, exc)
                    raise
                if limits.deadline is not None and limits.time_left() == 0:
                    raise ModelDeadlineError(f"{exc}; the time budget ran out") from exc
                log.info("attempt %d failed (%s); retrying in %.1fs", attempt, exc, delay)
                limits.pause(delay, where, self.sleep)
        raise AssertionError("unreachable: max_attempts >= 1")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.config.max_delay_s, self.config.base_delay_s * 2 ** (attempt - 1))
        return self.rng.uniform(ceiling / 2, ceiling)


def parse_retry_after(headers: dict[str, str] | None, now: float | None = None) -> float | None:
    """Seconds from a `retry-after-ms` or `retry-after` header (delta seconds or HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))
