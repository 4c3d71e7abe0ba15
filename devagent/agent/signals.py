"""Ctrl-C and SIGTERM turned into a stop flag, and a stop flag into stopped sandbox commands."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import Protocol, runtime_checkable


class Closeable(Protocol):
    def close(self) -> None: ...


@runtime_checkable
class Interruptible(Protocol):
    """A sandbox whose running command another thread can stop (`DockerSandbox`)."""

    def interrupt(self) -> bool: ...


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(
    stop: threading.Event, on_first: Callable[[], None] = lambda: None
) -> Iterator[threading.Event]:
    """While active, the first SIGINT or SIGTERM sets `stop` and calls `on_first()` (the CLI
    says what is happening); the loop stops the running command, ends the step, then the run
    as `interrupted`. A second one raises `KeyboardInterrupt` at once. Main thread only."""
    with _sigint(stop, lambda: True, on_first, STOP_SIGNALS):
        yield stop


def stop_on_sigint(stop: threading.Event) -> AbstractContextManager[threading.Event]:
    """`stop_on_signals` without a notice (its first name)."""
    return stop_on_signals(stop)


@contextmanager
def held_signals() -> Iterator[None]:
    """While active, SIGINT and SIGTERM are ignored: the files that a stopped run leaves
    (patch, result, report) are written whole. Does nothing off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def closed_whole(resource: Closeable) -> Iterator[None]:
    """Like `contextlib.closing`, but `resource.close()` runs under `held_signals`: a Ctrl-C
    cannot cut a container's removal short and leave it behind."""
    try:
        yield
    finally:
        with held_signals():
            resource.close()


@contextmanager
def interrupt_on_sigint(stop: threading.Event, ends_on_stop: Callable[[], bool]) -> Iterator[None]:
    """While active, SIGINT sets `stop` and raises `KeyboardInterrupt` at once, unless
    `ends_on_stop()` says the work under way ends by itself on `stop` (a sandbox command that
    `commands_stopped_by` stops); a second SIGINT always raises. Main thread only."""
    with _sigint(stop, ends_on_stop):
        yield


@contextmanager
def _sigint(
    stop: threading.Event,
    ends_on_stop: Callable[[], bool],
    on_first: Callable[[], None] = lambda: None,
    signals: tuple[signal.Signals, ...] = (signal.SIGINT,),
) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        again = stop.is_set()
        stop.set()
        if not again:
            with contextlib.suppress(Exception):  # a closed stderr must not raise in here
                on_first()
        if again or not ends_on_stop():
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


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
