"""One bucket per key (per user, per API token...)."""

from __future__ import annotations

from typing import Any, Hashable

from .bucket import TokenBucket


class KeyedLimiter:
    def __init__(self, rate: float, capacity: int, clock: Any = None) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._buckets: dict[Hashable, TokenBucket] = {}

    def try_acquire(self, key: Hashable, cost: int = 1) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.capacity, self._clock)
        return bucket.try_acquire(cost)
