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
from typing import Any, Generic, TypeVar

from devagent.background import in_background
from devagent.llm.limits import CallLimits
from devagent.llm.wire import Wire

C = TypeVar("C")


class SdkClient(Generic[C]):
    """The client `make()` returns, made once, in the background, when first asked for."""

    def __init__(self, make: Callable[[], C]) -> None:
        self._make = make
        self._made: Future[C] | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, client: C | SdkClient[C]) -> SdkClient[C]:
        """`client` itself when it is one; else one holding a client that is already there
        (tests, a caller that built it itself)."""
        if isinstance(client, SdkClient):
            return client
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


def send(  # noqa: PLR0913 (the request, its two routes and what its errors name)
    clients: SdkClient[C],
    wire: Wire | None,
    body: dict[str, Any],
    limits: CallLimits,
    sdk: Callable[[C], Any],
    *,
    where: str,
    secrets: tuple[str, ...] = (),
) -> Any:
    """`sdk(client)` once the client is made; while it is being made (or not yet started),
    `body` over `wire`, and the client starts being made once that request is out (the SDK's
    import would slow its sending). Without a wire, waits for the client."""
    client = clients.ready() if wire else clients.wait()
    if client is not None:
        return sdk(client)
    assert wire is not None
    return wire.post(body, limits, where=where, secrets=secrets, on_sent=clients.start)
