"""Goal checks read pytest's per-test results from JUnit XML, never from its text."""

from __future__ import annotations

import sys
from pathlib import Path

from devagent.agent.checks import is_pytest, run_checks
from sandbox.local import LocalSandbox

PARAMETRIZED = """import pytest


@pytest.mark.parametrize("text", ["a b", "c d]e"])
def test_words(text):
    assert text != "c d]e"
"""
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"


def test_parametrized_ids_with_spaces_come_back_exactly(tmp_path: Path) -> None:
    (tmp_path / "test_words.py").write_text(PARAMETRIZED)
    (result,) = run_checks(LocalSandbox(tmp_path), [f"{PYTEST} test_words.py"])
    assert result.report
    assert result.tests == {
        "test_words.py::test_words[a b]": "passed",
        "test_words.py::test_words[c d]e]": "failed",
    }
    assert result.failing_ids == ("test_words.py::test_words[c d]e]",)
    assert not result.passed


def test_report_file_is_removed_after_reading(tmp_path: Path) -> None:
    (tmp_path / "test_words.py").write_text(PARAMETRIZED)
    before = set(Path("/tmp").glob("devagent-junit-*.xml"))
    run_checks(LocalSandbox(tmp_path), [f"{PYTEST} test_words.py"])
    assert set(Path("/tmp").glob("devagent-junit-*.xml")) <= before


def test_non_pytest_check_keeps_the_exit_code_path(tmp_path: Path) -> None:
    (result,) = run_checks(LocalSandbox(tmp_path), ["echo '--- FAIL: TestX'; exit 1"])
    assert (result.passed, result.report, result.tests) == (False, False, {})
    assert result.failing_ids == ("TestX",)


def test_pytest_commands_are_recognised() -> None:
    assert is_pytest("python -m pytest -q {tests}")
    assert is_pytest("cd x && pytest tests/")
    assert is_pytest("py.test -x")
    assert not is_pytest("go test ./...")
    assert not is_pytest("npm test")


def test_large_report_is_read_back_in_chunks(tmp_path: Path) -> None:
    from devagent.agent.checks import read_sandbox_file

    blob = bytes(range(256)) * 4000 + b"end"
    (tmp_path / "big.bin").write_bytes(blob)
    sandbox = LocalSandbox(tmp_path)
    assert read_sandbox_file(sandbox, str(tmp_path / "big.bin"), chunk=10_000) == blob
    assert read_sandbox_file(sandbox, str(tmp_path / "absent.xml")) is None
