"""`devagent solve --attempts 2` and `devagent replay` from the command line."""

from __future__ import annotations

import json

import pytest

from tests.agent.test_attempts_docker import RIGHT, WRONG
from tests.e2e.scenario import CHECK

pytestmark = pytest.mark.docker


def test_solve_with_two_attempts_keeps_the_passing_one_and_replay_reproduces_it(
    solve, devagent, tmp_path
):
    out = tmp_path / "out"
    result = solve(
        {"attempts": [WRONG, RIGHT]},
        *("--image", "devagent/base:latest", "--test", CHECK),
        *("--attempts", "2", "--max-steps", "8", "--out", str(out), "--json"),
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["status"] == "solved"
    assert [(a["label"], a["chosen"]) for a in payload["attempts"]] == [
        ("0.a1", False),
        ("0.a2", True),
    ]
    replayed = devagent("replay", str(out / "trajectory.jsonl"))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "reproduced" in replayed.stdout
