"""A `devagent ci` solve submitted to a Ray cluster (`--executor ray`): the run happens on a node
with Docker; its patch, result and run folder come back, and delivery stays here."""

from __future__ import annotations

import tempfile
import threading
import time
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
from devagent.commands.preflight import check_request
from devagent.commands.solve import budget_flags, finish, read_issue, with_attempts
from devagent.commands.solvecmd import SolveCommand
from devagent.config import Settings, load_settings
from devagent.pipeline import SolveOutcome
from devagent.usage import UsageEntry, record_run


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
    check_request(args, repo)
    deliver.check_flags(args, repo)
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
    ledger(outcome, repo, spec.model.spec, settings)
    delivered = deliver.deliver(args, repo, outcome, issue_text, forge_issue, console)
    return finish(args, console, outcome, out, delivered)


def ledger(outcome: SolveOutcome, repo: Path, model: str, settings: Settings) -> None:
    """The run's line in the cost ledger (`devagent usage`)."""
    result = outcome.result
    entry = UsageEntry(
        ts=time.time(),
        kind="ci",
        repo=str(repo),
        model=model,
        verdict=result.status,
        tokens=result.usage.total_tokens,
        input_tokens=result.usage.input_tokens,
        output_tokens=result.usage.output_tokens,
        cost_usd=round(result.cost_usd, 6),
        wall_s=round(result.duration_s, 1),
        out=str(outcome.out),
    )
    record_run(settings.cache_dir, entry)
