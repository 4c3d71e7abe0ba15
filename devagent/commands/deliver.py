"""Delivery for `solve` and `ci`: apply to the working tree, commit on a branch, or propose a
pull request; the run's facts go into the commit message and the PR body. The flags and their
checks are `devagent.commands.deliverflags`."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from devagent.commands.deliverflags import parse_author
from devagent.commands.solvecmd import SolveCommand
from devagent.delivery import (
    Author,
    apply_to_tree,
    check_out_branch,
    commit_message,
    commit_to_branch,
    remote_url,
    user_git,
)
from devagent.deliverypolicy import DEFAULT_MAX_DELETIONS, Concern, review_patch
from devagent.errors import DevagentError
from devagent.forge.github import GitHubClient, Issue
from devagent.forge.prbody import CheckResult, RunReport
from devagent.forge.refs import parse_issue_ref, repo_from_remote_url

if TYPE_CHECKING:
    from devagent.pipeline import SolveOutcome


def fetch_issue(ref: str, api_url: str) -> Issue:
    issue_ref = parse_issue_ref(ref)
    client = GitHubClient(os.environ.get("GITHUB_TOKEN"), api_url=api_url)
    return client.get_issue(issue_ref.owner, issue_ref.repo, issue_ref.number)


def issue_title(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and not line.startswith(("---", "+++")):
            return line.lstrip("# ").strip()
    return "devagent patch"


def run_report(
    outcome: SolveOutcome,
    issue_text: str,
    forge_issue: Issue | None,
    model: str,
    concerns: tuple[str, ...] = (),
) -> RunReport:
    result = outcome.result
    return RunReport(
        concerns=concerns,
        issue=forge_issue.ref if forge_issue else None,
        issue_title=forge_issue.title if forge_issue else issue_title(issue_text),
        status=result.status,
        summary=result.summary or result.reason,
        checks=tuple(
            CheckResult(
                c.command, c.passed, f"exit {c.exit_code}" + (", timed out" if c.timed_out else "")
            )
            for c in result.checks
        ),
        cost_usd=result.cost_usd,
        steps=result.steps,
        model=model,
        changed_files=tuple(sorted(set(re.findall(r"^\+\+\+ b/(.+)$", result.patch, re.M)))),
    )


def current_branch(repo: Path) -> str:
    out = user_git(repo).run("symbolic-ref", "--short", "-q", "HEAD", check=False)
    return out.text.strip() or "main"


def deliver(
    args: SolveCommand,
    repo: Path | None,
    outcome: SolveOutcome,
    issue_text: str,
    forge_issue: Issue | None,
    console: Console,
) -> dict[str, str]:
    """Carry out --apply / --branch / --pr; returns what was done, for the summary."""
    result, done = outcome.result, dict[str, str]()
    if not (args.apply or args.branch or args.pr) or repo is None:
        return done
    if not result.patch.strip():
        return {"delivery": "nothing delivered: the patch is empty"}
    author = parse_author(args.author)
    concerns = review_patch(
        result.patch, max_deletions=getattr(args, "max_deletions", DEFAULT_MAX_DELETIONS)
    )
    if concerns and not getattr(args, "allow_sensitive", False):
        headless = getattr(args, "headless", False)
        confirm_sensitive(concerns, console, headless=headless, patch_path=outcome.patch_path)
    model = getattr(args, "model", "") or ""
    report = run_report(outcome, issue_text, forge_issue, model, tuple(map(str, concerns)))
    if args.apply:
        if result.solved:
            applied = apply_to_tree(repo, outcome.patch_since_start)
            done["applied"] = ", ".join(applied.files) + (
                " (three-way)" if applied.three_way else ""
            )
        else:
            done["applied"] = f"no: the run was not solved (the patch is in {outcome.patch_path})"
    if args.pr:
        done.update(_propose(args, repo, outcome, report, forge_issue, author))
    elif args.branch:
        message = commit_message(report.issue_title, status=result.status, summary=report.summary)
        patch = outcome.patch_since_base or result.patch  # on the base: the person's too
        sha = commit_to_branch(repo, patch, args.branch, message, author, base=outcome.base)
        if args.checkout:
            check_out_branch(repo, args.branch)
        done["branch"] = f"{args.branch} at {sha[:12]}"
    return done


def confirm_sensitive(
    concerns: list[Concern], console: Console, *, headless: bool, patch_path: str = "OUT/patch.diff"
) -> None:
    """Ask the person at the terminal; refuse (DevagentError) in CI, without a terminal, or
    on any answer but yes. Nothing has been delivered when this raises."""
    listed = "; ".join(str(c) for c in concerns)
    hint = f"review {patch_path}; rerun with --allow-sensitive to deliver it anyway"
    if headless or not sys.stdin.isatty():
        raise DevagentError(
            f"delivery refused: the patch needs a person's review ({listed}); {hint}"
        )
    console.print("[bold yellow]This patch needs your review before it is delivered:[/]")
    for concern in concerns:
        console.print(f"  - {concern}", markup=False)
    answer = console.input("Deliver it anyway? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise DevagentError(f"delivery declined ({listed}); the patch is in {patch_path}")


def _propose(
    args: SolveCommand,
    repo: Path,
    outcome: SolveOutcome,
    report: RunReport,
    forge_issue: Issue | None,
    author: Author,
) -> dict[str, Any]:
    from devagent.forge.propose import Proposal, propose_pull_request  # --pr only

    token = os.environ["GITHUB_TOKEN"]
    if forge_issue is not None:
        owner, name = forge_issue.ref.owner, forge_issue.ref.repo
    else:
        owner, name = repo_from_remote_url(remote_url(repo, args.remote))
    proposal = Proposal(
        user_repo=repo,
        owner=owner,
        repo=name,
        patch=outcome.patch_since_base or outcome.result.patch,
        report=report,
        author=author,
        base_branch=args.base_branch or current_branch(repo),
        base_rev=outcome.base,
        branch=args.branch,
        remote=args.remote,
    )
    proposed = propose_pull_request(
        proposal, GitHubClient(token, api_url=args.github_api_url), token=token
    )
    done = {
        "branch": f"{proposed.branch} at {proposed.sha[:12]}",
        "pull_request": proposed.pull.url,
    }
    if proposed.comment_url:
        done["issue_comment"] = proposed.comment_url
    return done
