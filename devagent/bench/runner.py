"""Running bundled tasks through the real solve path, N at a time, into `results.jsonl`."""

from __future__ import annotations

import logging
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from devagent.agent.checks import CheckResult
from devagent.agent.task import RunResult
from devagent.agent.trajectory import Listener
from devagent.bench.evaluation import Evaluation, Grading, evaluate, fresh_checkouts
from devagent.bench.gitrepo import materialize
from devagent.bench.grading import Goal
from devagent.bench.report import (
    RESULTS_FILE,
    CheckOutcome,
    TaskOutcome,
    append_result,
    read_results,
    write_report,
)
from devagent.bench.task import Task, test_files
from devagent.errors import DevagentError
from devagent.llm.types import Model
from devagent.pages.bench import write_bench_page
from devagent.pipeline import SolveOptions, run_pipeline
from devagent.usage import UsageEntry, record_run
from sandbox.envspec import EnvironmentSpec
from sandbox.errors import SandboxError
from sandbox.hostconfig import HostIndexConfig
from sandbox.images import ensure_base_image, ensure_env_image

log = logging.getLogger(__name__)

CHECK_NAMES = ("fail_to_pass", "pass_to_pass")
_IMAGE_LOCK = threading.Lock()
"""Image builds run one at a time: two tasks sharing an environment build it once."""

OnUpdate = Callable[[str, str], None]
"""(task id, what it is doing or how it ended)."""
OnOutcome = Callable[[TaskOutcome, bool], None]
"""(a task's outcome, whether it was resumed from an earlier run's results)."""


@dataclass
class BenchOptions:
    """One bench run. `model_for` makes a fresh model per task (scripted models are stateful)."""

    out: Path
    model_for: Callable[[Any], Model]
    """Given the `Task` (or SWE-bench instance) to solve."""
    model_name: str
    jobs: int = 1
    resume: bool = False
    host: HostIndexConfig | None = None
    cache_dir: Path | None = None
    budget_defaults: dict[str, Any] = field(default_factory=dict)
    """The settings' budget; a task's `[budget]` overrides what it sets."""
    secrets: Sequence[str] = ()
    """Values scrubbed from trajectories and reports."""
    stop: threading.Event = field(default_factory=threading.Event)
    on_update: OnUpdate = lambda task_id, message: None
    on_outcome: OnOutcome = lambda outcome, resumed: None
    listeners_for: Callable[[str], Sequence[Listener]] = lambda task_id: ()
    """The trajectory listeners of a task's run (e.g. its event stream), given its id."""
    on_graded: Callable[[TaskOutcome], None] = lambda outcome: None
    """Also told each outcome of this run as it is graded (the event stream; called from the
    worker threads)."""


@dataclass(frozen=True)
class BenchRun:
    outcomes: list[TaskOutcome]
    """Every selected task's outcome, this run's and resumed ones, sorted by id."""
    skipped: list[str]
    """Task ids taken from an earlier run's results.jsonl (`--resume`)."""
    wall_s: float


def goal_checks(task: Task) -> list[str]:
    """[the fail_to_pass selection, the pass_to_pass selection], kept apart for the report."""
    cfg = task.config
    return [cfg.select_command(cfg.fail_to_pass), cfg.select_command(cfg.pass_to_pass)]


def check_outcomes(results: Sequence[CheckResult]) -> list[CheckOutcome]:
    return [
        CheckOutcome(name, r.command, r.passed, r.exit_code, list(r.failing_ids), dict(r.tests))
        for name, r in zip(CHECK_NAMES, results, strict=False)
    ]


def judge(task_id: str, result: RunResult, evaluation: Evaluation) -> TaskOutcome:
    """A solve's outcome as a bench result: the grading's verdict on its patch (a run that
    ended in an error with a patch that does not resolve is an `error`)."""
    status, reason = evaluation.verdict.status, evaluation.verdict.reason
    if status == "unresolved" and result.status == "error":
        status, reason = "error", f"the agent's run failed: {result.reason}"
    return TaskOutcome(
        id=task_id,
        status=status,
        broken=status == "broken",
        broken_reason=reason if status == "broken" else "",
        agent_status=result.status,
        reason=reason,
        checks=check_outcomes(evaluation.after),
        prechecks=check_outcomes(evaluation.before),
        steps=result.steps,
        tokens=result.usage.total_tokens,
        cost_usd=round(result.cost_usd, 6),
        patch=result.patch,
    )


def grading_for(task: Task, image: str) -> Grading:
    """How a bundled task's patch is graded: its F2P/P2P selections; the agent's changes to the
    files holding those tests (and to any test file) are not graded."""
    cfg = task.config
    goal = Goal(tuple(cfg.fail_to_pass), tuple(cfg.pass_to_pass))
    return Grading(checks=goal_checks(task), goal=goal, image=image, protected=test_files(task))


def env_image(
    repo: Path,
    host: HostIndexConfig | None,
    image: str | None,
    env: EnvironmentSpec | None = None,
    as_of: str | None = None,
    deps_repo: Path | None = None,
) -> str:
    """The task's sandbox image, built (one build at a time) or reused. `env` is the task's
    [environment], `as_of` dates its dependencies, `deps_repo` gives its manifests."""
    if image:
        return image
    with _IMAGE_LOCK:
        ensure_base_image(host=host)
        return ensure_env_image(repo, env=env, as_of=as_of, deps_repo=deps_repo, host=host)


def run_task(task: Task, opts: BenchOptions) -> TaskOutcome:
    """Solve one bundled task in its own sandbox, with its goal checks run before and after."""
    scratch = Path(tempfile.mkdtemp(prefix=f"devagent-bench-{task.id}-"))
    try:
        repo = scratch / "repo"
        materialize(task.repo_dir, repo, message=f"{task.id}: before the fix")
        opts.on_update(task.id, "image")
        image = env_image(repo, opts.host, task.config.image, task.config.environment)
        solve = SolveOptions(
            issue=task.issue,
            repo=repo,
            out=opts.out / "runs" / task.id,
            model=opts.model_for(task),
            checks=goal_checks(task),
            test_command=task.config.test_command,
            budget=task.config.budget.overrides(),
            budget_defaults=opts.budget_defaults,
            image=image,
            environment=task.config.environment,
            cache_dir=opts.cache_dir,
            secrets=opts.secrets,
            host=opts.host,
            stop=opts.stop,
            listeners=opts.listeners_for(task.id),
            on_progress=lambda message: opts.on_update(task.id, message),
        )
        outcome = run_pipeline(solve)
        opts.on_update(task.id, "grading the patch in a fresh sandbox")
        checkout = fresh_checkouts(repo, outcome.base, scratch)
        grading = grading_for(task, image)
        evaluation = evaluate(checkout, outcome.result.patch, grading, outcome.prechecks)
        return judge(task.id, outcome.result, evaluation)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class BenchJob:
    """One unit of a bench run: an id and the call that produces its outcome."""

    id: str
    run: Callable[[], TaskOutcome]


def run_bench(tasks: Sequence[Task], opts: BenchOptions) -> BenchRun:
    """Run bundled `tasks` (see `run_jobs`)."""
    return run_jobs([BenchJob(t.id, partial(run_task, t, opts)) for t in tasks], opts)


def _guarded(job: BenchJob, opts: BenchOptions) -> TaskOutcome:
    """Run a job; broken infrastructure becomes an `error` outcome so the other jobs go on."""
    started, started_at = time.monotonic(), time.time()
    if opts.stop.is_set():
        return TaskOutcome(id=job.id, status="error", reason="interrupted before start")
    try:
        outcome = job.run()
    except (DevagentError, SandboxError) as exc:
        log.warning("task %s failed: %s", job.id, exc)
        outcome = TaskOutcome(id=job.id, status="error", reason=f"{type(exc).__name__}: {exc}")
    wall = round(time.monotonic() - started, 2)
    worker = threading.current_thread().name.rpartition("_")[2]
    return replace(
        outcome,
        wall_s=wall,
        model=opts.model_name,
        started_at=round(started_at, 3),
        worker=worker,
        node=platform.node(),
    )


def ledger_entry(outcome: TaskOutcome, out: Path) -> UsageEntry:
    """A bench task's line in the cost ledger: its graded status is the verdict."""
    return UsageEntry(
        ts=time.time(),
        kind="bench",
        repo=outcome.id,
        model=outcome.model,
        verdict=outcome.status,
        tokens=outcome.tokens,
        cost_usd=outcome.cost_usd,
        wall_s=outcome.wall_s,
        out=str(out / "runs" / outcome.id),
    )


def write_page(out: Path, outcomes: Sequence[TaskOutcome], **kwargs: Any) -> None:
    """OUT/report.html after the other files; a page that cannot be written is a warning."""
    try:
        write_bench_page(out, outcomes, **kwargs)
    except OSError as exc:
        log.warning("the bench page could not be written in %s: %s", out, exc)


def earlier_outcomes(ids: Sequence[str], opts: BenchOptions) -> dict[str, TaskOutcome]:
    """With `resume`, the outcomes of `ids` already in results.jsonl (told to the callbacks as
    resumed); without, {} and an emptied results.jsonl."""
    opts.out.mkdir(parents=True, exist_ok=True)
    results_path = opts.out / RESULTS_FILE
    if not opts.resume:
        results_path.write_text("", encoding="utf-8")
        return {}
    wanted = set(ids)
    earlier = {o.id: o for o in read_results(results_path) if o.id in wanted}
    for task_id in earlier:
        opts.on_update(task_id, f"skipped: {earlier[task_id].status} in an earlier run")
        opts.on_outcome(earlier[task_id], True)
    return earlier


def record_outcome(outcome: TaskOutcome, opts: BenchOptions) -> None:
    """A fresh outcome's line in results.jsonl and the ledger (the caller serialises), then
    the callbacks."""
    if outcome.reason != "interrupted before start":
        append_result(opts.out / RESULTS_FILE, outcome)
        record_run(opts.cache_dir, ledger_entry(outcome, opts.out))
    opts.on_update(outcome.id, f"done: {outcome.status} · {outcome.steps} steps")
    opts.on_outcome(outcome, False)
    opts.on_graded(outcome)


def finish_run(
    earlier: dict[str, TaskOutcome], fresh: Sequence[TaskOutcome], opts: BenchOptions, wall: float
) -> BenchRun:
    """report.md and the page over every job, this run's and resumed ones."""
    outcomes = sorted([*earlier.values(), *fresh], key=lambda o: o.id)
    write_report(opts.out, outcomes, model=opts.model_name, wall_s=wall, jobs=opts.jobs)
    write_page(opts.out, outcomes, model=opts.model_name, wall_s=wall, jobs=opts.jobs)
    return BenchRun(outcomes=outcomes, skipped=sorted(earlier), wall_s=round(wall, 2))


def run_jobs(jobs: Sequence[BenchJob], opts: BenchOptions) -> BenchRun:
    """Run `jobs` with `opts.jobs` workers; append each outcome to results.jsonl as it ends
    (with `resume`, ids already there are skipped), then write report.md over every job."""
    started = time.monotonic()
    earlier = earlier_outcomes([j.id for j in jobs], opts)
    lock = threading.Lock()

    def work(job: BenchJob) -> TaskOutcome:
        outcome = _guarded(job, opts)
        with lock:
            record_outcome(outcome, opts)
        return outcome

    with ThreadPoolExecutor(max(1, opts.jobs), thread_name_prefix="bench-worker") as pool:
        fresh = list(pool.map(work, [j for j in jobs if j.id not in earlier]))
    return finish_run(earlier, fresh, opts, time.monotonic() - started)
