"""The submit gate when no goal checks are given: no test that passed before the agent started
fails now, and the agent's reproduction tests exist and pass. Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from devagent.agent.testfiles import file_of


@dataclass(frozen=True)
class GateVerdict:
    """Whether the run may end as solved, and why not."""

    passed: bool
    regressed: list[str] = field(default_factory=list)
    """Tests that passed before the agent started and do not pass now."""
    repro: list[str] = field(default_factory=list)
    """The agent's reproduction tests: new ids, and tests in test files it changed that did not
    pass before and pass now."""
    repro_failing: list[str] = field(default_factory=list)
    """New tests that do not pass."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def regression_gate(
    baseline: Mapping[str, str], now: Mapping[str, str], changed_test_files: Collection[str]
) -> GateVerdict:
    """Judge the suite's per-test results `now` against the `baseline` run before any change.
    An id absent from `now` counts as not passing."""
    regressed = [t for t, s in baseline.items() if s == "passed" and now.get(t) != "passed"]
    new = [t for t in now if t not in baseline]
    fixed = [
        t
        for t, s in now.items()
        if t in baseline and baseline[t] != "passed" and s == "passed"
        if file_of(t) in changed_test_files
    ]
    failing = [t for t in new if now[t] != "passed"]
    repro = [*new, *fixed]
    return GateVerdict(
        passed=not regressed and bool(repro) and not failing,
        regressed=regressed,
        repro=repro,
        repro_failing=failing,
    )
