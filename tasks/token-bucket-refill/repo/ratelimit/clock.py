"""A manual clock for tests; anything with `now() -> float` works."""

from __future__ import annotations

import time


class SystemClock:
    def now(self) -> float:
        return time.monotonic()


class ManualClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
