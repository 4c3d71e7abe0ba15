"""Every bundled task is sound on this host: goal tests fail before the fix and pass after.

Runs tasks/check_tasks.py's checks with the host's toolchains (no Docker). A task whose
toolchain is missing here is skipped with the reason; the docker oracle covers it in CI.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devagent.bench.task import load_task, load_tasks
from tests.bench.scripts import load_tasks_script

ROOT = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).parent / "fixtures" / "broken_task"


checker = load_tasks_script("check_tasks")
TASKS = load_tasks([ROOT / "tasks"])


@pytest.fixture(scope="module")
def checks() -> dict[str, object]:
    """All tasks checked once, concurrently (the work is in subprocesses)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return {check.task_id: check for check in pool.map(checker.check_task, TASKS)}


@pytest.mark.parametrize("task_id", [t.id for t in TASKS])
def test_bundled_task_is_sound(checks: dict[str, object], task_id: str) -> None:
    check = checks[task_id]
    if check.skipped:  # type: ignore[attr-defined]
        pytest.skip(f"{task_id}: {check.skipped}")  # type: ignore[attr-defined]
    assert check.problems == []  # type: ignore[attr-defined]


def test_broken_task_is_flagged() -> None:
    check = checker.check_task(load_task(BROKEN))
    assert check.problems == ["goal test passes before the fix: tests/test_calc.py::test_add"]


def test_checker_cli_exits_non_zero_on_a_broken_task(capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main([str(BROKEN)]) == 1
    assert "broken_task" in capsys.readouterr().out.splitlines()[1]


def test_solution_touching_a_test_file_is_flagged(tmp_path: Path) -> None:
    task_dir = tmp_path / "broken_task"
    shutil.copytree(BROKEN, task_dir)
    (task_dir / "solution.patch").write_text(
        "--- a/tests/test_calc.py\n+++ b/tests/test_calc.py\n@@ -1 +1 @@\n"
        "-from calc import add, sub\n+from calc import add, sub  # noqa\n"
    )
    problems = checker.check_task(load_task(task_dir)).problems
    assert "solution.patch touches a test file: tests/test_calc.py" in problems
