"""The executor seam with the local executor, and the driver that alone writes the results."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence

from devagent.bench.driver import run_specs
from devagent.bench.executor import LocalExecutor
from devagent.bench.jobspec import JobEvent, JobResult, JobSpec, pack_folder
from devagent.bench.report import RESULTS_FILE, TaskOutcome, read_results
from devagent.bench.runner import BenchOptions
from tests.bench.contract import broken_specs, check_contract, run_collecting


def test_local_executor_keeps_the_contract(tmp_path):
    results = check_contract(LocalExecutor(2, tmp_path / "out"), broken_specs(4, tmp_path))
    assert {r.outcome["status"] for r in results} == {"error"}
    assert all(r.outcome["reason"].startswith("TaskError") for r in results)
    assert all(r.run_folder == b"" for r in results)  # written in place


def test_local_executor_starts_nothing_once_stopped(tmp_path):
    stop = threading.Event()
    stop.set()
    results, _ = run_collecting(LocalExecutor(2, tmp_path), broken_specs(3, tmp_path), stop)
    assert [r.outcome["reason"] for r in results] == ["interrupted before start"] * 3


class PackedExecutor:
    """A remote-like executor: each job's row and a run folder come back as bytes."""

    def __init__(self, tmp) -> None:
        self.tmp = tmp
        self.ran: list[str] = []

    def run(self, specs: Sequence[JobSpec], on_event, stop: threading.Event) -> Iterator[JobResult]:
        for spec in specs:
            self.ran.append(spec.id)
            on_event(JobEvent(spec.id, "started", node="n" * 32, pid=1))
            on_event(JobEvent(spec.id, "progress", "grading"))
            folder = self.tmp / "node" / spec.id
            folder.mkdir(parents=True)
            (folder / "patch.diff").write_text(f"patch of {spec.id}\n")
            outcome = TaskOutcome(id=spec.id, status="resolved", worker="nnnnnnnn:1")
            yield JobResult(outcome.to_dict(), pack_folder(folder), "n" * 32)


def options(out, updates: list | None = None, resume: bool = False) -> BenchOptions:
    opts = BenchOptions(out=out, model_for=lambda item: None, model_name="m", resume=resume)  # type: ignore[arg-type,return-value]
    if updates is not None:
        opts.on_update = lambda job, message: updates.append((job, message))
    return opts


def test_the_driver_writes_rows_and_run_folders_that_came_as_bytes(tmp_path):
    out, updates = tmp_path / "out", []
    specs = broken_specs(2, tmp_path)
    run = run_specs(specs, options(out, updates), PackedExecutor(tmp_path))
    assert [o.status for o in run.outcomes] == ["resolved", "resolved"]
    assert (out / "runs" / "job-1" / "patch.diff").read_text() == "patch of job-1\n"
    lines = (out / RESULTS_FILE).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["job-0", "job-1"]
    assert ("job-0", "started on node nnnnnnnn") in updates
    assert ("job-0", "grading") in updates
    assert (out / "report.md").is_file()


def test_resume_skips_what_the_results_hold(tmp_path):
    out = tmp_path / "out"
    specs = broken_specs(3, tmp_path)
    run_specs(specs[:1], options(out), PackedExecutor(tmp_path / "a"))
    again = PackedExecutor(tmp_path / "b")
    run = run_specs(specs, options(out, resume=True), again)
    assert again.ran == ["job-1", "job-2"]
    assert run.skipped == ["job-0"]
    assert sorted(o.id for o in read_results(out / RESULTS_FILE)) == ["job-0", "job-1", "job-2"]
