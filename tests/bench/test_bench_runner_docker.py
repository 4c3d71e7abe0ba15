"""The bench runner on real sandboxes with the oracle: verdicts, parallel = serial, resume."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devagent.bench.oracle import build_oracle
from devagent.bench.report import RESULTS_FILE, read_results
from devagent.bench.runner import BenchOptions, run_bench
from devagent.bench.task import Task, load_tasks
from sandbox.hostconfig import read_host_config

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TASKS = ROOT / "tasks"
BROKEN = Path(__file__).parent / "fixtures" / "broken_task"
SMALL = [TASKS / "lru-cache-eviction", TASKS / "node-emitter-once", BROKEN]


class CountingOracle:
    """Makes the oracle for each task and records which tasks asked for a model."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, task: Task):
        self.asked.append(task.id)
        return build_oracle(task.solution_patch.read_text())


def bench(paths, out: Path, jobs: int, resume: bool = False, oracle=None):
    opts = BenchOptions(
        out=out,
        model_for=oracle or CountingOracle(),
        model_name="oracle",
        jobs=jobs,
        resume=resume,
        host=read_host_config(environ=os.environ),
    )
    return run_bench(load_tasks(paths), opts)


def verdicts(run):
    return [(o.id, o.status, [(c.name, c.passed) for c in o.checks]) for o in run.outcomes]


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    base = tmp_path_factory.mktemp("bench")
    return bench(SMALL, base / "serial", jobs=1), bench(SMALL, base / "parallel", jobs=2), base


def test_broken_task_is_flagged(serial_and_parallel):
    serial, _, _ = serial_and_parallel
    broken = next(o for o in serial.outcomes if o.id == "broken_task")
    assert broken.status == "broken"
    assert broken.broken_reason == (
        "goal tests already pass before the change: tests/test_calc.py::test_add"
    )


def test_oracle_resolves_sound_tasks_with_checks_and_patch(serial_and_parallel):
    serial, _, base = serial_and_parallel
    lru = next(o for o in serial.outcomes if o.id == "lru-cache-eviction")
    assert lru.status == "resolved"
    assert [(c.name, c.passed) for c in lru.prechecks] == [
        ("fail_to_pass", False),
        ("pass_to_pass", True),
    ]
    assert "move_to_end" in lru.patch
    assert lru.steps == 3
    page = (base / "serial" / "runs" / "lru-cache-eviction" / "report.html").read_text()
    assert "<title>devagent: solved</title>" in page and "move_to_end" in page


def test_parallel_results_equal_serial(serial_and_parallel):
    serial, parallel, base = serial_and_parallel
    assert verdicts(parallel) == verdicts(serial)
    assert [o.id for o in read_results(base / "parallel" / RESULTS_FILE)] != []
    report = (base / "parallel" / "report.md").read_text()
    assert "2/3 resolved (66.7%), 0 unresolved, 1 broken" in report
    page = (base / "parallel" / "report.html").read_text()
    assert "goal already passed before the change: broken_task" in page
    assert {o.worker for o in parallel.outcomes} <= {"0", "1"}
    assert all(o.started_at > 0 and o.node for o in parallel.outcomes)


def test_resume_runs_only_unfinished_tasks(serial_and_parallel, tmp_path):
    serial, _, base = serial_and_parallel
    out = tmp_path / "resumed"
    shutil.copytree(base / "serial", out)
    lines = (out / RESULTS_FILE).read_text().splitlines()
    kept = [line for line in lines if '"id": "node-emitter-once"' not in line]
    (out / RESULTS_FILE).write_text("\n".join(kept) + "\n")
    oracle = CountingOracle()
    resumed = bench(SMALL, out, jobs=2, resume=True, oracle=oracle)
    assert oracle.asked == ["node-emitter-once"]
    assert resumed.skipped == ["broken_task", "lru-cache-eviction"]
    assert verdicts(resumed) == verdicts(serial)
    assert len((out / RESULTS_FILE).read_text().splitlines()) == 3


@pytest.mark.timeout(900)  # every bundled task, each graded again in a fresh sandbox
def test_oracle_resolves_every_bundled_task(tmp_path):
    run = bench([TASKS], tmp_path / "all", jobs=2)
    unresolved = {o.id: o.broken_reason or o.reason for o in run.outcomes if not o.resolved}
    assert unresolved == {}
    assert len(run.outcomes) == len(list(TASKS.glob("*/task.toml")))


def test_cli_exits_1_and_reports_a_broken_task(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "devagent.cli",
            "bench",
            str(BROKEN),
            "--model",
            "oracle",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    assert "0/1 resolved (0.0%), 0 unresolved, 1 broken" in proc.stdout


def test_cli_json_prints_the_summary_on_stdout_and_the_progress_on_stderr(tmp_path):
    argv = ["bench", str(BROKEN), "--model", "oracle", "--out", str(tmp_path / "out"), "--json"]
    proc = subprocess.run(
        [sys.executable, "-m", "devagent.cli", *argv],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["model"], summary["totals"]["tasks"], summary["totals"]["broken"]) == (
        "oracle",
        1,
        1,
    )
    assert [t["status"] for t in summary["tasks"]] == ["broken"]
    assert "task" in proc.stderr  # the progress table's header
