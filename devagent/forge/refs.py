"""Issue references (`gh:OWNER/REPO#123`) and the branch name devagent uses for an issue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from devagent.forge.errors import ForgeError

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?"
_ISSUE_REF = re.compile(rf"gh:(?P<owner>{_NAME})/(?P<repo>{_NAME})#(?P<number>[1-9][0-9]*)")


@dataclass(frozen=True)
class IssueRef:
    owner: str
    repo: str
    number: int

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


def parse_issue_ref(text: str) -> IssueRef:
    """`gh:OWNER/REPO#123` -> IssueRef; `ForgeError` with the expected shape otherwise."""
    match = _ISSUE_REF.fullmatch(text.strip())
    if match is None or ".." in match["owner"] + match["repo"]:
        raise ForgeError(f"not an issue reference: {text!r} (expected gh:OWNER/REPO#NUMBER)")
    return IssueRef(match["owner"], match["repo"], int(match["number"]))


def is_issue_ref(text: str) -> bool:
    """Whether `text` looks like a forge reference rather than a file path."""
    return text.startswith("gh:")


def branch_for_issue(ref: IssueRef, prefix: str = "devagent") -> str:
    """The branch a run for `ref` delivers to; the same issue always maps to the same branch."""
    return f"{prefix}/issue-{ref.number}"


_REMOTE = re.compile(
    rf"(?:https?://(?:[^@/]+@)?[^/]+/|ssh://(?:[^@/]+@)?[^/]+/|[^@/:]+@[^:]+:)"
    rf"(?P<owner>{_NAME})/(?P<repo>{_NAME}?)(?:\.git)?/?"
)


def repo_from_remote_url(url: str) -> tuple[str, str]:
    """(owner, repo) from a GitHub remote URL: https://HOST/o/r(.git), git@HOST:o/r.git, ssh://."""
    match = _REMOTE.fullmatch(url.strip())
    if match is None or not match["repo"]:
        shown = re.sub(r"//[^@/]+@", "//***@", url)
        raise ForgeError(f"cannot tell the GitHub repository from remote URL {shown!r}")
    return match["owner"], match["repo"].removesuffix(".git")
