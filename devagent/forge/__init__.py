"""Pull requests and issue comments on a forge (GitHub REST)."""

from devagent.forge.errors import CiRefused, ForgeError
from devagent.forge.github import GitHubClient, Issue, PullRequest, PullRequestSpec
from devagent.forge.refs import IssueRef, branch_for_issue, is_issue_ref, parse_issue_ref

__all__ = [
    "CiRefused",
    "ForgeError",
    "GitHubClient",
    "Issue",
    "IssueRef",
    "PullRequest",
    "PullRequestSpec",
    "branch_for_issue",
    "is_issue_ref",
    "parse_issue_ref",
]
