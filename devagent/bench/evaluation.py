"""Grading one patch in a fresh sandbox: the goal tests before it, then on base + the patch
without its test-file changes + the hidden tests, judged per test by `grading`."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devagent.agent.checks import CheckResult, run_checks
from devagent.agent.testfiles import patch_paths, strip_test_changes, test_file_rule
from devagent.assembly import sandbox_config
from devagent.bench.gitrepo import BenchGitError, apply, clone_at
from devagent.bench.grading import Goal, Verdict, judge_after, judge_before
from sandbox.docker import DockerSandbox

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 600.0
Checkout = Callable[[], Path]
"""Makes a fresh checkout of the base commit and returns its path."""


@dataclass(frozen=True)
class Grading:
    """One patch's grading: what to run and which files the patch may not change."""

    checks: Sequence[str]
    """[FAIL_TO_PASS selection, PASS_TO_PASS selection (when there are any)]."""
    goal: Goal
    image: str
    test_patch: str = ""
    """The hidden tests, applied after the patch (SWE-bench); '' when the base holds them."""
    protected: Collection[str] = ()
    """Test files whose changes in the patch are dropped (besides those the test patch touches
    and test files by naming convention)."""
    timeout: float = CHECK_TIMEOUT_S


@dataclass(frozen=True)
class Evaluation:
    verdict: Verdict
    before: list[CheckResult] = field(default_factory=list)
    after: list[CheckResult] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    """Test files the patch changed; their changes were not graded."""


def evaluate(
    checkout: Checkout, patch: str, grading: Grading, before: Sequence[CheckResult] | None = None
) -> Evaluation:
    """Grade `patch`. `checkout()` gives a fresh checkout of the base commit for each sandbox
    (a tree a container has touched is never used again, nor read by host git).
    `before`: the goal checks already run at the base (with the hidden tests); else run here."""
    if before is None:
        tree = checkout()
        problem = _apply(tree, grading.test_patch, "the test patch does not apply to the base")
        if problem:
            return Evaluation(problem)
        before = _run(tree, grading)
        broken = judge_before(before, grading.goal, tree)
    else:
        broken = judge_before(before, grading.goal, checkout())
    if broken is not None:
        return Evaluation(broken, list(before))
    protected = {*grading.protected, *patch_paths(grading.test_patch)}
    graded, dropped = strip_test_changes(patch, test_file_rule(protected))
    if dropped:
        log.info("not graded, test files the patch changes: %s", ", ".join(dropped))
    if not graded.strip():
        why = "the patch changes only test files" if dropped else "empty patch"
        return Evaluation(Verdict("unresolved", why), list(before), dropped=dropped)
    tree = checkout()
    try:
        apply(tree, graded)
    except BenchGitError as exc:
        reason = f"patch does not apply: {exc}"
        return Evaluation(Verdict("unresolved", reason), list(before), dropped=dropped)
    problem = _apply(tree, grading.test_patch, "the test patch does not apply after the patch")
    if problem:
        return Evaluation(problem, list(before), dropped=dropped)
    after = _run(tree, grading)
    verdict = judge_after(before, after, grading.goal, tree)
    return Evaluation(verdict, list(before), after, dropped)


def _apply(tree: Path, patch: str, failure: str) -> Verdict | None:
    try:
        apply(tree, patch)
    except BenchGitError as exc:
        return Verdict("error", f"{failure}: {exc}")
    return None


def _run(tree: Path, grading: Grading) -> list[CheckResult]:
    """The goal checks in a new sandbox over `tree`."""
    config = sandbox_config(grading.image, tree)
    with DockerSandbox(config) as sandbox:
        return run_checks(sandbox, grading.checks, timeout=grading.timeout)


def fresh_checkouts(mirror: Path, commit: str, scratch: Path) -> Checkout:
    """A `Checkout` cloning `mirror` at `commit` into a new directory under `scratch` each call."""
    count = itertools.count(1)

    def checkout() -> Path:
        tree = scratch / f"tree-{next(count)}"
        clone_at(mirror, tree, commit)
        return tree

    return checkout
