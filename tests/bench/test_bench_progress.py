"""Bench progress as a person sees it: n/N done, resolved so far and an ETA over the task rows."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from devagent.bench.progress import BenchTally
from devagent.bench.report import TaskOutcome
from devagent.bench.runner import BenchJob, BenchOptions, run_jobs
from devagent.commands.benchrun import ProgressTable
from sandbox.imagebuild import BuildOutput


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def shown(table: ProgressTable) -> list[str]:
    screen = Console(record=True, force_terminal=False, width=120)
    screen.print(table.render())
    return [line.rstrip() for line in screen.export_text().splitlines()]


def test_the_head_line_counts_done_and_resolved_and_estimates_the_end(tmp_path: Path) -> None:
    clock = FakeClock()
    ids = ["t1", "t2", "t3", "t4"]
    table = ProgressTable(ids, clock)
    seen: dict[str, list[str]] = {}

    def job(task_id: str, status: str) -> BenchJob:
        def run() -> TaskOutcome:
            table.update(task_id, "solving")
            seen[task_id] = shown(table)
            clock.now += 50
            return TaskOutcome(id=task_id, status=status)

        return BenchJob(task_id, run)

    opts = BenchOptions(out=tmp_path, model_for=lambda item: None, model_name="m")  # type: ignore[arg-type,return-value]
    opts.on_update, opts.on_outcome = table.update, table.finished
    statuses = ["resolved", "unresolved", "resolved", "error"]
    run_jobs([job(i, s) for i, s in zip(ids, statuses, strict=True)], opts)
    assert seen["t1"][0] == "0/4 done · 0 resolved · 0.0 s · ETA after the first task"
    assert seen["t3"][0] == "2/4 done · 1 resolved · 1 min 40 s · ETA 1 min 40 s"
    final = shown(table)
    assert final[0] == "4/4 done · 2 resolved · 3 min 20 s"
    assert " t2    done: unresolved · 0 steps  50s" in final


def test_resumed_tasks_count_as_done_but_not_toward_the_pace() -> None:
    clock = FakeClock()
    tally = BenchTally(4, clock)
    tally.add(TaskOutcome(id="a", status="resolved"), resumed=True)
    tally.add(TaskOutcome(id="b", status="resolved"), resumed=True)
    assert tally.eta_s() is None
    clock.now = 30
    tally.add(TaskOutcome(id="c", status="unresolved"))
    assert tally.eta_s() == 30.0
    assert tally.line() == "3/4 done · 2 resolved · 30 s · ETA 30 s"


def test_a_task_building_its_image_shows_the_step_not_the_build_output() -> None:
    table = ProgressTable(["t1"], FakeClock())
    table.update("t1", "building devagent/envdeps:ab12: dependencies on python 3.11")
    table.update("t1", BuildOutput("Step 2/3 : RUN install_deps.py deps"))
    table.update("t1", BuildOutput("Collecting requests"))
    assert " t1    building environment image (dependencies) · step 2/3  0s" in shown(table)
