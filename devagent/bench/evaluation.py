"""Grading one patch in a fresh sandbox: the goal tests before it, then on base + the patch
without its test-file changes + the hidden tests, judged per test by `grading`."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devagent.agent.checks import CheckResult, run_checks
from devagent.bench.gitrepo import BenchGitError, apply, git
from devagent.bench.grading import (
    Goal,
    Verdict,
    judge_after,
    judge_before,
    patch_paths,
    strip_test_changes,
    test_file_rule,
)
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 600.0
SANDBOX_ENV = {"PYTHONDONTWRITEBYTECODE": "1"}


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
    tree: Path, patch: str, grading: Grading, before: Sequence[CheckResult] | None = None
) -> Evaluation:
    """Grade `patch` on `tree` (a git checkout at the base commit, left at the base when done).
    `before`: the goal checks already run at the base (with the hidden tests); else run here."""
    try:
        with _Runner(tree, grading) as runner:
            return _evaluate(tree, patch, grading, runner, before)
    finally:
        _reset(tree)


def _evaluate(
    tree: Path,
    patch: str,
    grading: Grading,
    runner: _Runner,
    before: Sequence[CheckResult] | None,
) -> Evaluation:
    if before is None:
        problem = _apply(tree, grading.test_patch, "the test patch does not apply to the base")
        if problem:
            return Evaluation(problem)
        before = runner.run()
        _reset(tree)
    broken = judge_before(before, grading.goal, tree)
    if broken is not None:
        return Evaluation(broken, list(before))
    protected = {*grading.protected, *patch_paths(grading.test_patch)}
    graded, dropped = strip_test_changes(patch, test_file_rule(protected))
    if dropped:
        log.info("not graded, test files the patch changes: %s", ", ".join(dropped))
    if not graded.strip():
        why = "the patch changes only test files" if dropped else "empty patch"
        return Evaluation(Verdict("unresolved", why), list(before), dropped=dropped)
    try:
        apply(tree, graded)
    except BenchGitError as exc:
        reason = f"patch does not apply: {exc}"
        return Evaluation(Verdict("unresolved", reason), list(before), dropped=dropped)
    problem = _apply(tree, grading.test_patch, "the test patch does not apply after the patch")
    if problem:
        return Evaluation(problem, list(before), dropped=dropped)
    after = runner.run()
    verdict = judge_after(before, after, grading.goal, tree)
    return Evaluation(verdict, list(before), after, dropped)


def _apply(tree: Path, patch: str, failure: str) -> Verdict | None:
    try:
        apply(tree, patch)
    except BenchGitError as exc:
        return Verdict("error", f"{failure}: {exc}")
    return None


def _reset(tree: Path) -> None:
    git(tree, "reset", "-q", "--hard", "HEAD")
    git(tree, "clean", "-fdq")


class _Runner:
    """Runs the goal checks in one sandbox over `tree`, started on first use."""

    def __init__(self, tree: Path, grading: Grading) -> None:
        self.grading = grading
        self.config = SandboxConfig(image=grading.image, workspace=tree, env=SANDBOX_ENV)
        self.sandbox: DockerSandbox | None = None

    def run(self) -> list[CheckResult]:
        if self.sandbox is None:
            self.sandbox = DockerSandbox(self.config).start()
        return run_checks(self.sandbox, self.grading.checks, timeout=self.grading.timeout)

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
