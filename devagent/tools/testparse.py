"""Parse test-runner output (pytest, node --test, go test, cargo) into a `TestSummary`. Pure."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_TRACE_LINES = 40


@dataclass(frozen=True)
class TestSummary:
    """What a test run says about itself. A count is None when the output does not tell."""

    __test__ = False  # not a pytest test class

    framework: str
    passed: int | None = None
    failed: int | None = None
    errors: int | None = None
    skipped: int | None = None
    failing: list[str] = field(default_factory=list)
    """Ids of failing or erroring tests, in output order."""
    first_failure: str = ""
    """The first failure's trace, trimmed to MAX_TRACE_LINES."""

    def counts_text(self) -> str:
        parts = [
            f"{value} {name}"
            for name, value in (
                ("failed", self.failed),
                ("errors", self.errors),
                ("passed", self.passed),
                ("skipped", self.skipped),
            )
            if value is not None
        ]
        return ", ".join(parts) or "no counts reported"


def trim_trace(lines: list[str], limit: int = MAX_TRACE_LINES) -> str:
    """Keep the head and the (more useful) tail of a long trace, marking what was cut."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if len(lines) <= limit:
        return "\n".join(lines)
    head, tail = lines[: limit // 4], lines[-(limit - limit // 4) :]
    return "\n".join([*head, f"[... {len(lines) - limit} trace lines cut ...]", *tail])


# --- pytest ---------------------------------------------------------------------------------
_PYTEST_FINAL = re.compile(r"^=*\s*(?:no tests ran|\d+ \w+.*) in [\d.]+s\b.*$", re.M)
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")
_SECTION = re.compile(r"^=+ (FAILURES|ERRORS) =+$")
_BLOCK = re.compile(r"^_{3,} .* _{3,}$")


def _pytest_first_trace(lines: list[str]) -> str:
    for wanted in ("FAILURES", "ERRORS"):
        start = next((i for i, ln in enumerate(lines) if _SECTION.match(ln) and wanted in ln), None)
        if start is None:
            continue
        block: list[str] = []
        for line in lines[start + 1 :]:
            if (block and _BLOCK.match(line)) or line.startswith("====="):
                break
            block.append(line)
        return trim_trace(block)
    return ""


def parse_pytest(output: str) -> TestSummary:
    finals = _PYTEST_FINAL.findall(output)
    counts: dict[str, int] = {}
    for number, word in _PYTEST_COUNT.findall(finals[-1] if finals else ""):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
    lines = output.splitlines()
    failing = [
        ln.split(" ", 1)[1].split(" - ", 1)[0].strip()
        for ln in lines
        if ln.startswith(("FAILED ", "ERROR "))
    ]
    return TestSummary(
        "pytest",
        passed=counts.get("passed", 0) + counts.get("xpassed", 0),
        failed=counts.get("failed", 0),
        errors=counts.get("error", 0),
        skipped=counts.get("skipped", 0) + counts.get("xfailed", 0),
        failing=failing,
        first_failure=_pytest_first_trace(lines),
    )


# --- node --test (TAP and spec reporters) ----------------------------------------------------
_NODE_COUNT = re.compile(r"^(?:#|ℹ) (tests|pass|fail|skipped|cancelled) (\d+)$", re.M)  # noqa: RUF001
_TAP_NOT_OK = re.compile(r"^(\s*)not ok \d+ - (.*?)(?: # .*)?$")


def _tap_failures(lines: list[str]) -> tuple[list[str], str]:
    failing, first = [], ""
    for i, line in enumerate(lines):
        match = _TAP_NOT_OK.match(line)
        if not match:
            continue
        block = []
        for follow in lines[i + 1 :]:
            block.append(follow)
            if follow.strip() == "...":
                break
        if any("subtestsFailed" in ln for ln in block):
            continue
        failing.append(match.group(2))
        first = first or trim_trace(textwrap.dedent("\n".join([line, *block[1:-1]])).splitlines())
    return failing, first


def _spec_failures(lines: list[str]) -> tuple[list[str], str]:
    start = next((i for i, ln in enumerate(lines) if ln.startswith("✖ failing tests:")), None)
    if start is None:
        return [], ""
    failing, first_block = [], []
    for line in lines[start + 1 :]:
        if line.startswith("✖ "):
            failing.append(re.sub(r" \([\d.]+m?s\)$", "", line[2:]))
        elif len(failing) == 1 and not line.startswith("test at "):
            first_block.append(line)
    return failing, trim_trace([f"✖ {failing[0]}", *first_block] if failing else [])


def parse_node(output: str) -> TestSummary:
    counts = {name: int(value) for name, value in _NODE_COUNT.findall(output)}
    lines = output.splitlines()
    failing, first = _tap_failures(lines)
    if not failing:
        failing, first = _spec_failures(lines)
    return TestSummary(
        "node",
        passed=counts.get("pass"),
        failed=counts.get("fail"),
        errors=counts.get("cancelled"),
        skipped=counts.get("skipped"),
        failing=failing,
        first_failure=first,
    )


# --- go test ------------------------------------------------------------------------------------
_GO_RESULT = re.compile(r"^\s*--- (PASS|FAIL|SKIP): (\S+)", re.M)
_GO_BUILD_FAIL = re.compile(r"^FAIL\s+\S+\s+\[(?:build|setup) failed\]", re.M)


def _go_first_trace(lines: list[str], name: str) -> str:
    index = next(i for i, ln in enumerate(lines) if ln.strip().startswith(f"--- FAIL: {name} "))
    block = []
    for line in lines[index + 1 :]:
        if not line.startswith((" ", "\t")):
            break
        block.append(line)
    if not block:  # -v output prints the messages between `=== RUN` and `--- FAIL`
        run = max(i for i, ln in enumerate(lines[:index]) if ln.startswith(f"=== RUN   {name}"))
        block = lines[run + 1 : index]
    return trim_trace([lines[index].strip(), *block])


def parse_go(output: str) -> TestSummary:
    results = _GO_RESULT.findall(output)
    failing = [name for status, name in results if status == "FAIL"]
    verbose = "=== RUN" in output
    lines = output.splitlines()
    return TestSummary(
        "go",
        passed=sum(1 for status, _ in results if status == "PASS") if verbose else None,
        failed=len(failing),
        errors=len(_GO_BUILD_FAIL.findall(output)),
        skipped=sum(1 for status, _ in results if status == "SKIP") if verbose else None,
        failing=failing,
        first_failure=_go_first_trace(lines, failing[0]) if failing else "",
    )


# --- cargo test ---------------------------------------------------------------------------------
_CARGO_RESULT = re.compile(r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", re.M)
_CARGO_FAILED = re.compile(r"^test (\S+) \.\.\. FAILED$", re.M)


def _cargo_first_trace(lines: list[str]) -> str:
    start = next((i for i, ln in enumerate(lines) if re.match(r"^---- .* stdout ----$", ln)), None)
    if start is None:
        start = next((i for i, ln in enumerate(lines) if ln.startswith("error")), None)
        return trim_trace(lines[start : start + MAX_TRACE_LINES]) if start is not None else ""
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if line.startswith("---- ") or line == "failures:":
            break
        block.append(line)
    return trim_trace(block)


def parse_cargo(output: str) -> TestSummary:
    totals = [0, 0, 0]
    for row in _CARGO_RESULT.findall(output):
        totals = [a + int(b) for a, b in zip(totals, row, strict=True)]
    compile_failed = "could not compile" in output
    return TestSummary(
        "cargo",
        passed=totals[0],
        failed=totals[1],
        errors=1 if compile_failed else 0,
        skipped=totals[2],
        failing=_CARGO_FAILED.findall(output),
        first_failure=_cargo_first_trace(output.splitlines()),
    )


_DETECTORS: list[tuple[re.Pattern[str], Callable[[str], TestSummary]]] = [
    (re.compile(r"^test result: |could not compile", re.M), parse_cargo),
    (re.compile(r"^(?:#|ℹ) tests \d+$", re.M), parse_node),  # noqa: RUF001
    (re.compile(r"^(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\)|\[)|^--- FAIL: ", re.M), parse_go),
    (
        re.compile(r"short test summary info|^=* ?(?:no tests ran|\d+ \w+.*) in [\d.]+s", re.M),
        parse_pytest,
    ),
]


def parse_test_output(output: str) -> TestSummary | None:
    """The summary of `output` from whichever supported runner produced it; None if unknown."""
    for marker, parser in _DETECTORS:
        if marker.search(output):
            return parser(output)
    return None
