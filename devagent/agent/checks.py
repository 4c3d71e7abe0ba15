"""Goal checks: shell commands run in the sandbox (exit 0 = pass), their results as values.

A pytest check also writes a JUnit XML report inside the sandbox (through `PYTEST_ADDOPTS`);
it is read back into `CheckResult.tests`, the per-test results by exact node id.
"""

from __future__ import annotations

import base64
import gzip
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from devagent.agent.junit import PYTEST_JUNIT_OPTS, JunitError, parse_junit
from devagent.agent.text import trim
from sandbox import WORKDIR, Sandbox

_FAILING_PATTERNS = (
    # pytest -rA / -q summary and -v lines; parameters in brackets may hold spaces
    re.compile(r"^(?:FAILED|ERROR) (\S+::[^\s\[]+(?:\[.*?\])?)(?: - |\s*$)", re.MULTILINE),
    re.compile(r"^(\S+\.py::[^\s\[]+(?:\[.*?\])?) (?:FAILED|ERROR)", re.MULTILINE),
    re.compile(r"^(?:FAIL|ERROR): (\S+ \([\w.]+\))", re.MULTILINE),  # unittest
    re.compile(r"^\s*--- FAIL: (\S+)", re.MULTILINE),  # go test
    re.compile(r"^test (\S+) \.\.\. FAILED", re.MULTILINE),  # cargo test
    re.compile(r"^\s*not ok \d+ - (.+)$", re.MULTILINE),  # TAP
)


_PYTEST = re.compile(r"(?<![\w-])py\.?test\b")


@dataclass(frozen=True)
class CheckResult:
    """One goal check as run in the sandbox."""

    command: str
    passed: bool
    exit_code: int
    output_tail: str
    failing_ids: tuple[str, ...] = field(default=())
    timed_out: bool = False
    duration_s: float = 0.0
    tests: dict[str, str] = field(default_factory=dict)
    """Node id -> passed/failed/error/skipped, from the JUnit report (pytest checks only)."""
    report: bool = False
    """A JUnit report was read back (an empty `tests` then means no test ran)."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing_ids"] = list(self.failing_ids)
        return data

    @property
    def failed_tests(self) -> list[str]:
        """Ids the report shows failed or in error, in report order."""
        return [t for t, s in self.tests.items() if s in ("failed", "error")]


def failing_ids(output: str, limit: int = 30) -> tuple[str, ...]:
    """Test ids reported as failing by pytest, unittest, go, cargo or TAP output, in order.
    For display only: pytest checks grade from their JUnit report (`CheckResult.tests`)."""
    found: dict[str, None] = {}
    for pattern in _FAILING_PATTERNS:
        for match in pattern.finditer(output):
            found.setdefault(match.group(1).strip(), None)
    return tuple(list(found)[:limit])


def run_checks(
    sandbox: Sandbox, commands: Sequence[str], *, timeout: float = 600.0, tail_chars: int = 3000
) -> list[CheckResult]:
    """Run every check in a fresh shell at the workspace root; never raises on a failing one."""
    results = []
    for command in commands:
        junit = f"/tmp/devagent-junit-{uuid.uuid4().hex[:12]}.xml" if is_pytest(command) else ""
        env = {"PYTEST_ADDOPTS": PYTEST_JUNIT_OPTS.format(path=junit)} if junit else None
        res = sandbox.exec(command, timeout=timeout, cwd=WORKDIR, env=env, session=False)
        tests = read_report(sandbox, junit) if junit else None
        failing = tuple(t for t, s in (tests or {}).items() if s in ("failed", "error"))
        results.append(
            CheckResult(
                command=command,
                passed=res.ok,
                exit_code=res.exit_code,
                output_tail=trim(res.output, tail_chars, head_share=0.2),
                failing_ids=failing[:30] if tests is not None else failing_ids(res.output),
                timed_out=res.timed_out,
                duration_s=round(res.duration_s, 3),
                tests=tests or {},
                report=tests is not None,
            )
        )
    return results


def is_pytest(command: str) -> bool:
    """Whether `command` runs pytest (its per-test results then come from JUnit XML)."""
    return _PYTEST.search(command) is not None


def read_report(sandbox: Sandbox, path: str) -> dict[str, str] | None:
    """The per-test results in the JUnit report at `path` in the sandbox (then removed);
    None when pytest wrote none (it did not start, or the command is not pytest after all)."""
    try:
        data = read_sandbox_file(sandbox, path)
    finally:
        sandbox.exec(f"rm -f {path} {path}.gz", timeout=30, session=False)
    if data is None:
        return None
    try:
        return parse_junit(data)
    except JunitError:
        return None


def read_sandbox_file(sandbox: Sandbox, path: str, chunk: int = 48 * 1024) -> bytes | None:
    """A file's bytes read through commands (compressed, in base64 chunks), so that it works
    on any backend and on tmpfs mounts, which Docker's archive API cannot see; None if absent."""
    sized = sandbox.exec(
        f"test -f {path} && gzip -c {path} > {path}.gz && stat -c %s {path}.gz",
        timeout=60,
        session=False,
    )
    if not sized.ok:
        return None
    size = int(sized.output.split()[-1])
    data = b""
    while len(data) < size:
        part = sandbox.exec(
            f"tail -c +{len(data) + 1} {path}.gz | head -c {chunk} | base64 -w0",
            timeout=60,
            session=False,
        )
        decoded = base64.b64decode(part.output.strip()) if part.ok else b""
        if not decoded:
            return None
        data += decoded
    return gzip.decompress(data)


def score(results: Sequence[CheckResult]) -> tuple[int, int]:
    """Order results: more passing checks first, then fewer failing test ids."""
    failing = sum(len(r.failing_ids) or (0 if r.passed else 1) for r in results)
    return (sum(r.passed for r in results), -failing)


def all_passed(results: Sequence[CheckResult]) -> bool:
    return bool(results) and all(r.passed for r in results)


_SCRIPT_LINE = re.compile(r"^\S+: line \d+: ")
CANNOT_RUN = {126: "cannot be run", 127: "command not found"}
"""Exit codes with which the shell says a command never ran: an environment fault."""


def unrunnable(results: Sequence[CheckResult]) -> CheckResult | None:
    """The first check whose command never ran (exit 126 or 127), if any."""
    return next(
        (r for r in results if r.exit_code in CANNOT_RUN and not r.timed_out and not r.passed),
        None,
    )


def unrunnable_reason(check: CheckResult) -> str:
    """One line naming the command that could not run, its exit code and the shell's word."""
    said = next((line for line in reversed(check.output_tail.splitlines()) if line.strip()), "")
    said = _SCRIPT_LINE.sub("", said)  # bash names the sandbox's script file: noise here
    meaning = CANNOT_RUN.get(check.exit_code, "did not run")
    return (
        f"the goal check `{check.command}` cannot run in the sandbox "
        f"(exit {check.exit_code}: {meaning})" + (f": {said.strip()}" if said else "")
    )
