"""Model requests end on time: the run's deadline and the stop flag (Ctrl-C), even when the
server never answers; retries stay inside the deadline."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from devagent.llm import (
    CallLimits,
    Message,
    ModelCancelledError,
    ModelConfig,
    ModelDeadlineError,
    ProviderUnavailableError,
    Retrier,
    RetryConfig,
    build_model,
)
from tests.llm.fakes import SECRET_KEY, FakeClock, HangingServer

USER = [Message("user", "Say hello.")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hanging():
    with HangingServer() as server:
        yield server


def hung_config(server: HangingServer) -> ModelConfig:
    """The default ten-minute request timeout, against a server that never answers."""
    return ModelConfig(
        openai_api_key=SECRET_KEY,
        anthropic_api_key=SECRET_KEY,
        base_url=f"{server.url}/v1",
        anthropic_base_url=server.url,
    )


@pytest.mark.parametrize("spec", ["openai:served", "anthropic:claude-x"])
def test_a_hung_request_ends_at_the_deadline(hanging: HangingServer, spec: str) -> None:
    model = build_model(spec, hung_config(hanging))
    started = time.monotonic()
    with pytest.raises(ModelDeadlineError, match="time budget"):
        model.complete(USER, [], limits=CallLimits.within(1.0))
    assert hanging.connected.is_set()
    assert time.monotonic() - started < 10  # not the 600 s request timeout


def test_a_hung_request_ends_when_the_stop_flag_is_set(hanging: HangingServer) -> None:
    model = build_model("openai:served", hung_config(hanging))
    stop = threading.Event()
    waited: list[float] = []

    def press_ctrl_c() -> None:
        assert hanging.connected.wait(30)
        waited.append(time.monotonic())
        stop.set()

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    with pytest.raises(ModelCancelledError):
        model.complete(USER, [], limits=CallLimits.within(None, stop))
    assert time.monotonic() - waited[0] < 5  # promptly: within a poll of the flag


def test_an_abandoned_request_does_not_keep_the_process_alive(hanging: HangingServer) -> None:
    script = textwrap.dedent(
        f"""
        import threading
        from devagent.llm import CallLimits, Message, ModelCancelledError, ModelConfig, build_model
        config = ModelConfig(openai_api_key="sk-test", base_url="{hanging.url}/v1")
        stop = threading.Event()
        threading.Timer(0.5, stop.set).start()
        try:
            build_model("openai:served", config).complete(
                [Message("user", "hi")], [], limits=CallLimits.within(None, stop)
            )
        except ModelCancelledError:
            print("cancelled")
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "cancelled", done.stderr
    assert time.monotonic() - started < 30  # the worker still waits on the server: a daemon


def test_no_retry_starts_that_the_deadline_would_cut_short(clock: FakeClock) -> None:
    retrier = Retrier(
        RetryConfig(max_attempts=10, max_total_s=1000, base_delay_s=2, max_delay_s=2),
        sleep=clock.sleep,
        clock=clock,
        rng=random.Random(1),
    )
    attempts: list[float] = []

    def down() -> str:
        attempts.append(clock())
        raise ProviderUnavailableError("connection refused")

    limits = CallLimits.within(5.0, clock=clock)
    with pytest.raises(ModelDeadlineError, match="no time left"):
        retrier.call(down, limits, "openai:served")
    assert attempts[-1] - attempts[0] <= 5.0
    assert sum(clock.sleeps) < 5.0


def test_a_stop_during_the_backoff_ends_the_retries_at_once() -> None:
    stop = threading.Event()
    retrier = Retrier(RetryConfig(max_attempts=5, base_delay_s=30, max_delay_s=30))
    attempts: list[int] = []

    def down() -> str:
        attempts.append(1)
        threading.Timer(0.2, stop.set).start()
        raise ProviderUnavailableError("HTTP 503")

    started = time.monotonic()
    with pytest.raises(ModelCancelledError):
        retrier.call(down, CallLimits.within(None, stop), "openai:served")
    assert attempts == [1]
    assert time.monotonic() - started < 10  # not the 15-30 s backoff
