"""The cost ledger: a line per finished run, read back filtered and totalled; writing it never
breaks a run."""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path

import pytest

from devagent.bench.report import TaskOutcome
from devagent.bench.runner import BenchJob, BenchOptions, run_jobs
from devagent.cli import main
from devagent.usage import (
    UsageEntry,
    ledger_path,
    read_ledger,
    record_run,
    select,
    since_timestamp,
    totals,
)

DAY = 86400.0


def entry(ts: float, repo: str = "/src/app", verdict: str = "solved", cost: float = 0.5):
    return UsageEntry(
        ts=ts, kind="solve", repo=repo, model="anthropic:claude-sonnet-4-5", verdict=verdict,
        tokens=1200, input_tokens=1000, output_tokens=200, cost_usd=cost, wall_s=60.0,
    )  # fmt: skip


def test_a_recorded_run_reads_back(tmp_path: Path) -> None:
    assert record_run(tmp_path, entry(1.0))
    assert record_run(tmp_path, entry(2.0, verdict="unsolved"))
    assert read_ledger(ledger_path(tmp_path)) == [entry(1.0), entry(2.0, verdict="unsolved")]


def test_a_torn_line_is_skipped(tmp_path: Path) -> None:
    record_run(tmp_path, entry(1.0))
    with ledger_path(tmp_path).open("a") as fh:
        fh.write('{"ts": 3, "kind": "so')
    assert read_ledger(ledger_path(tmp_path)) == [entry(1.0)]


def test_selected_by_repo_and_date_then_totalled() -> None:
    now = 100 * DAY
    entries = [
        entry(now - 10 * DAY, "/src/app", cost=1.0),
        entry(now - 2 * DAY, "/src/app", "unsolved", cost=0.25),
        entry(now - 1 * DAY, "/src/other", cost=2.0),
    ]
    chosen = select(entries, repo="app", since=since_timestamp("7d", now))
    assert chosen == [entries[1]]
    summed = totals(select(entries, since=since_timestamp("2w", now)))
    assert (summed.runs, summed.tokens, summed.cost_usd, summed.wall_s) == (3, 3600, 3.25, 180.0)
    assert summed.verdicts == {"solved": 2, "unsolved": 1}


def test_since_reads_durations_and_dates() -> None:
    assert since_timestamp("12h", 100_000.0) == 100_000.0 - 12 * 3600
    assert since_timestamp("2026-12-01", 0.0) == 1_796_083_200.0  # UTC midnight
    with pytest.raises(ValueError, match="7d, 12h"):
        since_timestamp("last week", 0.0)


def test_a_full_disk_is_a_warning_not_a_failure(tmp_path: Path, caplog) -> None:
    ledger_path(tmp_path).symlink_to("/dev/full")  # every write: ENOSPC
    with caplog.at_level(logging.WARNING):
        assert record_run(tmp_path, entry(1.0)) is False
    assert "usage ledger" in caplog.text and "No space left on device" in caplog.text


def test_a_locked_ledger_is_a_warning_after_a_short_wait(tmp_path: Path, caplog) -> None:
    record_run(tmp_path, entry(1.0))
    with ledger_path(tmp_path).open("a") as holder, caplog.at_level(logging.WARNING):
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert record_run(tmp_path, entry(2.0), wait_s=0.05) is False
    assert "locked by another writer" in caplog.text
    assert read_ledger(ledger_path(tmp_path)) == [entry(1.0)]


def test_a_cache_dir_that_cannot_be_made_is_a_warning(tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    with caplog.at_level(logging.WARNING):
        assert record_run(blocker / "devagent", entry(1.0)) is False
    assert "usage ledger" in caplog.text


def test_every_bench_task_is_recorded_with_its_graded_status(tmp_path: Path) -> None:
    jobs = [
        BenchJob("t1", lambda: TaskOutcome(id="t1", status="resolved", tokens=10, cost_usd=0.1)),
        BenchJob("t2", lambda: TaskOutcome(id="t2", status="error", reason="daemon gone")),
    ]
    opts = BenchOptions(out=tmp_path / "out", model_for=lambda item: None, model_name="m",  # type: ignore[arg-type,return-value]
                        cache_dir=tmp_path / "cache")  # fmt: skip
    run_jobs(jobs, opts)
    recorded = sorted(read_ledger(ledger_path(tmp_path / "cache")), key=lambda e: e.repo)
    assert [(e.kind, e.repo, e.verdict, e.model) for e in recorded] == [
        ("bench", "t1", "resolved", "m"),
        ("bench", "t2", "error", "m"),
    ]
    assert recorded[0].cost_usd == 0.1 and recorded[0].tokens == 10


def test_the_command_lists_filters_and_totals(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DEVAGENT_CACHE_DIR", str(tmp_path))
    import time

    now = time.time()
    for ts, repo in ((now - 30 * DAY, "/src/app"), (now - DAY, "/src/app"), (now, "/src/web")):
        record_run(tmp_path, entry(ts, repo))
    assert main(["usage", "--since", "7d", "--repo", "app", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["repo"] for r in printed["runs"]] == ["/src/app"]
    assert printed["totals"]["runs"] == 1 and printed["totals"]["cost_usd"] == 0.5
    assert main(["usage"]) == 0
    shown = capsys.readouterr().out
    assert "/src/web" in shown and "3 runs (3 solved)" in shown and "$1.50" in shown


def test_the_command_says_when_nothing_was_recorded(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DEVAGENT_CACHE_DIR", str(tmp_path))
    assert main(["usage", "--since", "1d"]) == 0
    assert "no runs recorded that match" in capsys.readouterr().out
    assert main(["usage", "--since", "yesterday"]) == 2
