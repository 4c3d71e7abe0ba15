"""Per-test results from a pytest JUnit XML report (xunit1), keyed by exact pytest node id. Pure.

pytest writes one `<testcase>` per node id with `classname` (the module's dotted path, then the
class chain), `name` (the function name with its parameters, spaces and brackets kept) and, in
the xunit1 family, `file`. A collection failure is a testcase with an empty `classname` whose
`name` is the module's dotted path; its id here is the module's file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping

STATUSES = ("passed", "skipped", "failed", "error")
"""Worst last: when one id is reported twice, the worse status wins."""

PYTEST_JUNIT_OPTS = "--junitxml={path} -o junit_family=xunit1"
"""What `PYTEST_ADDOPTS` carries for a check whose results are read back per test."""


class JunitError(ValueError):
    """The report is not JUnit XML."""


def parse_junit(xml: str | bytes) -> dict[str, str]:
    """Node id -> one of `STATUSES`, for every testcase in the report (an xfail is `passed`,
    as in SWE-bench's grading)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise JunitError(f"not a JUnit XML report: {exc}") from exc
    results: dict[str, str] = {}
    for case in _testcases(root):
        test_id = node_id(case.get("classname", ""), case.get("name", ""), case.get("file"))
        status = _status(case)
        if STATUSES.index(status) >= STATUSES.index(results.get(test_id, "passed")):
            results[test_id] = status
    return results


def _testcases(root: ET.Element) -> Iterator[ET.Element]:
    yield from root.iter("testcase")


def _status(case: ET.Element) -> str:
    tags = {child.tag for child in case}
    if "error" in tags:
        return "error"
    if "failure" in tags:
        return "failed"
    skipped = case.find("skipped")
    if skipped is not None and skipped.get("type") != "pytest.xfail":
        return "skipped"
    return "passed"  # an expected failure (xfail) is the outcome the test asks for


def node_id(classname: str, name: str, file: str | None = None) -> str:
    """The pytest node id of a testcase: `path/to/test_x.py::Class::Inner::name[params]`."""
    if not classname:  # a module-level entry: a collection error or a skipped module
        return file or _module_file(name.split("."))
    parts = classname.split(".")
    module, classes = _split_module(parts, file)
    return "::".join([module, *classes, name])


def _split_module(parts: list[str], file: str | None) -> tuple[str, list[str]]:
    """(module file, class chain) from a dotted classname, using `file` when it agrees."""
    if file and file.endswith(".py"):
        dotted = file[: -len(".py")].replace("/", ".").split(".")
        if parts[: len(dotted)] == dotted:
            return file, parts[len(dotted) :]
    for i, part in enumerate(parts[1:], start=1):  # class names start upper case (Test*)
        if part[:1].isupper():
            return _module_file(parts[:i]), parts[i:]
    return _module_file(parts), []


def _module_file(parts: list[str]) -> str:
    return "/".join(parts) + ".py"


def test_status(results: Mapping[str, str], test_id: str) -> str:
    """The status of `test_id`: exact, or the worst of its children (a parametrized function's
    cases, a class's or a file's tests), or `missing` when the report has none of them."""
    if test_id in results:
        return results[test_id]
    children = [s for t, s in results.items() if _is_child(t, test_id)]
    if not children:
        return "missing"
    return max(children, key=STATUSES.index)


def _is_child(candidate: str, parent: str) -> bool:
    return candidate.startswith(parent + "[") or candidate.startswith(parent + "::")


test_status.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
