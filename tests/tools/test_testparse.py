"""Parsers run on real outputs captured from pytest, node --test, go test and cargo test."""

from pathlib import Path

import pytest

from devagent.tools.testparse import TestSummary, parse_test_output, trim_trace

DATA = Path(__file__).parent / "data" / "testoutput"
PYTEST_FAILING = [
    "test_sample.py::test_fails",
    "test_sample.py::TestGroup::test_method_fails",
    "test_sample.py::test_param[2]",
    "test_sample.py::test_error",
]


def _parse(name: str) -> TestSummary:
    summary = parse_test_output((DATA / name).read_text())
    assert summary is not None
    return summary


@pytest.mark.parametrize("name", ["pytest_q.txt", "pytest_default.txt"])
def test_pytest_counts_ids_and_first_trace(name: str) -> None:
    s = _parse(name)
    assert (s.framework, s.passed, s.failed, s.errors, s.skipped) == ("pytest", 4, 3, 1, 1)
    assert s.failing == PYTEST_FAILING
    assert s.first_failure.splitlines()[0].strip("_ ") == "test_fails"
    assert "E       assert 6 == 7" in s.first_failure
    assert "test_method_fails" not in s.first_failure


def test_pytest_all_passing() -> None:
    s = _parse("pytest_pass.txt")
    assert (s.passed, s.failed, s.errors, s.failing, s.first_failure) == (1, 0, 0, [], "")


def test_pytest_collection_error() -> None:
    s = _parse("pytest_collect_error.txt")
    assert (s.passed, s.failed, s.errors, s.failing) == (0, 0, 1, ["test_syntax.py"])
    assert s.first_failure.splitlines()[-1] == "E   SyntaxError: invalid syntax"


@pytest.mark.parametrize("name", ["npm_node_tap.txt", "node_spec.txt"])
def test_node_test_runner_tap_and_spec(name: str) -> None:
    s = _parse(name)
    assert (s.framework, s.passed, s.failed, s.skipped) == ("node", 2, 3, 1)
    assert s.failing == ["fails on purpose", "inner fails"]
    assert "2 !== 3" in s.first_failure
    assert "inner boom" not in s.first_failure


@pytest.mark.parametrize("name", ["go_test.txt", "go_test_v.txt"])
def test_go_test(name: str) -> None:
    s = _parse(name)
    assert (s.framework, s.failed, s.errors, s.failing) == ("go", 1, 0, ["TestAddFails"])
    assert s.first_failure.splitlines() == [
        "--- FAIL: TestAddFails (0.00s)",
        "    calc_test.go:14: Add(2, 2) = 4, want 5",
    ]
    verbose = name == "go_test_v.txt"
    assert (s.passed, s.skipped) == ((2, 1) if verbose else (None, None))


def test_cargo_test() -> None:
    s = _parse("cargo_test.txt")
    assert (s.framework, s.passed, s.failed, s.skipped, s.errors) == ("cargo", 1, 1, 1, 0)
    assert s.failing == ["tests::fails"]
    assert s.first_failure.splitlines()[0] == "---- tests::fails stdout ----"
    assert "math is hard" in s.first_failure


def test_unknown_output_is_none() -> None:
    assert parse_test_output("make: *** No rule to make target 'test'.  Stop.\n") is None


def test_trim_trace_keeps_head_and_tail_and_marks_the_cut() -> None:
    text = trim_trace([f"l{i}" for i in range(100)], limit=8)
    assert text.splitlines() == ["l0", "l1", "[... 92 trace lines cut ...]"] + [
        f"l{i}" for i in range(94, 100)
    ]
