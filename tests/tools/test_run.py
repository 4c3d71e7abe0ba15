import sys
from pathlib import Path

import pytest

from devagent.tools.run import (
    RUN,
    RUN_TESTS,
    clip_output,
    detect_test_command,
    with_selection,
)
from sandbox.local import LocalSandbox
from tests.tools.helpers import make_ctx, write_tree

PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"
SAMPLE_TESTS = """\
def test_ok():
    assert 1 + 1 == 2


def test_bad():
    total = 2 + 2
    assert total == 5
"""


def test_run_shows_output_and_exit_code(tmp_path: Path) -> None:
    obs = RUN({"command": "echo hello; exit 3"}, make_ctx(tmp_path))
    assert not obs.ok
    assert obs.text.splitlines()[0] == "hello"
    assert obs.text.splitlines()[1].startswith("[exit code 3; ")
    assert obs.data == {"exit_code": 3, "timed_out": False}


def test_run_runs_in_the_workspace(tmp_path: Path) -> None:
    write_tree(tmp_path, {"marker.txt": "x"})
    obs = RUN({"command": "ls"}, make_ctx(tmp_path))
    assert obs.ok and obs.text.startswith("marker.txt\n[exit code 0")


def test_run_timeout_is_explained(tmp_path: Path) -> None:
    obs = RUN({"command": "echo started; sleep 30", "timeout": 1}, make_ctx(tmp_path))
    assert not obs.ok
    assert obs.data["timed_out"] is True
    assert "started" in obs.text
    assert "timed out after 1s and was killed" in obs.text


def test_run_truncation_is_marked(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path)
    ctx.sandbox = LocalSandbox(tmp_path, output_limit=1000)
    obs = RUN({"command": "seq 1 5000"}, ctx)
    assert "bytes of output dropped in the middle" in obs.text
    assert obs.text.startswith("1\n2\n")
    assert "\n5000\n[exit code 0" in obs.text


def test_clip_output_keeps_head_and_tail() -> None:
    text = "a" * 50 + "b" * 50
    assert clip_output(text, limit=20) == (
        "aaaaa\n[... 80 chars cut; redirect to a file and view or search it ...]\n" + "b" * 15
    )
    assert clip_output("short", limit=20) == "short"


def test_run_tests_summarises_real_pytest_run(tmp_path: Path) -> None:
    write_tree(tmp_path, {"test_sample.py": SAMPLE_TESTS})
    obs = RUN_TESTS({}, make_ctx(tmp_path, test_command=PYTEST))
    assert not obs.ok
    lines = obs.text.splitlines()
    assert lines[1] == "tests: 1 failed, 0 errors, 1 passed, 0 skipped (pytest; exit code 1)"
    assert lines[3:5] == ["failing (1):", "  test_sample.py::test_bad"]
    assert "E       assert 4 == 5" in obs.text
    assert obs.text.index("first failure:") < obs.text.index("--- output, all ---")
    assert obs.data["summary"]["failing"] == ["test_sample.py::test_bad"]


def test_run_tests_selection_narrows_the_run(tmp_path: Path) -> None:
    write_tree(tmp_path, {"test_sample.py": SAMPLE_TESTS})
    ctx = make_ctx(tmp_path, test_command=PYTEST)
    obs = RUN_TESTS({"selection": ["test_sample.py::test_ok"]}, ctx)
    assert obs.ok
    assert obs.text.splitlines()[1].startswith("tests: 0 failed, 0 errors, 1 passed")


def test_run_tests_without_a_command_says_what_to_do(tmp_path: Path) -> None:
    obs = RUN_TESTS({}, make_ctx(tmp_path))
    assert not obs.ok and "run the tests with `run` instead" in obs.text


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": ""}, "python -m pytest -q"),
        ({"package.json": '{"scripts": {"test": "jest"}}'}, "npm test"),
        ({"package.json": '{"scripts": {}}', "go.mod": "module x"}, "go test ./..."),
        ({"Cargo.toml": ""}, "cargo test"),
        ({"tests/test_a.py": ""}, "python -m pytest -q"),
        ({"README": ""}, None),
    ],
)
def test_detect_test_command(tmp_path: Path, files: dict[str, str], expected: str | None) -> None:
    assert detect_test_command(write_tree(tmp_path, files)) == expected


def test_with_selection_uses_each_runners_syntax() -> None:
    assert with_selection("pytest -q", ["a.py::t x"]) == "pytest -q 'a.py::t x'"
    assert with_selection("npm test", ["foo.test.js"]) == "npm test -- foo.test.js"
    assert (
        with_selection("go test ./...", ["TestA", "TestB"])
        == "go test ./... -run '^(TestA|TestB)$'"
    )
    assert with_selection("go test ./...", ["./pkg/..."]) == "go test ./pkg/..."
    assert with_selection("cargo test", []) == "cargo test"
