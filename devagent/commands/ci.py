"""`devagent ci`: inside a GitHub Actions job, solve the labelled issue and propose a PR.

Only an `issues`/`labeled` event for the devagent label, added by someone with write access,
starts a run; the sandbox keeps its network off and never receives a token or key.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from rich.console import Console

from devagent.commands import solve
from devagent.commands.benchexec import add_executor_flags, check_executor_flags
from devagent.commands.flags import epilog
from devagent.commands.solvecmd import DEFAULT_AUTHOR, SolveCommand
from devagent.errors import DevagentError
from devagent.forge.actions import DEFAULT_LABEL, authorize, check_sandbox_isolation, parse_event
from devagent.forge.github import DEFAULT_API_URL, GitHubClient

EXAMPLES = """
devagent ci                                  in a job on `issues: [labeled]` (see docs)
devagent ci --label devagent --max-usd 2     a lower cost limit
devagent ci --test 'pytest -q' --json        a goal check; the result as JSON
devagent ci --executor ray --address HEAD:6379   the solve on a cluster node; the PR from here"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "ci",
        help="GitHub Actions: solve the labelled issue and open a PR",
        epilog=epilog(EXAMPLES),
    )
    p.add_argument("--label", default=DEFAULT_LABEL, help="the label that starts a run")
    p.add_argument("--repo", default=".", help="the checked-out repository")
    solve.add_model_flags(p)
    solve.add_test_flag(p)
    solve.add_budget_flags(p)
    p.add_argument("--out", type=Path, help="output directory (default: a new temp dir)")
    p.add_argument("--json", action="store_true", help="print only the final result as JSON")
    p.add_argument("--author", default=DEFAULT_AUTHOR, help="'Name <email>' of the commit")
    p.add_argument(
        "--github-api-url",
        default=os.environ.get("GITHUB_API_URL", DEFAULT_API_URL),
        help="GitHub (Enterprise) REST API URL",
    )
    add_executor_flags(p)


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.commands.preflight import check_budget_flags, check_out
    from devagent.config import load_settings

    check_budget_flags(args)  # before the event is read or anyone is asked
    check_executor_flags(args)
    if args.out is not None:
        check_out(args.out)
    event_path = os.environ.get("GITHUB_EVENT_PATH")
    token = os.environ.get("GITHUB_TOKEN")
    if not event_path or not Path(event_path).is_file():
        raise DevagentError("devagent ci needs GITHUB_EVENT_PATH (run it inside GitHub Actions)")
    if not token:
        raise DevagentError("devagent ci needs GITHUB_TOKEN")
    request = parse_event(
        Path(event_path).read_text(),
        event_name=os.environ.get("GITHUB_EVENT_NAME", ""),
        label=args.label,
    )
    role = authorize(request, GitHubClient(token, api_url=args.github_api_url))
    Console(stderr=True, soft_wrap=True).print(
        f"devagent ci: {request.issue.ref} labelled by {request.sender} ({role})"
    )
    from devagent.assembly import SANDBOX_ENV

    settings = load_settings({}, Path(args.repo).resolve())
    check_sandbox_isolation(
        "bridge" if settings.network else "none", SANDBOX_ENV, solve.secrets_from_env()
    )
    ref = request.issue.ref
    command = SolveCommand.from_args(
        args,
        issue=f"gh:{ref.owner}/{ref.repo}#{ref.number}",
        pr=True,
        headless=True,
        base_branch=request.default_branch,
    )
    return execute(args, command, console)


def execute(args: argparse.Namespace, command: SolveCommand, console: Console) -> int:
    """The solve here, or on a Ray cluster node (`--executor ray`) with delivery still here."""
    from devagent.commands.benchexec import ray_config, use_registry_here

    if args.executor != "ray":
        use_registry_here(args)
        return solve.execute(command, console)
    from devagent.commands.solveremote import execute_remote

    return execute_remote(command, ray_config(args), console)
