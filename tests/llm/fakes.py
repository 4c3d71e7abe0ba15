"""Fakes shared by the model tests: a clock that only moves when the retrier sleeps."""

from __future__ import annotations

import json
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
