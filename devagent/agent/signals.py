"""Ctrl-C: SIGINT turned into a stop flag, and a stop flag into stopped sandbox commands."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol, runtime_checkable


@runtime_checkable
class Interruptible(Protocol):
    """A sandbox whose running command another thread can stop (`DockerSandbox`)."""

    def interrupt(self) -> bool: ...


@contextmanager
def stop_on_sigint(stop: threading.Event) -> Iterator[threading.Event]:
    """While active, the first SIGINT sets `stop` (the loop finishes its step, then ends as
    `interrupted`); a second SIGINT raises `KeyboardInterrupt` as usual. Main thread only."""
    with _sigint(stop, lambda: True):
        yield stop


@contextmanager
def interrupt_on_sigint(stop: threading.Event, ends_on_stop: Callable[[], bool]) -> Iterator[None]:
    """While active, SIGINT sets `stop` and raises `KeyboardInterrupt` at once, unless
    `ends_on_stop()` says the work under way ends by itself on `stop` (a sandbox command that
    `commands_stopped_by` stops); a second SIGINT always raises. Main thread only."""
    with _sigint(stop, ends_on_stop):
        yield


@contextmanager
def _sigint(stop: threading.Event, ends_on_stop: Callable[[], bool]) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        again = stop.is_set()
        stop.set()
        if again or not ends_on_stop():
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def commands_stopped_by(
    stop: threading.Event, sandbox: Callable[[], object], poll_s: float = 0.1
) -> Iterator[None]:
    """While active, once `stop` is set every command of `sandbox()` (the current sandbox, when
    it can be interrupted) that runs from then on is stopped at once, by a watcher thread."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() and not stop.wait(poll_s):
            pass
        while not done.is_set():
            target = sandbox()
            if isinstance(target, Interruptible):
                target.interrupt()
            done.wait(2 * poll_s)

    watcher = threading.Thread(target=watch, name="devagent-stop-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(timeout=10)
