"""A Ctrl-C that the kernel hands to another thread than the main one (any thread may take a
signal sent to the process) still stops a command the main thread is waiting on."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from devagent.agent.signals import commands_stopped_by, stop_on_signals

pytestmark = pytest.mark.docker


def test_a_signal_taken_by_another_thread_still_stops_the_running_command(sb) -> None:
    stop = threading.Event()

    with stop_on_signals(stop), commands_stopped_by(stop, lambda: sb):
        started = time.monotonic()
        worker = threading.Timer(
            1.0, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        )
        worker.start()
        result = sb.exec("sleep 30", timeout=60)
        worker.join()
    assert stop.is_set()
    assert result.exit_code == 130  # stopped, not finished: seen before, the wait ran all 30 s
    assert time.monotonic() - started < 15
