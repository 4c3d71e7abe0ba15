"""Transports send one Request and return one Response."""

from __future__ import annotations

from typing import Protocol

from .models import Request, Response


class Transport(Protocol):
    def send(self, request: Request) -> Response: ...


class FakeTransport:
    """Replays scripted responses in order and records every request."""

    def __init__(self, responses: list[Response]) -> None:
        self._responses = list(responses)
        self.requests: list[Request] = []

    def send(self, request: Request) -> Response:
        self.requests.append(request)
        if not self._responses:
            raise RuntimeError(f"FakeTransport: no response left for {request.method} {request.url}")
        return self._responses.pop(0)
