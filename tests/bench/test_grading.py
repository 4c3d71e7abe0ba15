"""Verdicts per test before and after a change, and the patch minus its test-file changes."""

from __future__ import annotations

from pathlib import Path

from devagent.agent.checks import CheckResult
from devagent.agent.testfiles import is_test_path, patch_paths, strip_test_changes, test_file_rule
from devagent.bench.grading import Goal, Verdict, judge_after, judge_before

F2P = ("tests/test_m.py::test_new[a b]", "tests/test_m.py::TestK::test_fixed")
P2P = ("tests/test_m.py::test_old",)
GOAL = Goal(F2P, P2P)


def pytest_check(tests: dict[str, str], *, exit_code: int = 1, output: str = "") -> CheckResult:
    return CheckResult(
        command="python -m pytest -q x",
        passed=exit_code == 0,
        exit_code=exit_code,
        output_tail=output,
        tests=tests,
        report=True,
    )


def no_report(exit_code: int, output: str) -> CheckResult:
    return CheckResult("python -m pytest -q x", False, exit_code, output)


SOUND_BEFORE = [
    pytest_check({F2P[0]: "failed", F2P[1]: "error"}),
    pytest_check({P2P[0]: "passed"}, exit_code=0),
]
ALL_PASS = [
    pytest_check({F2P[0]: "passed", F2P[1]: "passed"}, exit_code=0),
    pytest_check({P2P[0]: "passed"}, exit_code=0),
]


def test_sound_task_is_graded():
    assert judge_before(SOUND_BEFORE, GOAL) is None


def test_one_goal_test_passing_before_makes_the_task_broken_even_if_the_command_fails():
    before = [pytest_check({F2P[0]: "failed", F2P[1]: "passed"}), SOUND_BEFORE[1]]
    assert judge_before(before, GOAL) == Verdict(
        "broken", "goal tests already pass before the change: tests/test_m.py::TestK::test_fixed"
    )


def test_parametrized_parent_passing_before_is_broken():
    goal = Goal(("t.py::test_p",))
    before = [pytest_check({"t.py::test_p[1]": "passed", "t.py::test_p[2 3]": "passed"})]
    assert judge_before(before, goal) == Verdict(
        "broken", "goal tests already pass before the change: t.py::test_p"
    )


def test_pass_to_pass_failing_before_is_broken():
    before = [SOUND_BEFORE[0], pytest_check({P2P[0]: "failed"})]
    verdict = judge_before(before, GOAL)
    assert verdict is not None and verdict.status == "broken"
    assert P2P[0] in verdict.reason


def test_no_report_before_is_an_error_with_its_reason():
    before = [no_report(4, "ERROR: usage: unrecognized arguments: --foo"), SOUND_BEFORE[1]]
    assert judge_before(before, GOAL) == Verdict(
        "error",
        "before the change, pytest could not run the tests (exit 4): "
        "ERROR: usage: unrecognized arguments: --foo",
    )


def test_missing_third_party_module_is_an_error(tmp_path: Path):
    (tmp_path / "mypkg").mkdir()
    output = "E   ModuleNotFoundError: No module named 'hypothesis'\n"
    collection = pytest_check({"tests/test_m.py": "error"}, exit_code=2, output=output)
    verdict = judge_before([collection, collection], GOAL, tmp_path)
    assert verdict == Verdict(
        "error", "before the change, the environment lacks the module 'hypothesis' the tests import"
    )


def test_missing_module_of_the_project_itself_is_a_plain_failure(tmp_path: Path):
    (tmp_path / "mypkg").mkdir()
    output = "E   ModuleNotFoundError: No module named 'mypkg.newmod'\n"
    goal = Goal(("tests/test_new.py::test_x",))
    collection = pytest_check({"tests/test_new.py": "error"}, exit_code=2, output=output)
    assert judge_before([collection], goal, tmp_path) is None


def test_a_module_missing_only_after_the_patch_is_the_patchs_fault(tmp_path: Path):
    """The goal tests imported fine before; a patch that imports a package the environment does
    not have is a wrong patch (`unresolved`), not a broken environment (`error`)."""
    (tmp_path / "mypkg").mkdir()
    output = "E   ModuleNotFoundError: No module named 'numpy'\n"
    collection = pytest_check({"tests/test_m.py": "error"}, exit_code=2, output=output)
    verdict = judge_after(SOUND_BEFORE, [collection, collection], GOAL, tmp_path)
    assert verdict.status == "unresolved" and "'numpy'" in verdict.reason


def test_all_goal_tests_passing_after_resolves():
    assert judge_after(SOUND_BEFORE, ALL_PASS, GOAL) == Verdict(
        "resolved", "every goal and PASS_TO_PASS test passes"
    )


def test_a_missing_goal_test_is_not_passed():
    after = [pytest_check({F2P[0]: "passed"}, exit_code=0), ALL_PASS[1]]
    assert judge_after(SOUND_BEFORE, after, GOAL) == Verdict(
        "unresolved", "not passing after the change: tests/test_m.py::TestK::test_fixed (missing)"
    )


def test_a_command_that_passes_does_not_hide_a_failing_id():
    after = [pytest_check({F2P[0]: "failed", F2P[1]: "passed"}, exit_code=0), ALL_PASS[1]]
    assert judge_after(SOUND_BEFORE, after, GOAL).status == "unresolved"


def test_pass_to_pass_skipped_before_and_after_is_fine_but_newly_skipped_is_not():
    skipped_before = [SOUND_BEFORE[0], pytest_check({P2P[0]: "skipped"}, exit_code=0)]
    still = [ALL_PASS[0], pytest_check({P2P[0]: "skipped"}, exit_code=0)]
    assert judge_after(skipped_before, still, GOAL).status == "resolved"
    assert judge_after(SOUND_BEFORE, still, GOAL).status == "unresolved"


def test_tests_that_cannot_run_after_a_patch_are_unresolved_not_error():
    after = [no_report(4, "ImportError while loading conftest"), ALL_PASS[1]]
    verdict = judge_after(SOUND_BEFORE, after, GOAL)
    assert verdict.status == "unresolved"


def test_exit_code_path_for_checks_without_a_report():
    goal = Goal(("TestRange",), ("TestOther",))
    failing = CheckResult("go test -run 'TestRange' ./...", False, 1, "--- FAIL: TestRange")
    passing = CheckResult("go test -run 'TestOther' ./...", True, 0, "ok")
    assert judge_before([failing, passing], goal) is None
    assert judge_before([passing, passing], goal) == Verdict(
        "broken", "the goal check already passes before the change"
    )
    assert judge_after([failing, passing], [passing, passing], goal).status == "resolved"
    assert judge_after([failing, passing], [failing, passing], goal).status == "unresolved"


PATCH = """diff --git a/src/mod.py b/src/mod.py
--- a/src/mod.py
+++ b/src/mod.py
@@ -1 +1 @@
-a = 1
+a = 2
diff --git a/tests/test_mod.py b/tests/test_mod.py
--- a/tests/test_mod.py
+++ b/tests/test_mod.py
@@ -1 +1 @@
-assert a == 2
+assert True
diff --git a/test_repro.py b/test_repro.py
new file mode 100644
--- /dev/null
+++ b/test_repro.py
@@ -0,0 +1 @@
+x = 1
diff --git a/docs/guide.md b/docs/guide.md
--- a/docs/guide.md
+++ b/docs/guide.md
@@ -1 +1 @@
-old
+new
"""


def test_test_file_changes_are_stripped_and_named():
    kept, dropped = strip_test_changes(PATCH, test_file_rule(["docs/guide.md"]))
    assert patch_paths(kept) == ["src/mod.py"]
    assert dropped == ["docs/guide.md", "test_repro.py", "tests/test_mod.py"]
    assert kept.startswith("diff --git a/src/mod.py") and kept.endswith("+a = 2\n")


def test_test_paths_by_naming_convention():
    tests = [
        "tests/unit/helpers.py",
        "pkg/tests/test_x.py",
        "a_test.go",
        "web/x.spec.ts",
        "web/__tests__/y.js",
        "pkg/conftest.py",
        "lib/x.test.mjs",
        "tests.py",
    ]
    code = ["django/test/utils.py", "numpy/testing/utils.py", "src/testing.py", "pkg/contest.py"]
    assert [p for p in tests if not is_test_path(p)] == []
    assert [p for p in code if is_test_path(p)] == []
