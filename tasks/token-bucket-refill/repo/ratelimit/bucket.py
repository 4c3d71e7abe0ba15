"""A token bucket: `capacity` tokens at most, refilled at `rate` tokens per second."""

from __future__ import annotations

from typing import Any

from .clock import SystemClock


class TokenBucket:
    def __init__(self, rate: float, capacity: int, clock: Any = None) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock or SystemClock()
        self._tokens = float(capacity)
        self._last = self._clock.now()

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = now - self._last
        self._last = now
        self._tokens = self._tokens + int(elapsed * self.rate)

    def try_acquire(self, cost: int = 1) -> bool:
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds capacity {self.capacity}")
        self._refill()
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False

    def retry_after(self, cost: int = 1) -> float:
        """Seconds until `cost` tokens are available (0 if they are now)."""
        missing = cost - self.tokens
        return max(0.0, missing / self.rate)
