"""JUnit XML (xunit1, as pytest writes it) to exact pytest node ids."""

from __future__ import annotations

import pytest

from devagent.agent.junit import JunitError, node_id, parse_junit, test_status

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="2" tests="8">
<testcase classname="test_a.TestOuter.TestInner" name="test_deep" file="test_a.py" line="4" />
<testcase classname="test_a.TestOuter" name="test_p[a b]" file="test_a.py" line="5" />
<testcase classname="test_a.TestOuter" name="test_p[x]y]" file="test_a.py" line="5">
<failure message="AssertionError">boom</failure></testcase>
<testcase classname="test_a.TestOuter" name="test_p[c::d]" file="test_a.py" line="5" />
<testcase classname="test_a" name="test_skip" file="test_a.py" line="7">
<skipped type="pytest.skip" message="no">no</skipped></testcase>
<testcase classname="test_a" name="test_err" file="test_a.py" line="10">
<error message="failed on setup">x</error></testcase>
<testcase classname="test_a" name="test_xf" file="test_a.py" line="11">
<skipped type="pytest.xfail" message="" /></testcase>
<testcase classname="sub.test_c" name="test_td" file="sub/test_c.py" line="5">
<error message="failed on teardown">x</error></testcase>
</testsuite></testsuites>
"""

COLLECTION_ERROR = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" tests="1">
<testcase classname="" name="sub.test_b" file="sub/test_b.py" time="0.000">
<error message="collection failure">ModuleNotFoundError: No module named 'x'</error>
</testcase></testsuite></testsuites>
"""


def test_node_ids_keep_classes_and_parameters_with_spaces_and_brackets():
    assert parse_junit(REPORT) == {
        "test_a.py::TestOuter::TestInner::test_deep": "passed",
        "test_a.py::TestOuter::test_p[a b]": "passed",
        "test_a.py::TestOuter::test_p[x]y]": "failed",
        "test_a.py::TestOuter::test_p[c::d]": "passed",
        "test_a.py::test_skip": "skipped",
        "test_a.py::test_err": "error",
        "test_a.py::test_xf": "passed",
        "sub/test_c.py::test_td": "error",
    }


def test_collection_error_is_an_error_on_the_module_file():
    assert parse_junit(COLLECTION_ERROR) == {"sub/test_b.py": "error"}


def test_without_file_attribute_classes_are_found_by_their_capital():
    assert (
        node_id("pkg.tests.test_m.TestA", "test_x[1 2]")
        == "pkg/tests/test_m.py::TestA::test_x[1 2]"
    )
    assert node_id("pkg.test_m", "test_y") == "pkg/test_m.py::test_y"
    assert node_id("", "pkg.test_m") == "pkg/test_m.py"


def test_test_inherited_from_another_file_keeps_its_collected_module():
    assert (
        node_id("tests.test_x.TestA", "test_m", "tests/mixins.py")
        == "tests/test_x.py::TestA::test_m"
    )


def test_same_id_reported_twice_keeps_the_worse_status():
    xml = (
        '<testsuite><testcase classname="t" name="a" file="t.py"/>'
        '<testcase classname="t" name="a" file="t.py"><failure/></testcase>'
        '<testcase classname="t" name="a" file="t.py"/></testsuite>'
    )
    assert parse_junit(xml) == {"t.py::a": "failed"}


def test_status_of_a_parent_is_the_worst_of_its_children_and_absent_is_missing():
    results = parse_junit(REPORT)
    assert test_status(results, "test_a.py::TestOuter::test_p[a b]") == "passed"
    assert test_status(results, "test_a.py::TestOuter::test_p") == "failed"
    assert test_status(results, "test_a.py::TestOuter::TestInner") == "passed"
    assert test_status(results, "test_a.py::test_gone") == "missing"
    assert test_status(results, "test_a.py::test_p") == "missing"


def test_garbage_is_a_junit_error():
    with pytest.raises(JunitError):
        parse_junit("not xml")
