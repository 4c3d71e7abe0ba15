"""Fakes shared by the model tests: a clock that only moves when the retrier sleeps, and a
server that never answers."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer

SECRET_KEY = "sk-test-SECRET-0123456789abcdef"


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def sent_bodies(httpserver: HTTPServer) -> list[dict[str, Any]]:
    """The JSON bodies of every request the server received, in order."""
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


class HangingServer:
    """A model server that accepts every connection and never answers (seen in the wild: a
    stuck vLLM, a proxy that swallows requests). `connected` is set once a client is in."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connected = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, name="hanging-server", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed
                return
            self._held.append(conn)
            self.connected.set()

    def close(self) -> None:
        self._listener.close()
        for conn in self._held:
            conn.close()

    def __enter__(self) -> HangingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
