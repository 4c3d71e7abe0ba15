"""A small GitHub REST client for issues, pull requests and issue comments.

`api_url` points at GitHub Enterprise (`https://HOST/api/v3`) when needed; `transport=` is the
test seam (an `httpx2.MockTransport`, e.g. `FakeGitHub().transport()`). The token goes only into the
`Authorization` header: it is never logged and never part of an error. Network failures and error
responses become `ForgeError` (with the HTTP status when there was one). httpx2 is imported when a
client is made (about 50 ms): a solve that never talks to GitHub never pays for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devagent.forge.errors import ForgeError
from devagent.forge.refs import IssueRef

if TYPE_CHECKING:
    import httpx2

log = logging.getLogger(__name__)
RESENDABLE = frozenset({"GET", "HEAD", "PUT", "DELETE"})
"""Requests sent again when the connection drops (a POST or PATCH that may have landed never is)."""
RESENT_TRIES = 3

DEFAULT_API_URL = "https://api.github.com"
_DRAFT_MUTATIONS = {
    True: "mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) "
    "{ pullRequest { isDraft } } }",
    False: "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) "
    "{ pullRequest { isDraft } } }",
}


@dataclass(frozen=True)
class Issue:
    ref: IssueRef
    title: str
    body: str
    labels: tuple[str, ...]
    url: str

    def as_markdown(self) -> str:
        """The issue as the agent's task text."""
        labels = f"\n\nLabels: {', '.join(self.labels)}" if self.labels else ""
        return f"# {self.title}\n\n{self.body.strip()}{labels}\n\n(Issue {self.ref})\n"


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    head: str
    base: str
    draft: bool
    node_id: str
    created: bool = False
    """True when this call opened it; False when an existing one was found or updated."""


@dataclass(frozen=True)
class PullRequestSpec:
    head: str
    """The branch name in the same repository."""
    base: str
    title: str
    body: str
    draft: bool = False


def graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint next to a REST `api_url` (github.com or Enterprise)."""
    root = api_url.rstrip("/")
    if root.endswith("/api/v3"):
        return root.removesuffix("/v3") + "/graphql"
    return root + "/graphql"


def _pull(data: dict[str, Any], *, created: bool = False) -> PullRequest:
    return PullRequest(
        number=int(data["number"]),
        url=str(data.get("html_url", "")),
        head=str(data["head"]["ref"]),
        base=str(data["base"]["ref"]),
        draft=bool(data.get("draft", False)),
        node_id=str(data.get("node_id", "")),
        created=created,
    )


class GitHubClient:
    """Issues, pull requests and comments through the GitHub REST API."""

    def __init__(
        self,
        token: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        transport: httpx2.BaseTransport | None = None,
        timeout: float = 30.0,
    ):
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "devagent",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        import httpx2

        self.api_url = api_url.rstrip("/")
        self._http = httpx2.Client(
            base_url=self.api_url + "/", headers=headers, transport=transport, timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        import httpx2  # imported by __init__: a lookup here

        tries = RESENT_TRIES if method in RESENDABLE else 1
        for attempt in range(tries):
            try:
                response = self._http.request(method, url.lstrip("/"), **kwargs)
                break
            except httpx2.TransportError as exc:  # a reset or dropped connection
                if attempt + 1 == tries:
                    raise ForgeError(f"could not reach GitHub at {self.api_url}: {exc}") from None
                time.sleep(0.2 * (attempt + 1))
            except httpx2.HTTPError as exc:
                raise ForgeError(f"could not reach GitHub at {self.api_url}: {exc}") from None
        if response.status_code >= 400:
            message = _error_message(response)
            raise ForgeError(
                f"GitHub {method} {url} failed ({response.status_code}): {message}",
                status=response.status_code,
            )
        return response.json() if response.content else None

    def get_issue(self, owner: str, repo: str, number: int) -> Issue:
        data = self._request("GET", f"repos/{owner}/{repo}/issues/{number}")
        if "pull_request" in data:
            raise ForgeError(f"{owner}/{repo}#{number} is a pull request, not an issue")
        return Issue(
            ref=IssueRef(owner, repo, number),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            labels=tuple(str(label["name"]) for label in data.get("labels", [])),
            url=str(data.get("html_url", "")),
        )

    def find_open_pr(self, owner: str, repo: str, head: str) -> PullRequest | None:
        """The open pull request from branch `head` of `owner/repo`, if there is one."""
        params = {"head": f"{owner}:{head}", "state": "open"}
        pulls = self._request("GET", f"repos/{owner}/{repo}/pulls", params=params)
        return _pull(pulls[0]) if pulls else None

    def open_or_update_pr(self, owner: str, repo: str, spec: PullRequestSpec) -> PullRequest:
        """Open a pull request for `spec.head`, or update the open one (title, body, draft state):
        a second call for the same branch never opens another."""
        existing = self.find_open_pr(owner, repo, spec.head)
        if existing is None:
            try:
                return self._open_pr(owner, repo, spec)
            except ForgeError as exc:  # another run opened it since we looked
                existing = self.find_open_pr(owner, repo, spec.head) if exc.status == 422 else None
                if existing is None:
                    raise
        return self._update_pr(owner, repo, existing.number, spec)

    def _open_pr(self, owner: str, repo: str, spec: PullRequestSpec) -> PullRequest:
        body = {
            "title": spec.title,
            "head": spec.head,
            "base": spec.base,
            "body": spec.body,
            "draft": spec.draft,
        }
        data = self._request("POST", f"repos/{owner}/{repo}/pulls", json=body)
        log.info("opened pull request %s/%s#%s", owner, repo, data["number"])
        return _pull(data, created=True)

    def _update_pr(self, owner: str, repo: str, number: int, spec: PullRequestSpec) -> PullRequest:
        update = {"title": spec.title, "body": spec.body}
        data = self._request("PATCH", f"repos/{owner}/{repo}/pulls/{number}", json=update)
        pull = _pull(data)
        if pull.draft != spec.draft:
            self._set_draft(pull.node_id, spec.draft)
            pull = _pull({**data, "draft": spec.draft})
        log.info("updated pull request %s/%s#%s", owner, repo, pull.number)
        return pull

    def _set_draft(self, node_id: str, draft: bool) -> None:
        """REST cannot change a PR's draft state; GraphQL can."""
        query = {"query": _DRAFT_MUTATIONS[draft], "variables": {"id": node_id}}
        data = self._request("POST", graphql_url(self.api_url), json=query)
        if data and data.get("errors"):
            raise ForgeError(f"GitHub refused to change the draft state: {data['errors']}")

    def comment_on_issue(self, owner: str, repo: str, number: int, body: str) -> str:
        """Post `body` as a comment on the issue; return the comment's URL."""
        data = self._request(
            "POST", f"repos/{owner}/{repo}/issues/{number}/comments", json={"body": body}
        )
        return str(data.get("html_url", ""))

    def permission(self, owner: str, repo: str, user: str) -> str:
        """`user`'s permission on the repo: admin, maintain, write, triage, read or none."""
        try:
            data = self._request("GET", f"repos/{owner}/{repo}/collaborators/{user}/permission")
        except ForgeError as exc:
            if exc.status == 404:
                return "none"
            raise
        return str(data.get("role_name") or data.get("permission") or "none")


def _error_message(response: httpx2.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    errors = data.get("errors") if isinstance(data, dict) else None
    return f"{message} {errors}" if errors else message or response.text[:200]
