"""The driver of a bench run over job specs: hands them to an executor and is the only writer of
`results.jsonl`, the run folders that come back as bytes, and the reports."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Sequence

from devagent.agent.trajectory import Listener
from devagent.bench.executor import Executor
from devagent.bench.jobspec import JobEvent, JobResult, JobSpec, unpack_folder
from devagent.bench.report import TaskOutcome
from devagent.bench.runner import (
    BenchOptions,
    BenchRun,
    earlier_outcomes,
    finish_run,
    record_outcome,
)


class EventRouter:
    """Turns a job's events into the run's callbacks: progress to `on_update`, trajectory
    records to the job's listeners (made once per job: they keep state)."""

    def __init__(self, opts: BenchOptions) -> None:
        self.opts = opts
        self._listeners: dict[str, Sequence[Listener]] = {}
        self._lock = threading.Lock()
        self.nodes: dict[str, str] = {}
        """Job id -> the node its latest attempt started on."""

    def __call__(self, event: JobEvent) -> None:
        if event.kind == "record" and event.record is not None:
            for listener in self._listeners_of(event.job):
                listener(event.record)
        elif event.kind == "started":
            self.nodes[event.job] = event.node
            where = f" on node {event.node[:8]}" if event.node else ""
            self.opts.on_update(event.job, f"started{where}")
        else:
            self.opts.on_update(event.job, event.message)

    def _listeners_of(self, job: str) -> Sequence[Listener]:
        with self._lock:
            if job not in self._listeners:
                self._listeners[job] = self.opts.listeners_for(job)
            return self._listeners[job]


def accept(result: JobResult, opts: BenchOptions) -> TaskOutcome:
    """A finished job's outcome, its run folder written under OUT/runs when it came as bytes."""
    outcome = TaskOutcome.from_dict(result.outcome)
    if result.run_folder:
        folder = opts.out / "runs" / outcome.id
        shutil.rmtree(folder, ignore_errors=True)
        unpack_folder(result.run_folder, folder)
    return outcome


def run_specs(specs: Sequence[JobSpec], opts: BenchOptions, executor: Executor) -> BenchRun:
    """Run `specs` through `executor`; each outcome is appended to results.jsonl as it comes
    back (with `resume`, ids already there are skipped); then report.md over every job."""
    started = time.monotonic()
    earlier = earlier_outcomes([s.id for s in specs], opts)
    pending = [s for s in specs if s.id not in earlier]
    fresh: list[TaskOutcome] = []
    for result in executor.run(pending, EventRouter(opts), opts.stop):
        outcome = accept(result, opts)
        record_outcome(outcome, opts)
        fresh.append(outcome)
    return finish_run(earlier, fresh, opts, time.monotonic() - started)
