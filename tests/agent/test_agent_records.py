"""What a run leaves behind: report, result.json, patch.diff, memory of the repo."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from devagent.agent.checks import CheckResult
from devagent.agent.errors import OutputsLostError
from devagent.agent.memory import MemoryStore, learned_facts
from devagent.agent.redact import Redactor
from devagent.agent.report import write_outputs
from devagent.agent.task import RunResult, Task
from devagent.llm.types import Usage

TASK = Task(issue="Fix add (token sk-verysecret-1)", test_command="pytest -q")
RESULT = RunResult(
    status="solved",
    patch="+x = 'sk-verysecret-1'\n",
    checks=[CheckResult("pytest -q", True, 0, "1 passed", duration_s=1.25)],
    steps=4,
    usage=Usage(input_tokens=100, output_tokens=20, cached_tokens=50),
    cost_usd=0.0123,
    duration_s=9.5,
    reason="the goal checks passed",
    plan=[{"step": "fix add", "status": "done"}],
)


def test_outputs_are_written_and_redacted(tmp_path: Path) -> None:
    paths = write_outputs(tmp_path / "out", TASK, RESULT, Redactor(["sk-verysecret-1"]))
    report = paths["report.md"].read_text()
    assert report.startswith("# devagent: solved\n\nThe goal checks passed.\n")
    assert "- Steps: 4" in report and "- Cost: $0.0123" in report
    assert "### PASS `pytest -q`" in report and "- [done] fix add" in report
    result = json.loads(paths["result.json"].read_text())
    assert (result["status"], result["steps"]) == ("solved", 4)
    assert result["usage"]["total_tokens"] == 120
    assert result["checks"][0]["passed"] is True
    for path in paths.values():
        assert "sk-verysecret-1" not in path.read_text()
    assert paths["patch.diff"].read_text() == "+x = '[REDACTED]'\n"


def test_on_a_full_disk_the_patch_is_written_first_and_the_rest_named(tmp_path: Path) -> None:
    written: list[str] = []

    def full_after_the_patch(path: Path, text: str) -> None:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path.name)
        path.write_text(text)

    with pytest.raises(OutputsLostError) as lost:
        write_outputs(tmp_path, TASK, RESULT, Redactor(), write=full_after_the_patch)
    assert written == ["patch.diff"]
    assert list(lost.value.lost) == ["result.json", "report.md"]
    assert str(lost.value).startswith(
        "the run ended solved, but result.json, report.md could not be written in"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patch.diff"]


def test_memory_offers_facts_to_the_next_run_on_the_same_repo(tmp_path: Path) -> None:
    with MemoryStore.in_cache_dir(tmp_path / "cache") as store:
        store.remember("repo-a", learned_facts(TASK, RESULT))
        store.remember("repo-a", {"test command": "`pytest -q -x`"})
    with MemoryStore.in_cache_dir(tmp_path / "cache") as store:
        facts = store.recall("repo-a")
        assert facts == {
            "test command": "`pytest -q -x`",
            "check `pytest -q`": "takes about 1.2s (exit 0)",
        }
        assert store.recall("repo-b") == {}
