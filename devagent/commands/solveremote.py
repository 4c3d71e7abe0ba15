"""A `devagent ci` solve submitted to a Ray cluster (`--executor ray`): the run happens on a node
with Docker; its patch, result and run folder come back, and delivery stays here."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from devagent.agent.signals import stop_on_signals
from devagent.bench.gitrepo import git
from devagent.bench.jobspec import JobEvent, unpack_folder
from devagent.bench.rayexec import RayConfig, RayExecutor
from devagent.bench.remotesolve import SolveSpec, bundle_repo, solve_here
from devagent.commands import deliver
from devagent.commands.benchexec import model_choice
from devagent.commands.solve import (
    budget_flags,
    check_before_work,
    finish,
    read_issue,
    record_usage,
    with_attempts,
)
from devagent.commands.solvecmd import SolveCommand
from devagent.config import Settings, load_settings


def solve_spec(args: SolveCommand, settings: Settings, repo: Path, issue: str) -> SolveSpec:
    """The solve as plain data: the settings resolved here, the repository as a bundle of its
    HEAD, the model by name (its keys are the node's)."""
    return SolveSpec(
        issue=issue,
        bundle=bundle_repo(repo),
        base=git(repo, "rev-parse", f"{args.base or 'HEAD'}^{{commit}}").strip(),
        model=model_choice(args, settings),
        checks=(*args.test, *settings.test_commands),
        budget=budget_flags(args),
        budget_defaults=settings.budget.model_dump(),
        agent=with_attempts(settings.agent, args.attempts).model_dump(),
        image=settings.image,
        environment=settings.environment.model_dump() if settings.environment else None,
        network=bool(settings.network),
    )


def execute_remote(args: SolveCommand, config: RayConfig, console: Console) -> int:
    """Run the solve on the cluster, then deliver here; the exit code as `solve`'s."""
    repo = Path(args.repo).resolve()
    check_before_work(args, repo)
    settings = load_settings(
        {"model": args.model, "image": args.image, "network": args.network}, repo
    )
    issue_text, forge_issue = read_issue(args.issue, args.github_api_url)
    out = args.out or Path(tempfile.mkdtemp(prefix="devagent-run-"))
    spec = solve_spec(args, settings, repo, issue_text)
    diagnostics = Console(stderr=True, soft_wrap=True)
    stop = threading.Event()

    def said(event: JobEvent) -> None:
        if not (args.json or args.quiet):
            where = f" on node {event.node[:8]}" if event.kind == "started" else ""
            diagnostics.print(f"[dim]{event.message or event.kind}{where}[/]", highlight=False)

    with stop_on_signals(stop):
        returned = RayExecutor(config).call(solve_here, spec, said, stop)
    unpack_folder(returned.run_folder, out)
    result = replace(returned.outcome.result, trajectory_path=out / "trajectory.jsonl")
    outcome = replace(returned.outcome, result=result, out=out)
    record_usage(settings.cache_dir, "ci", repo, spec.model.spec, outcome.result, out)
    delivered = deliver.deliver(args, repo, outcome, issue_text, forge_issue, console)
    return finish(args, console, outcome, out, delivered)
