"""How far a bench run is: tasks done of all, resolved so far, and an estimate of the end. Pure
but for the injected clock."""

from __future__ import annotations

import time
from collections.abc import Callable

from devagent.bench.report import TaskOutcome
from devagent.units import duration


class BenchTally:
    """Counts outcomes as they come; the estimate uses only the tasks run in this run (those
    resumed from an earlier run took no time here), so parallel jobs are accounted for."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.clock = total, clock
        self.started = clock()
        self.done = 0
        self.resolved = 0
        self.ran = 0
        """Outcomes of this run (not resumed)."""

    def add(self, outcome: TaskOutcome, *, resumed: bool = False) -> None:
        self.done += 1
        self.resolved += int(outcome.resolved)
        self.ran += int(not resumed)

    def eta_s(self) -> float | None:
        """Seconds left at this run's pace so far; None before the first task ends here."""
        if self.done >= self.total:
            return 0.0
        if self.ran == 0:
            return None
        return (self.clock() - self.started) / self.ran * (self.total - self.done)

    def line(self) -> str:
        """`3/10 done · 2 resolved · 1 min 12 s · ETA about 4 min`."""
        elapsed = duration(self.clock() - self.started)
        head = f"{self.done}/{self.total} done · {self.resolved} resolved · {elapsed}"
        if self.done >= self.total:
            return head
        eta = self.eta_s()
        return f"{head} · ETA {'after the first task' if eta is None else duration(eta)}"
