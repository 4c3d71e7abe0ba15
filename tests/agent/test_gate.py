"""The submit gate without given checks: no test that passed before fails, and the agent's
reproduction test exists and passes; the whole suite need not pass."""

from __future__ import annotations

from pathlib import Path

from devagent.agent.budget import BudgetConfig
from devagent.agent.gate import GateVerdict, regression_gate
from devagent.agent.task import Task
from devagent.agent.trajectory import read_trajectory
from tests.agent.fakes import (
    BROKEN_CALC,
    FIXED_CALC,
    PYTEST_CHECK,
    TESTS,
    ScriptedTestModel,
    call,
    git,
    make_agent,
    tiny_repo,
)

UNRELATED_FAILURE = "\n\ndef test_unrelated_environment():\n    assert False, 'no network'\n"
REPRO = "\n\ndef test_add_two_and_three():\n    assert add(2, 3) == 5\n"


def test_gate_passes_with_a_new_passing_test_and_no_regression():
    baseline = {"t.py::a": "passed", "t.py::b": "failed"}
    now = {"t.py::a": "passed", "t.py::b": "failed", "t.py::repro[x y]": "passed"}
    assert regression_gate(baseline, now, ["t.py"]) == GateVerdict(
        passed=True, repro=["t.py::repro[x y]"]
    )


def test_gate_names_regressions_and_counts_a_missing_test_as_regressed():
    baseline = {"t.py::a": "passed", "t.py::gone": "passed"}
    now = {"t.py::a": "failed", "t.py::new": "passed"}
    verdict = regression_gate(baseline, now, [])
    assert (verdict.passed, verdict.regressed) == (False, ["t.py::a", "t.py::gone"])


def test_gate_needs_a_reproduction_test_that_passes():
    baseline = {"t.py::a": "passed", "t.py::b": "failed"}
    assert not regression_gate(baseline, {"t.py::a": "passed", "t.py::b": "passed"}, []).passed
    changed = regression_gate(baseline, {"t.py::a": "passed", "t.py::b": "passed"}, ["t.py"])
    assert (changed.passed, changed.repro) == (True, ["t.py::b"])
    failing = regression_gate(baseline, {"t.py::a": "passed", "t.py::c": "error"}, [])
    assert (failing.passed, failing.repro_failing) == (False, ["t.py::c"])


def repo_with_unrelated_failure(root: Path) -> Path:
    repo = tiny_repo(root)
    (repo / "test_calc.py").write_text(TESTS + UNRELATED_FAILURE)
    git(repo, "commit", "-qam", "a test that fails whatever the code")
    return repo


def test_submit_succeeds_although_an_unrelated_test_fails(tmp_path: Path) -> None:
    repo = repo_with_unrelated_failure(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [call("write_file", path="calc.py", content=FIXED_CALC)],
            [call("submit", summary="fixed, no test")],
            [call("write_file", path="test_calc.py", content=TESTS + UNRELATED_FAILURE + REPRO)],
            [call("submit", summary="fixed, with a reproduction test")],
        ]
    )
    agent, _ = make_agent(repo, model)
    result = agent.run(Task(issue="add is wrong", test_command=PYTEST_CHECK))
    assert (result.status, result.steps) == ("solved", 4)
    assert "no test that passed before your change fails" in model.requests[0][0].content
    first = model.requests[2][-1].content
    assert "No reproduction test ran" in first
    checks = [r for r in read_trajectory(result.trajectory_path) if r["type"] == "check"]
    assert checks[0]["phase"] == "baseline"
    assert checks[0]["result"]["tests"]["test_calc.py::test_add"] == "failed"
    assert checks[-1]["gate"]["repro"] == [
        "test_calc.py::test_add_two_and_three",
        "test_calc.py::test_add",
    ]
    assert result.checks[0].passed


def test_feedback_names_the_regressed_tests(tmp_path: Path) -> None:
    repo = repo_with_unrelated_failure(tmp_path / "repo")
    model = ScriptedTestModel(
        [
            [
                call("write_file", path="calc.py", content=BROKEN_CALC),
                call("write_file", path="test_calc.py", content=TESTS + REPRO),
            ],
            [call("submit", summary="done")],
            "giving up",
        ],
        repeat_last=True,
    )
    agent, _ = make_agent(repo, model, budget=BudgetConfig(max_steps=5))
    result = agent.run(Task(issue="add is wrong", test_command=PYTEST_CHECK))
    feedback = [m.content for m in model.requests[2] if m.role == "tool"][-1]
    assert "passed before your change and do not pass now (1):\n- test_calc.py::test_sub\n" in (
        feedback
    )
    assert "test_unrelated_environment" not in feedback.split("Output (tail)")[0]
    assert result.status != "solved"
