"""Goal checks: shell commands run in the sandbox (exit 0 = pass), their results as values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from devagent.agent.text import trim
from sandbox import WORKDIR, Sandbox

_FAILING_PATTERNS = (
    re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.MULTILINE),  # pytest -rA / -q summary
    re.compile(r"^(\S+\.py::\S+) (?:FAILED|ERROR)", re.MULTILINE),  # pytest -v
    re.compile(r"^(?:FAIL|ERROR): (\S+ \([\w.]+\))", re.MULTILINE),  # unittest
    re.compile(r"^\s*--- FAIL: (\S+)", re.MULTILINE),  # go test
    re.compile(r"^test (\S+) \.\.\. FAILED", re.MULTILINE),  # cargo test
    re.compile(r"^\s*not ok \d+ - (.+)$", re.MULTILINE),  # TAP
)


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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing_ids"] = list(self.failing_ids)
        return data


def failing_ids(output: str, limit: int = 30) -> tuple[str, ...]:
    """Test ids reported as failing by pytest, unittest, go, cargo or TAP output, in order."""
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
        res = sandbox.exec(command, timeout=timeout, cwd=WORKDIR, session=False)
        results.append(
            CheckResult(
                command=command,
                passed=res.ok,
                exit_code=res.exit_code,
                output_tail=trim(res.output, tail_chars, head_share=0.2),
                failing_ids=failing_ids(res.output),
                timed_out=res.timed_out,
                duration_s=round(res.duration_s, 3),
            )
        )
    return results


def score(results: Sequence[CheckResult]) -> tuple[int, int]:
    """Order results: more passing checks first, then fewer failing test ids."""
    failing = sum(len(r.failing_ids) or (0 if r.passed else 1) for r in results)
    return (sum(r.passed for r in results), -failing)


def all_passed(results: Sequence[CheckResult]) -> bool:
    return bool(results) and all(r.passed for r in results)
