"""`DeathWatch`: cuts a sandbox's exec streams when its container dies under it.

Under gVisor (runsc) the memory limit holds the whole sandbox, its kernel included: an
out-of-memory kill stops the container, and Docker leaves the streams of its execs open (seen: a
memory hog's command sat out its whole timeout, the next command hung). The watch follows the
container's `die` events and, when the container is really down, calls `on_death`, which shuts
the streams: the command returns at once and the sandbox is started again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class DeathWatch:
    """A daemon thread that calls `on_death` after each `die` event of one container."""

    def __init__(self, api: Any, container_id: str, on_death: Callable[[], None]) -> None:
        self._on_death = on_death
        self._closed = threading.Event()
        self._events = api.events(filters={"container": container_id, "event": "die"}, decode=True)
        self._thread = threading.Thread(
            target=self._follow, name=f"deathwatch-{container_id[:12]}", daemon=True
        )
        self._thread.start()

    def _follow(self) -> None:
        try:
            for _event in self._events:
                if self._closed.is_set():
                    return
                self._on_death()
        except Exception as exc:  # the stream ends with an error when closed: nothing to do
            if not self._closed.is_set():
                log.debug("death watch ended: %s", exc)

    def close(self) -> None:
        self._closed.set()
        try:
            self._events.close()
        except Exception as exc:  # already closed by the daemon
            log.debug("death watch close: %s", exc)
