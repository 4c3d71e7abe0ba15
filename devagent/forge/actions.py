"""Which GitHub Actions events may start a `devagent ci` run, and what issue they ask it to solve.

Only an `issues` event with action `labeled`, for the configured label, starts a run, and only
when the person who added the label can write to the repository. The issue's author may be
anyone: their text reaches the model, never a shell on the runner, and the run's sandbox has no
network and no token (the workflow keeps the token in the host step's environment only).

Why the sender's permission is checked through the API: a webhook's `sender` object carries no
`author_association` (that field on `issue` describes the issue's author, who is untrusted by
design), so `authorize` asks GitHub for the labeller's role and accepts admin, maintain and write,
the roles whose `author_association` would be OWNER, MEMBER or COLLABORATOR.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from devagent.forge.errors import CiRefused
from devagent.forge.github import GitHubClient, Issue
from devagent.forge.refs import IssueRef

DEFAULT_LABEL = "devagent"
TRUSTED_ROLES = frozenset({"admin", "maintain", "write"})


@dataclass(frozen=True)
class CiRequest:
    """An accepted trigger: the issue to solve and where to deliver the pull request."""

    issue: Issue
    sender: str
    """Login of the person who added the label."""
    default_branch: str
    issue_author_association: str
    """OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...: for the report, not for trust."""


def _field(payload: dict[str, Any], *path: str) -> Any:
    value: Any = payload
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise CiRefused(f"the event has no {'.'.join(path)}: not a GitHub issues event")
        value = value[key]
    return value


def parse_event(
    event_json: str | bytes, *, event_name: str, label: str = DEFAULT_LABEL
) -> CiRequest:
    """Accept an `issues`/`labeled` event for `label` (the JSON at GITHUB_EVENT_PATH and the
    value of GITHUB_EVENT_NAME, both passed in); `CiRefused` says why anything else is refused."""
    if event_name != "issues":
        raise CiRefused(
            f"devagent ci runs only on `issues` events (labeled), not {event_name!r}: other "
            "triggers (pull_request_target, issue_comment, ...) can be fired by anyone"
        )
    try:
        payload = json.loads(event_json)
    except ValueError as exc:
        raise CiRefused(f"the event file is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise CiRefused("the event file is not a JSON object")
    action = payload.get("action")
    if action != "labeled":
        raise CiRefused(f"only the `labeled` action starts a run, not {action!r}")
    added = _field(payload, "label", "name")
    if added != label:
        raise CiRefused(f"label {added!r} is not the devagent label {label!r}")
    issue = _field(payload, "issue")
    if "pull_request" in issue:
        raise CiRefused("the labelled item is a pull request; devagent ci solves issues")
    if issue.get("state", "open") != "open":
        raise CiRefused(f"issue #{issue.get('number')} is closed")
    owner = str(_field(payload, "repository", "owner", "login"))
    name = str(_field(payload, "repository", "name"))
    return CiRequest(
        issue=Issue(
            ref=IssueRef(owner, name, int(_field(issue, "number"))),
            title=str(issue.get("title") or ""),
            body=str(issue.get("body") or ""),
            labels=tuple(str(item["name"]) for item in issue.get("labels", [])),
            url=str(issue.get("html_url", "")),
        ),
        sender=str(_field(payload, "sender", "login")),
        default_branch=str(payload["repository"].get("default_branch") or "main"),
        issue_author_association=str(issue.get("author_association", "NONE")),
    )


def authorize(request: CiRequest, client: GitHubClient) -> str:
    """Refuse unless the labeller has write access or more; return their role."""
    ref = request.issue.ref
    role = client.permission(ref.owner, ref.repo, request.sender)
    if role not in TRUSTED_ROLES:
        raise CiRefused(
            f"{request.sender} added the label but has {role!r} access to {ref.owner}/{ref.repo}; "
            f"only {', '.join(sorted(TRUSTED_ROLES))} may start devagent"
        )
    return role


def check_sandbox_isolation(network: str, env: Mapping[str, str], secrets: Iterable[str]) -> None:
    """Refuse a CI run whose sandbox would have network or would see a secret (token, API key):
    the issue text steers the model, and the model steers the sandbox."""
    if network != "none":
        raise CiRefused(f"devagent ci needs the sandbox network off, not {network!r}")
    leaked = sorted(name for name, value in env.items() for s in secrets if s and s in value)
    if leaked:
        raise CiRefused(
            f"devagent ci refuses to pass secrets into the sandbox ({', '.join(leaked)})"
        )
