"""Verdicts from per-test results before and after a patch. Pure: the runs themselves happen in
`evaluation.py`.

A task is graded only when it is sound: before the change its goal tests (FAIL_TO_PASS) fail
and its PASS_TO_PASS tests pass (else `broken`), and the tests can run at all (else `error`).
After the change every goal test and every PASS_TO_PASS test must pass: `resolved`, else
`unresolved`. Results are per test when the check wrote a JUnit report (pytest); other checks
(node, go) are judged by their exit code, one command for each group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devagent.agent.checks import CheckResult, is_pytest
from devagent.agent.junit import test_status

SHOWN_IDS = 8
"""Test ids named in a verdict's reason, at most."""
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


@dataclass(frozen=True)
class Goal:
    """What a task grades: its goal tests and the tests that must keep passing."""

    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """`resolved`, `unresolved`, `broken` or `error`, with the reason in one line."""

    status: str
    reason: str


def _groups(
    results: Sequence[CheckResult], goal: Goal
) -> list[tuple[CheckResult, tuple[str, ...]]]:
    """(check, its ids): the first check runs FAIL_TO_PASS, the second PASS_TO_PASS."""
    ids = [goal.fail_to_pass, goal.pass_to_pass]
    return [(r, tuple(i)) for r, i in zip(results, ids, strict=False)]


def _named(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def environment_problem(results: Sequence[CheckResult], tree: Path | None) -> str:
    """Why the tests could not run at all ('' when they ran): pytest wrote no report, or a
    module that is not the project's own is missing."""
    for result in results:
        missing = _foreign_missing_module(result.output_tail, tree)
        if missing and (not result.report or _collection_errors(result)):
            return f"the environment lacks the module {missing!r} the tests import"
        if is_pytest(result.command) and not result.report:
            why = "timed out" if result.timed_out else f"exit {result.exit_code}"
            return f"pytest could not run the tests ({why}): {_last_line(result.output_tail)}"
    return ""


def _foreign_missing_module(output: str, tree: Path | None) -> str:
    """The first missing module named in `output` that is not part of the project in `tree`."""
    for match in _NO_MODULE.finditer(output):
        top = match.group(1).split(".")[0]
        own = tree is not None and any(
            (base / top).exists() or (base / f"{top}.py").exists() for base in (tree, tree / "src")
        )
        if not own:
            return match.group(1)
    return ""


def _collection_errors(result: CheckResult) -> list[str]:
    return [t for t, s in result.tests.items() if s == "error" and "::" not in t]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def judge_before(
    results: Sequence[CheckResult], goal: Goal, tree: Path | None = None
) -> Verdict | None:
    """`broken` or `error` from the checks run before any change; None when the task is sound."""
    if len(results) < (2 if goal.pass_to_pass else 1):
        return Verdict("error", "the goal checks did not run before the change")
    problem = environment_problem(results, tree)
    if problem:
        return Verdict("error", f"before the change, {problem}")
    (f2p, f2p_ids), *rest = _groups(results, goal)
    if f2p.report:
        passing = [t for t in f2p_ids if test_status(f2p.tests, t) == "passed"]
        if passing:
            return Verdict(
                "broken", f"goal tests already pass before the change: {_named(passing)}"
            )
    elif f2p.passed:
        return Verdict("broken", "the goal check already passes before the change")
    for p2p, p2p_ids in rest:
        if p2p.report:
            failing = [t for t in p2p_ids if test_status(p2p.tests, t) not in ("passed", "skipped")]
            if failing and _collection_errors(p2p):
                errors = _named(_collection_errors(p2p))
                return Verdict("error", f"before the change, tests cannot be collected: {errors}")
            if failing:
                return Verdict(
                    "broken", f"PASS_TO_PASS tests fail before the change: {_named(failing)}"
                )
        elif not p2p.passed:
            return Verdict(
                "broken", f"the PASS_TO_PASS check fails before the change (exit {p2p.exit_code})"
            )
    return None


def judge_after(
    before: Sequence[CheckResult],
    after: Sequence[CheckResult],
    goal: Goal,
    tree: Path | None = None,
) -> Verdict:
    """`resolved` when every goal and PASS_TO_PASS test passes after the change, `error` when
    the environment could not run them before it either, else `unresolved` naming what did not
    pass (a patch importing a package the environment lacks included)."""
    if len(after) < (2 if goal.pass_to_pass else 1):
        return Verdict("error", "the goal checks did not run after the change")
    problem = environment_problem(after, tree)
    if problem.startswith("the environment") and environment_problem(before, tree):
        return Verdict("error", f"after the change, {problem}")  # it was missing before too
    if problem:  # the tests ran before the change: what stops them now is the patch's doing
        return Verdict("unresolved", f"after the change, {problem}")
    not_passing: list[str] = []
    for index, (result, ids) in enumerate(_groups(after, goal)):
        earlier = before[index] if index < len(before) else None
        if not result.report:
            not_passing += (
                [] if result.passed else [f"`{result.command}` (exit {result.exit_code})"]
            )
            continue
        for test_id in ids:
            status = test_status(result.tests, test_id)
            was = test_status(earlier.tests, test_id) if earlier is not None else "missing"
            still_skipped = index == 1 and status == was == "skipped"
            if status != "passed" and not still_skipped:
                not_passing.append(f"{test_id} ({status})")
    if not_passing:
        return Verdict("unresolved", f"not passing after the change: {_named(not_passing)}")
    return Verdict("resolved", "every goal and PASS_TO_PASS test passes")
