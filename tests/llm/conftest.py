"""Fakes for the model tests: a clock that only moves when the retrier sleeps."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from devagent.llm import ModelConfig, ModelRuntime, PriceTable, Retrier, RetryConfig

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runtime(clock: FakeClock) -> ModelRuntime:
    retrier = Retrier(
        RetryConfig(max_attempts=3, max_total_s=60, base_delay_s=1, max_delay_s=8),
        sleep=clock.sleep,
        clock=clock,
        rng=random.Random(0),
    )
    return ModelRuntime(prices=PriceTable(), retrier=retrier, clock=clock)


@pytest.fixture
def config(httpserver: HTTPServer) -> ModelConfig:
    return ModelConfig(
        openai_api_key=SECRET_KEY,
        anthropic_api_key=SECRET_KEY,
        base_url=httpserver.url_for("/v1"),
        anthropic_base_url=httpserver.url_for(""),
        timeout_s=5,
    )


def sent_bodies(httpserver: HTTPServer) -> list[dict[str, Any]]:
    """The JSON bodies of every request the server received, in order."""
    return [json.loads(request.get_data()) for request, _ in httpserver.log]
