"""Running SWE-bench instances: evaluating a patch, solving with the agent, exporting our tasks."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from devagent.agent.checks import all_passed, run_checks
from devagent.bench.gitrepo import BenchGitError, apply, clone_at, commit_all, git, materialize
from devagent.bench.report import TaskOutcome
from devagent.bench.runner import BenchJob, BenchOptions, check_outcomes, env_image
from devagent.bench.swebench import SwebenchInstance, SwebenchPrediction, mirror_path
from devagent.bench.task import Task
from devagent.pipeline import SolveOptions, run_solve
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox

EXPORT_OWNER = "devagent-tasks"
CHECK_TIMEOUT_S = 600.0


def evaluate_patch(
    instance: SwebenchInstance, patch: str, repos: Path, opts: BenchOptions
) -> TaskOutcome:
    """SWE-bench's evaluation: at `base_commit`, apply `patch` then `test_patch`, run the
    FAIL_TO_PASS and PASS_TO_PASS selections in a sandbox; resolved when both pass."""
    iid = instance.instance_id
    if not patch.strip():
        return TaskOutcome(id=iid, status="unresolved", reason="empty patch")
    scratch = Path(tempfile.mkdtemp(prefix="devagent-swe-eval-"))
    try:
        tree = scratch / "repo"
        clone_at(mirror_path(repos, instance.repo), tree, instance.base_commit)
        try:
            apply(tree, patch)
        except BenchGitError as exc:
            return TaskOutcome(
                id=iid, status="unresolved", reason=f"patch does not apply: {exc}", patch=patch
            )
        apply(tree, instance.test_patch)
        opts.on_update(iid, "image")
        image = env_image(tree, opts.host, None)
        opts.on_update(iid, "running FAIL_TO_PASS and PASS_TO_PASS")
        with DockerSandbox(SandboxConfig(image=image, workspace=tree)) as sandbox:
            results = run_checks(sandbox, instance.goal_checks(), timeout=CHECK_TIMEOUT_S)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    resolved = all_passed(results)
    return TaskOutcome(
        id=iid,
        status="resolved" if resolved else "unresolved",
        reason="the goal checks passed" if resolved else "a goal check failed",
        checks=check_outcomes(results),
        patch=patch,
    )


def solve_instance(instance: SwebenchInstance, repos: Path, opts: BenchOptions) -> TaskOutcome:
    """The agent works on a clone at `base_commit` without the test patch (as in SWE-bench);
    its patch is then evaluated by `evaluate_patch`."""
    iid = instance.instance_id
    scratch = Path(tempfile.mkdtemp(prefix="devagent-swe-solve-"))
    try:
        tree = scratch / "repo"
        clone_at(mirror_path(repos, instance.repo), tree, instance.base_commit)
        solve = SolveOptions(
            issue=instance.problem_statement or f"Resolve {iid}.",
            repo=tree,
            out=opts.out / "runs" / iid,
            model=opts.model_for(instance),
            test_command=instance.devagent_test_command,
            image=env_image(tree, opts.host, None),
            cache_dir=opts.cache_dir,
            secrets=opts.secrets,
            host=opts.host,
            stop=opts.stop,
            on_progress=lambda message: opts.on_update(iid, message),
        )
        result = run_solve(solve).result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    evaluated = evaluate_patch(instance, result.patch, repos, opts)
    return replace(
        evaluated,
        agent_status=result.status,
        steps=result.steps,
        tokens=result.usage.total_tokens,
        cost_usd=round(result.cost_usd, 6),
    )


def prediction_jobs(
    instances: Sequence[SwebenchInstance],
    predictions: dict[str, SwebenchPrediction],
    repos: Path,
    opts: BenchOptions,
) -> list[BenchJob]:
    """One evaluation job per instance that has a prediction."""
    return [
        BenchJob(
            i.instance_id,
            partial(evaluate_patch, i, predictions[i.instance_id].model_patch or "", repos, opts),
        )
        for i in instances
        if i.instance_id in predictions
    ]


def agent_jobs(
    instances: Sequence[SwebenchInstance], repos: Path, opts: BenchOptions
) -> list[BenchJob]:
    return [BenchJob(i.instance_id, partial(solve_instance, i, repos, opts)) for i in instances]


def test_files(task: Task) -> list[str]:
    """The repo files holding the task's tests: pytest ids' and Node ids' files; Go's *_test.go."""
    if task.config.language == "go":
        return sorted(str(p.relative_to(task.repo_dir)) for p in task.repo_dir.rglob("*_test.go"))
    ids = [*task.config.fail_to_pass, *task.config.pass_to_pass]
    return sorted({test_id.split("::")[0] for test_id in ids})


def export_task(task: Task, repos: Path) -> SwebenchInstance:
    """Mirror `task` into `repos/devagent-tasks__<id>` as a repository whose base commit lacks
    the test files, and describe it as an instance whose `test_patch` adds them back."""
    mirror = repos / f"{EXPORT_OWNER}__{task.id}"
    if mirror.exists():
        shutil.rmtree(mirror)
    materialize(task.repo_dir, mirror, message=f"{task.id}: the project")
    files = test_files(task)
    git(mirror, "rm", "-q", "--", *files)
    base = commit_all(mirror, f"{task.id}: base (without the goal tests)")
    git(mirror, "checkout", "-q", "HEAD~1", "--", *files)
    test_patch = git(mirror, "diff", "--cached", "--binary", base)
    git(mirror, "reset", "-q", "--hard", base)
    cfg = task.config
    return SwebenchInstance(
        instance_id=f"{EXPORT_OWNER}__{task.id}",
        repo=f"{EXPORT_OWNER}/{task.id}",
        base_commit=base,
        patch=task.solution_patch.read_text(encoding="utf-8"),
        test_patch=test_patch,
        problem_statement=task.issue,
        FAIL_TO_PASS=list(cfg.fail_to_pass),
        PASS_TO_PASS=list(cfg.pass_to_pass),
        devagent_test_select_command=cfg.test_select_command,
        devagent_test_separator=cfg.test_separator,
    )
