"""When a model request must end: a deadline (the run's time budget) and a stop flag (Ctrl-C).

A provider SDK call blocks its thread until the server answers or its own timeout passes (ten
minutes by default). `CallLimits.run` makes such a call end on time: the call runs on a daemon
worker thread (one that never holds up the process's exit) while the caller waits for the
answer, the deadline or the stop flag, whichever comes first. The abandoned call still ends by
itself, since providers also cap their request timeout by `time_left()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from devagent.llm.errors import ModelCancelledError, ModelDeadlineError

T = TypeVar("T")

POLL_S = 0.05
"""How often a waiting caller looks at the stop flag (it ends within this of a Ctrl-C)."""


@dataclass(frozen=True)
class CallLimits:
    """A request's limits; the default has none (the call runs inline, as before)."""

    deadline: float | None = None
    """The `clock()` reading by which the request must be over; None: no deadline."""
    stop: threading.Event | None = None
    """Once set, the request is abandoned at once (`ModelCancelledError`)."""
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @classmethod
    def within(
        cls,
        seconds: float | None,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> CallLimits:
        """Limits ending `seconds` from now (None: no deadline), or when `stop` is set."""
        return cls(None if seconds is None else clock() + seconds, stop, clock)

    def time_left(self) -> float | None:
        """Seconds until the deadline (0 once passed); None without a deadline."""
        return None if self.deadline is None else max(self.deadline - self.clock(), 0.0)

    def timeout(self, default: float) -> float:
        """A request timeout: `default`, or less when the deadline comes sooner."""
        left = self.time_left()
        return default if left is None else max(min(default, left), 0.001)

    def check(self, where: str) -> None:
        """Raise if the request may not start (or go on): stopped, or past the deadline."""
        if self.stop is not None and self.stop.is_set():
            raise ModelCancelledError(f"{where}: request cancelled (stop asked)")
        if self.deadline is not None and self.clock() >= self.deadline:
            raise ModelDeadlineError(f"{where}: the time budget ran out waiting for the model")

    def pause(self, seconds: float, where: str, sleep: Callable[[float], None]) -> None:
        """Wait `seconds` between attempts: with `sleep` when nothing can cut it short, else
        on the stop flag; raise instead when the deadline comes first or stop is set."""
        left = self.time_left()
        if left is not None and seconds >= left:
            raise ModelDeadlineError(
                f"{where}: no time left in the budget for another attempt ({left:.1f}s left)"
            )
        if self.stop is None:
            sleep(seconds)
        elif self.stop.wait(seconds):
            self.check(where)

    def run(self, fn: Callable[[], T], where: str) -> T:
        """`fn()`, ended early when the deadline passes or stop is set (see the module)."""
        self.check(where)
        if self.deadline is None and self.stop is None:
            return fn()
        outcome: list[T] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def work() -> None:
            try:
                outcome.append(fn())
            except BaseException as exc:  # handed to the waiting caller
                failure.append(exc)
            finally:
                done.set()

        threading.Thread(target=work, name="devagent-model-call", daemon=True).start()
        while not done.wait(self._wait_s()):
            self.check(where)
        if failure:
            raise failure[0]
        return outcome[0]

    def _wait_s(self) -> float:
        left = self.time_left()
        if self.stop is None:
            return 3600.0 if left is None else left
        return POLL_S if left is None else min(POLL_S, left)


def request_timeout(client_timeout: object, limits: CallLimits) -> dict[str, Any]:
    """`{"timeout": s}` for an SDK call when the deadline comes before the client's own
    timeout (a number, or an httpx `Timeout` whose `read` is the longest wait), else {}."""
    left = limits.time_left()
    if left is None:
        return {}
    own = client_timeout if isinstance(client_timeout, int | float) else None
    if own is None:
        own = getattr(client_timeout, "read", None)
    if isinstance(own, int | float) and own <= left:
        return {}
    return {"timeout": max(left, 0.001)}
