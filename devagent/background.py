"""Work started now and waited for later, on daemon threads (never holding up the exit)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def in_background(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Run `fn(*args, **kwargs)` on a daemon thread; its result (or exception) in the future."""
    done: Future[T] = Future()

    def work() -> None:
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever waits for the result
            done.set_exception(exc)

    threading.Thread(target=work, name=f"devagent-{fn.__name__}", daemon=True).start()
    return done
