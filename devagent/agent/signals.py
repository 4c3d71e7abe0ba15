"""Ctrl-C handling for a run: the first press asks the loop to stop, a second one aborts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def stop_on_sigint(stop: threading.Event) -> Iterator[threading.Event]:
    """While active, the first SIGINT sets `stop` (the loop finishes its step, then ends as
    `interrupted`); a second SIGINT raises `KeyboardInterrupt` as usual. Main thread only."""

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
