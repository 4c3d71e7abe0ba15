"""`solve --attempts 2` on the real pipeline: the attempts overlap in time on their own forks,
the passing one is kept, the budget is split, and `replay` reproduces the kept attempt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from devagent.agent.config import AgentConfig
from devagent.agent.trajectory import read_trajectory
from devagent.llm.scripted import ScriptedModel
from devagent.pipeline import SolveOptions, replay_run, run_pipeline
from tests.e2e.scenario import BUGGY, CHECK, ISSUE
from tests.support import git

pytestmark = pytest.mark.docker


def reply(text: str, name: str, **arguments: object) -> dict:
    return {"content": text, "tool_calls": [{"name": name, "arguments": arguments}]}


WRONG = [  # multiplies: the check fails, then the attempt's 4 steps are spent
    reply("Reading.", "run", command="sleep 2; cat calc.py"),
    reply("Try this.", "replace", path="calc.py", old="a - b", new="a * b"),
    reply("Done.", "submit", summary="multiplies"),
    reply("Hmm.", "run", command="cat calc.py"),
]
RIGHT = [
    reply("Reading.", "run", command="sleep 2; cat calc.py"),
    reply("The operator is wrong.", "replace", path="calc.py", old="a - b", new="a + b"),
    reply("Done.", "submit", summary="adds"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user-repo"
    repo.mkdir()
    (repo / "calc.py").write_text(BUGGY)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "calc")
    return repo


def test_two_attempts_overlap_and_the_passing_one_is_kept(tmp_path: Path, repo: Path) -> None:
    script = tmp_path / "model.yaml"
    script.write_text(yaml.safe_dump({"attempts": [WRONG, RIGHT]}))
    out = tmp_path / "out"
    outcome = run_pipeline(
        SolveOptions(
            issue=ISSUE,
            repo=repo,
            out=out,
            model=ScriptedModel.from_file(script),
            checks=[CHECK],
            budget={"max_steps": 8, "max_usd": 2.0},
            agent=AgentConfig(attempts=2),
            image="devagent/base:latest",
        )
    )
    result = outcome.result
    first, second = result.attempts
    assert (first["label"], first["passed"], first["chosen"]) == ("0.a1", False, False)
    assert first["status"] == "budget_exhausted"
    assert (second["label"], second["passed"], second["chosen"]) == ("0.a2", True, True)
    # the attempts' sandboxes were up at the same time
    assert max(first["started"], second["started"]) < min(first["ended"], second["ended"])
    assert result.status == "solved" and [c.passed for c in result.checks] == [True]
    assert result.steps == first["steps"] + second["steps"] == 4 + 3
    assert "+    return a + b" in (out / "patch.diff").read_text()
    assert "a + b" in outcome.patch_since_start
    listed = json.loads((out / "result.json").read_text())["attempts"]
    assert [a["chosen"] for a in listed] == [False, True]
    assert "## Attempts" in (out / "report.md").read_text()
    assert (repo / "calc.py").read_text() == BUGGY

    records = list(read_trajectory(out / "trajectory.jsonl"))
    budgets = {r["agent"]: r["budget"] for r in records if r["type"] == "start"}
    assert budgets["0.a1"]["max_steps"] == budgets["0.a2"]["max_steps"] == 4
    assert budgets["0.a1"]["max_usd"] == budgets["0.a2"]["max_usd"] == 1.0
    assert budgets["0.a1"]["max_time_s"] > 1700  # the wall time is shared, not split

    replayed = replay_run(out / "trajectory.jsonl")
    assert replayed.reproduced
    assert replayed.compared == 3
    assert replayed.result.status == "solved"
    assert "+    return a + b" in replayed.result.patch
