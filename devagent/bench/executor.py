"""The executor seam of a bench run, and the default one: a thread pool on this machine.

An executor takes plain `JobSpec`s, runs each whole somewhere (`devagent.bench.node.perform`),
passes their events to `on_event` as they come and yields each `JobResult` as its job ends. Only
the driver that iterates the results writes `results.jsonl` and the reports.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Protocol

from devagent.bench.jobspec import JobEvent, JobResult, JobSpec
from devagent.bench.node import NodeContext, node_host, perform

OnEvent = Callable[[JobEvent], None]


class Executor(Protocol):
    """Runs jobs; results come back in the order the jobs end."""

    def run(
        self, specs: Sequence[JobSpec], on_event: OnEvent, stop: threading.Event
    ) -> Iterator[JobResult]:
        """Run every spec; `on_event` may be called from other threads; once `stop` is set no
        job starts (each such job ends as an `error` row) and running jobs are asked to stop."""
        ...


class LocalExecutor:
    """`jobs` threads on this machine; run folders are written in place under `out/runs`."""

    def __init__(self, jobs: int, out: Path, cache_dir: Path | None = None) -> None:
        self.jobs, self.out, self.cache_dir = max(1, jobs), out, cache_dir

    def run(
        self, specs: Sequence[JobSpec], on_event: OnEvent, stop: threading.Event
    ) -> Iterator[JobResult]:
        host = node_host(os.environ, self.cache_dir) if specs else None  # once for all jobs
        ctx = NodeContext(
            out=self.out, emit=on_event, stop=stop, environ=os.environ, cache_dir=self.cache_dir,
            host=host,
        )  # fmt: skip
        with ThreadPoolExecutor(self.jobs, thread_name_prefix="bench-worker") as pool:
            pending: set[Future[JobResult]] = {pool.submit(perform, s, ctx) for s in specs}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
