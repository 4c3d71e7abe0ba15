"""The real-task checker's pure parts: JUnit outcomes per node id, and the soundness verdict."""

from __future__ import annotations

from pathlib import Path

from devagent.bench.realtask import parse_real_task
from tests.bench.scripts import load_tasks_script

ROOT = Path(__file__).resolve().parents[2]


checker = load_tasks_script("check_real_tasks")

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_core" name="test_full" file="tests/test_core.py"/>
<testcase classname="tests.test_core.TestEmpty" name="test_empty[a-1]" file="tests/test_core.py">
  <failure message="assert 1 == 0">boom</failure></testcase>
<testcase classname="tests.test_core" name="test_skip" file="tests/test_core.py">
  <skipped message="no"/></testcase>
</testsuite></testsuites>"""

TASK = parse_real_task(
    """
id = "demo"
project = "demo"
base_version = "1"
fix_version = "2"
title = "t"
issue = "i"
fix_files = ["demo.py"]
test_files = ["tests/test_core.py"]
fail_to_pass = ["tests/test_core.py::TestEmpty::test_empty[a-1]"]
pass_to_pass = ["tests/test_core.py::test_full"]
""",
    "inline",
)


def test_a_sound_task_has_no_problems_and_each_unsoundness_is_named():
    before = checker.parse_junit(JUNIT)
    fixed = {key: "passed" for key in before}
    assert checker.judge(TASK, before, fixed) == []
    assert checker.judge(TASK, fixed, fixed) == [
        "goal test passes before the fix: tests/test_core.py::TestEmpty::test_empty[a-1]"
    ]
    missing = {"tests/test_core.py::test_full": "passed"}
    assert checker.judge(TASK, before, missing) == [
        "goal test does not pass after the fix (missing): "
        "tests/test_core.py::TestEmpty::test_empty[a-1]"
    ]


def test_discovery_lists_fail_to_pass_and_pass_to_pass():
    before = checker.parse_junit(JUNIT)
    after = {**before, "tests/test_core.py::TestEmpty::test_empty[a-1]": "passed"}
    assert checker.discover_lists(before, after) == {
        "fail_to_pass": ["tests/test_core.py::TestEmpty::test_empty[a-1]"],
        "pass_to_pass": ["tests/test_core.py::test_full"],
    }
