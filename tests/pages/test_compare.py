"""`devagent bench compare A B`: flips either way, the paired difference, what is left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devagent.bench.report import TaskOutcome, append_result
from devagent.cli import main
from devagent.pages.compare import compare_runs

A = {"t1": "resolved", "t2": "resolved", "t3": "unresolved", "t4": "unresolved",
     "t5": "resolved", "t6": "error", "t7": "resolved"}  # fmt: skip
B = {"t1": "resolved", "t2": "unresolved", "t3": "resolved", "t4": "resolved",
     "t5": "resolved", "t6": "resolved", "t8": "resolved"}  # fmt: skip


def outcomes(statuses: dict[str, str], cost: float) -> list[TaskOutcome]:
    return [
        TaskOutcome(id=i, status=s, cost_usd=cost, wall_s=10.0, steps=2)
        for i, s in statuses.items()
    ]


def bench_folder(path: Path, statuses: dict[str, str], cost: float) -> Path:
    path.mkdir(parents=True)
    for outcome in outcomes(statuses, cost):
        append_result(path / "results.jsonl", outcome)
    return path


def test_flips_either_way_on_tasks_graded_in_both() -> None:
    c = compare_runs(outcomes(A, 0.1), outcomes(B, 0.2), "a", "b")
    assert c.to_resolved == ["t3", "t4"]
    assert c.to_unresolved == ["t2"]
    assert c.not_compared == {"t6": "A: error", "t7": "only in run A", "t8": "only in run B"}
    counts = c.paired.counts
    assert (counts.both, counts.a_only, counts.b_only, counts.neither) == (2, 1, 2, 0)
    assert (c.a.rate.successes, c.b.rate.successes, c.a.rate.n) == (3, 4, 5)
    assert c.paired.difference == pytest.approx(0.2)
    assert c.a.cost_usd == pytest.approx(0.5)
    assert c.b.cost_usd == pytest.approx(1.0)


def test_the_command_prints_json_and_writes_the_page(tmp_path: Path, capsys) -> None:
    a = bench_folder(tmp_path / "a", A, 0.1)
    b = bench_folder(tmp_path / "b", B, 0.2)
    assert main(["bench", "compare", str(a), str(b), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["difference"]["b_minus_a"] == 0.2
    assert printed["difference"]["paired_tasks"] == 5
    assert printed["flipped_to_unresolved"] == ["t2"]
    assert printed["page"] == str(b / "compare.html")
    page = (b / "compare.html").read_text(encoding="utf-8")
    for anchor in ("summary", "flips", "cost", "tasks"):
        assert f'<section id="{anchor}">' in page


def test_the_terminal_table_says_the_difference_and_the_flips(tmp_path: Path, capsys) -> None:
    a = bench_folder(tmp_path / "a", A, 0.1)
    b = bench_folder(tmp_path / "b", B, 0.2)
    out = tmp_path / "pages"
    assert main(["bench", "compare", str(a), str(b), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "B - A: +20.0 points" in text
    assert "flipped to resolved (2): t3, t4" in text
    assert "flipped to unresolved (1): t2" in text
    assert (out / "compare.html").is_file()


def test_a_folder_without_results_is_named(tmp_path: Path, capsys) -> None:
    a = bench_folder(tmp_path / "a", A, 0.1)
    assert main(["bench", "compare", str(a), str(tmp_path)]) == 2
    assert "has no results.jsonl" in capsys.readouterr().err
