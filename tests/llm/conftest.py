"""Fixtures for the model tests: a fake clock, a runtime on it, a config pointing at httpserver."""

from __future__ import annotations

import os
import random

import pytest
from pytest_httpserver import HTTPServer

from devagent.llm import ModelConfig, ModelRuntime, PriceTable, Retrier, RetryConfig
from devagent.llm.sdkclient import SdkClient
from tests.llm.fakes import SECRET_KEY, FakeClock


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


@pytest.fixture(params=["sdk", "wire"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How a model built with `background=(transport == "wire")` sends: through its SDK, or
    over the wire all test long (its SDK client never gets made, as if still importing)."""
    if request.param == "wire":
        for name in list(os.environ):
            if name.startswith(("OPENAI_", "ANTHROPIC_")):  # they would turn the wire off
                monkeypatch.delenv(name)
        monkeypatch.setattr(SdkClient, "start", lambda self: None)
    return str(request.param)
