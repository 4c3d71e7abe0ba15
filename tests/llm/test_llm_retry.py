"""Retrier bounds and Retry-After parsing, with a fake clock."""

from __future__ import annotations

import random
from email.utils import formatdate

import pytest

from devagent.llm import (
    AuthenticationError,
    ProviderUnavailableError,
    RateLimitError,
    Retrier,
    RetryConfig,
)
from devagent.llm.retry import parse_retry_after
from tests.llm.fakes import FakeClock


def flaky(failures: list[Exception], result: str = "ok"):
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return result

    return fn, calls


def make(clock: FakeClock, **bounds: float) -> Retrier:
    config = RetryConfig(**{"max_attempts": 5, "max_total_s": 100, **bounds})
    return Retrier(config, sleep=clock.sleep, clock=clock, rng=random.Random(1))


def test_backoff_doubles_with_jitter_and_is_capped(clock: FakeClock):
    retrier = make(clock, base_delay_s=1, max_delay_s=4, max_attempts=6)
    fn, calls = flaky([ProviderUnavailableError("down") for _ in range(5)])
    assert retrier.call(fn) == "ok"
    assert len(calls) == 6
    ceilings = [1, 2, 4, 4, 4]
    assert all(c / 2 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))


def test_non_transient_errors_are_not_retried(clock: FakeClock):
    fn, calls = flaky([AuthenticationError("no")])
    with pytest.raises(AuthenticationError):
        make(clock).call(fn)
    assert calls == [1] and clock.sleeps == []


def test_total_time_bound_stops_retries(clock: FakeClock):
    retrier = make(clock, max_total_s=10, base_delay_s=4, max_delay_s=4, max_attempts=100)
    fn, calls = flaky([RateLimitError("slow", retry_after=4) for _ in range(50)])
    with pytest.raises(RateLimitError):
        retrier.call(fn)
    assert clock.sleeps == [4, 4]
    assert len(calls) == 3


def test_retry_after_seconds_ms_and_http_date():
    assert parse_retry_after({"Retry-After": "12"}) == 12.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    now = 1_700_000_000.0
    assert parse_retry_after({"Retry-After": formatdate(now + 30, usegmt=True)}, now=now) == 30
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None
