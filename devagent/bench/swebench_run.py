"""Running SWE-bench instances: evaluating a patch, solving with the agent, exporting our tasks."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from devagent.bench.evaluation import Grading, evaluate, fresh_checkouts
from devagent.bench.gitrepo import clone_at, commit_all, git, materialize
from devagent.bench.grading import Goal
from devagent.bench.report import TaskOutcome
from devagent.bench.runner import BenchJob, BenchOptions, check_outcomes, env_image
from devagent.bench.swebench import SwebenchInstance, SwebenchPrediction, mirror_path
from devagent.bench.task import Task, test_files
from devagent.pipeline import SolveOptions, run_pipeline

EXPORT_OWNER = "devagent-tasks"


def evaluate_patch(
    instance: SwebenchInstance, patch: str, repos: Path, opts: BenchOptions
) -> TaskOutcome:
    """SWE-bench's evaluation, made hard to fool: at `base_commit` with `test_patch` applied the
    FAIL_TO_PASS tests must fail (else `broken`); then `patch` without its test-file changes,
    then `test_patch`; resolved when every FAIL_TO_PASS and PASS_TO_PASS test passes."""
    iid = instance.instance_id
    scratch = Path(tempfile.mkdtemp(prefix="devagent-swe-eval-"))
    try:
        checkout = fresh_checkouts(mirror_path(repos, instance.repo), instance.base_commit, scratch)
        opts.on_update(iid, "image")
        image = instance_image(instance, checkout(), repos, opts)
        opts.on_update(iid, "running the goal tests before and after the patch")
        evaluation = evaluate(checkout, patch, grading_for(instance, image))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    verdict = evaluation.verdict
    return TaskOutcome(
        id=iid,
        status=verdict.status,
        broken=verdict.status == "broken",
        broken_reason=verdict.reason if verdict.status == "broken" else "",
        reason=verdict.reason,
        checks=check_outcomes(evaluation.after),
        prechecks=check_outcomes(evaluation.before),
        patch=patch,
    )


def grading_for(instance: SwebenchInstance, image: str) -> Grading:
    goal = Goal(tuple(instance.FAIL_TO_PASS), tuple(instance.PASS_TO_PASS))
    return Grading(
        checks=instance.goal_checks(), goal=goal, image=image, test_patch=instance.test_patch
    )


def instance_image(instance: SwebenchInstance, tree: Path, repos: Path, opts: BenchOptions) -> str:
    """The instance's environment image, from its dependency manifests at
    `environment_setup_commit` when it names one (else at the base), and its environment spec;
    unpinned dependencies resolved as of the base commit's date."""
    setup = instance.environment_setup_commit
    as_of = git(tree, "show", "-s", "--format=%cI", instance.base_commit).strip()
    if not setup or setup == instance.base_commit:
        return env_image(tree, opts.host, None, env=instance.environment(), as_of=as_of)
    deps = tree.parent / "env-setup"
    clone_at(mirror_path(repos, instance.repo), deps, setup)
    env = instance.environment()
    return env_image(tree, opts.host, None, env=env, as_of=as_of, deps_repo=deps)


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
            image=instance_image(instance, tree, repos, opts),
            cache_dir=opts.cache_dir,
            budget_defaults=opts.budget_defaults,
            secrets=opts.secrets,
            host=opts.host,
            stop=opts.stop,
            listeners=opts.listeners_for(iid),
            on_progress=lambda message: opts.on_update(iid, message),
        )
        result = run_pipeline(solve).result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    evaluated = evaluate_patch(instance, result.patch, repos, opts)
    if evaluated.status == "unresolved" and result.status == "error":
        evaluated = replace(
            evaluated, status="error", reason=f"the agent's run failed: {result.reason}"
        )
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
