"""Proposing a finished run as a pull request: commit, push, open or update the PR, comment back.

This is what `devagent solve ... --pr` and `devagent ci` call once the run has ended. Running it
twice for the same issue updates the branch and the pull request instead of opening another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from devagent.delivery import Author, commit_message, commit_to_branch, push_branch
from devagent.forge.github import GitHubClient, PullRequest, PullRequestSpec
from devagent.forge.prbody import (
    RunReport,
    defang,
    is_draft,
    pr_title,
    render_issue_comment,
    render_pr_body,
)
from devagent.forge.refs import branch_for_issue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Proposal:
    """Where and how to propose `patch`: the user's repo, its GitHub coordinates, the branches."""

    user_repo: Path
    owner: str
    repo: str
    patch: str
    report: RunReport
    author: Author
    base_branch: str = "main"
    """The branch the pull request targets."""
    base_rev: str = "HEAD"
    """The commit the patch was made against (the workspace's base)."""
    branch: str | None = None
    """Defaults to `devagent/issue-<n>` (or `devagent/patch` without an issue)."""
    remote: str = "origin"
    comment: bool = True
    """Post the result back on the issue."""


@dataclass(frozen=True)
class ProposalResult:
    branch: str
    sha: str
    pull: PullRequest
    comment_url: str | None


def proposal_branch(proposal: Proposal) -> str:
    if proposal.branch:
        return proposal.branch
    issue = proposal.report.issue
    return branch_for_issue(issue) if issue is not None else "devagent/patch"


def propose_pull_request(
    proposal: Proposal, client: GitHubClient, *, token: str | None
) -> ProposalResult:
    """Commit the patch on the proposal's branch, push it, open or update the pull request, and
    comment on the issue. `token` authenticates the push (the client holds its own copy)."""
    report, branch = proposal.report, proposal_branch(proposal)
    message = commit_message(
        defang(report.issue_title),
        status=report.status,
        summary=defang(report.summary),
        issue_ref=str(report.issue) if report.issue else None,
    )
    sha = commit_to_branch(
        proposal.user_repo, proposal.patch, branch, message, proposal.author, base=proposal.base_rev
    )
    push_branch(proposal.user_repo, branch, proposal.remote, token=token)
    spec = PullRequestSpec(
        head=branch,
        base=proposal.base_branch,
        title=pr_title(report),
        body=render_pr_body(report),
        draft=is_draft(report),
    )
    pull = client.open_or_update_pr(proposal.owner, proposal.repo, spec)
    comment_url = None
    if proposal.comment and report.issue is not None:
        comment_url = comment_result(client, report, pull.url)
    return ProposalResult(branch=branch, sha=sha, pull=pull, comment_url=comment_url)


def comment_result(client: GitHubClient, report: RunReport, pr_url: str | None) -> str | None:
    """Post the run's result on its issue (also when no pull request could be opened)."""
    if report.issue is None:
        return None
    ref = report.issue
    url = client.comment_on_issue(
        ref.owner, ref.repo, ref.number, render_issue_comment(report, pr_url)
    )
    log.info("commented on %s", ref)
    return url
