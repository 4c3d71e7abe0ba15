"""A provider SDK's client, made on a daemon thread once the first request is out.

Importing an SDK takes the better part of a second (OpenAI) to over two (Anthropic). A run
starts making the client once its first request has been sent, not before: an import started
earlier shares the interpreter lock with the run's own start (git, Docker, the repo map) and
with the sending, and delays the first request by about as long as it takes. Until the client
is made, requests go over the wire (`devagent.llm.wire`); what making it raised is raised by
the first request after."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from devagent.background import in_background

C = TypeVar("C")


class SdkClient(Generic[C]):
    """The client `make()` returns, made once, in the background, when first asked for."""

    def __init__(self, make: Callable[[], C]) -> None:
        self._make = make
        self._made: Future[C] | None = None
        self._lock = threading.Lock()

    @classmethod
    def ready_made(cls, client: C) -> SdkClient[C]:
        """A client that is already there (tests, a caller that built it itself)."""
        loaded: SdkClient[C] = cls(lambda: client)
        loaded._made = Future()
        loaded._made.set_result(client)
        return loaded

    def start(self) -> None:
        """Start making the client (once; later calls do nothing)."""
        with self._lock:
            if self._made is None:
                self._made = in_background(self._make_client)

    def _make_client(self) -> C:
        return self._make()

    def ready(self) -> C | None:
        """The client once it is made, else None (`start` starts making it). Raises what
        making it raised."""
        made = self._made
        if made is None or not made.done():
            return None
        return made.result()

    def wait(self) -> C:
        """The client, waiting for it to be made."""
        self.start()
        assert self._made is not None
        return self._made.result()
