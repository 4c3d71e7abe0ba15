"""`devagent solve --resume RUN_DIR`: the solve command an earlier run's folder stands for, and
the refusals that come before any clone (a gone base commit, a budget already spent)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.errors import BudgetExhausted
from devagent.agent.resume import ResumeError, ResumePoint, continue_script, load_resume_point
from devagent.commands.solvecmd import SolveCommand
from devagent.gitcmd import HardenedGit

if TYPE_CHECKING:
    from devagent.pipeline import SolveOptions

FLAG_OF = {
    "steps": "--max-steps",
    "tokens": "--max-tokens",
    "usd": "--max-usd",
    "time": "--max-time",
}


def resumed_command(args: SolveCommand) -> tuple[SolveCommand, ResumePoint]:
    """`args` made to go on from the run in `args.resume`: its repository (unless --repo
    names another place), base commit, image (unless --image), model (unless --model), and
    its folder as the output."""
    assert args.resume is not None
    if args.issue:
        raise ResumeError("--resume takes the issue from the run; give no ISSUE with it")
    if args.out is not None and args.out.resolve() != args.resume.resolve():
        raise ResumeError("--resume writes into RUN_DIR; leave out --out")
    point = load_resume_point(args.resume)
    dirty = args.resume / "dirty.diff"
    if dirty.is_file() and dirty.read_text(encoding="utf-8").strip():
        raise ResumeError(
            "the run started from uncommitted changes (--include-dirty, see dirty.diff); "
            "such a run cannot be resumed yet"
        )
    repo = args.repo if args.repo != "." else str(point.meta.get("repo") or ".")
    base = str(point.meta.get("base") or "")
    if not base:
        raise ResumeError(f"{args.resume}/trajectory.jsonl records no base commit (meta)")
    check_base(repo, base)
    resumed = dataclasses.replace(
        args,
        repo=repo,
        base=base,
        include_dirty=False,  # the recorded patch holds any carried-over changes
        image=args.image or point.meta.get("image"),
        model=args.model or point.model or None,
        out=args.resume,
    )
    return resumed, point


def check_base(repo: str, base: str) -> None:
    """Refuse when the local repository no longer has the run's base commit."""
    path = Path(repo).expanduser()
    if not path.is_dir():
        if "://" in repo or repo.startswith("git@"):
            return  # a remote: the clone will say
        raise ResumeError(f"the run's repository {repo} is gone; point --repo at it")
    git = HardenedGit(work_tree=path.resolve(), trust_global_config=True)
    found = git.run("cat-file", "-e", f"{base}^{{commit}}", check=False)
    if found.returncode != 0:
        raise ResumeError(
            f"the repository at {repo} no longer has the run's base commit {base[:12]} "
            "(history rewritten?): the run cannot be resumed there"
        )


def check_budget(point: ResumePoint, limits: dict[str, Any]) -> None:
    """Refuse when what the run spent already reaches the limits it would go on with."""
    budget = Budget(BudgetConfig.model_validate(limits))
    budget.carry(point.steps, point.usage, point.usd, point.seconds)
    try:
        budget.check()
    except BudgetExhausted as exc:
        raise ResumeError(
            f"the run has used its {exc.kind} budget ({exc.used:g} of {exc.limit:g}); "
            f"resume with a larger one ({FLAG_OF[exc.kind]})"
        ) from exc


def resume_options(opts: SolveOptions, point: ResumePoint) -> SolveOptions:
    """`opts` made to go on from `point`: the run's task and checks, its budget limits under
    the flags, its scripted model after the replies it used. Refuses a spent budget."""
    defaults = {**opts.budget_defaults, **point.budget}
    check_budget(point, {**defaults, **opts.budget})
    continue_script(opts.model, point)
    return dataclasses.replace(
        opts,
        issue=point.task.issue,
        checks=point.task.checks,
        test_command=point.task.test_command,
        budget_defaults=defaults,
        resume=point,
    )
