"""`FakeGitHub`: an in-memory GitHub speaking the REST shapes devagent uses, for tests and demos.

It keeps issues, pull requests, comments and collaborator roles, records every request, and
answers 401 when a request lacks the expected token. Serve it in-process with `transport()` (for
`GitHubClient(transport=...)`) or behind any HTTP server through `handle()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

Reply = tuple[int, Any]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names."""
    json: Any


@dataclass
class FakeGitHub:
    token: str | None = None
    prefix: str = ""
    """REST path prefix: '' for github.com, '/api/v3' for Enterprise."""
    graphql_path: str = "/graphql"
    issues: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)

    def add_issue(
        self,
        owner: str,
        repo: str,
        number: int,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
    ) -> None:
        self.issues[(owner, repo, number)] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": name} for name in labels],
            "html_url": f"https://github.example/{owner}/{repo}/issues/{number}",
        }

    def transport(self) -> httpx2.MockTransport:
        def respond(request: httpx2.Request) -> httpx2.Response:
            status, data = self.handle(
                request.method,
                request.url.path,
                dict(request.url.params),
                dict(request.headers),
                request.content,
            )
            return httpx2.Response(status, json=data)

        return httpx2.MockTransport(respond)

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        """Answer one request as GitHub would: (status, JSON body)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        payload = json.loads(body) if body else None
        self.requests.append(RecordedRequest(method, path, dict(query), lowered, payload))
        if self.token and lowered.get("authorization") != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}
        if path == self.graphql_path and method == "POST":
            return self._graphql(payload)
        rest = path.removeprefix(self.prefix)
        for pattern, verb, handler in self._routes():
            match = re.fullmatch(pattern, rest)
            if match and method == verb:
                return handler(match, dict(query), payload)
        return 404, {"message": "Not Found"}

    def _routes(self) -> list[tuple[str, str, Any]]:
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        return [
            (repo + r"/issues/(?P<n>\d+)", "GET", self._get_issue),
            (repo + r"/issues/(?P<n>\d+)/comments", "POST", self._comment),
            (repo + r"/pulls", "GET", self._list_pulls),
            (repo + r"/pulls", "POST", self._open_pull),
            (repo + r"/pulls/(?P<n>\d+)", "PATCH", self._update_pull),
            (repo + r"/collaborators/(?P<user>[^/]+)/permission", "GET", self._permission),
        ]

    def _get_issue(self, m: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        issue = self.issues.get((m["owner"], m["repo"], int(m["n"])))
        return (200, issue) if issue else (404, {"message": "Not Found"})

    def _comment(self, m: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        comment = {
            "id": len(self.comments) + 1,
            "issue": int(m["n"]),
            "body": body["body"],
            "html_url": f"https://github.example/{m['owner']}/{m['repo']}/issues/{m['n']}"
            f"#issuecomment-{len(self.comments) + 1}",
        }
        self.comments.append(comment)
        return 201, comment

    def _list_pulls(self, m: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        owner, _, branch = query.get("head", "").partition(":")
        found = [
            p
            for p in self.pulls
            if p["state"] == query.get("state", "open")
            and (not branch or (p["head"]["ref"] == branch and owner == m["owner"]))
        ]
        return 200, found

    def _open_pull(self, m: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        if any(p["head"]["ref"] == body["head"] and p["state"] == "open" for p in self.pulls):
            errors = ["A pull request already exists"]
            return 422, {"message": "Validation Failed", "errors": errors}
        number = len(self.pulls) + 1
        pull = {
            "number": number,
            "node_id": f"PR_{number}",
            "state": "open",
            "title": body["title"],
            "body": body.get("body", ""),
            "draft": bool(body.get("draft", False)),
            "head": {"ref": body["head"]},
            "base": {"ref": body["base"]},
            "html_url": f"https://github.example/{m['owner']}/{m['repo']}/pull/{number}",
        }
        self.pulls.append(pull)
        return 201, pull

    def _update_pull(self, m: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        pull = next((p for p in self.pulls if p["number"] == int(m["n"])), None)
        if pull is None:
            return 404, {"message": "Not Found"}
        pull.update({k: v for k, v in body.items() if k in ("title", "body", "state", "base")})
        return 200, pull

    def _permission(self, m: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        role = self.roles.get(m["user"])
        if role is None:
            return 404, {"message": "Not Found"}
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return 200, {"permission": legacy, "role_name": role}

    def _graphql(self, payload: Any) -> Reply:
        query, node = payload["query"], payload["variables"]["id"]
        pull = next((p for p in self.pulls if p["node_id"] == node), None)
        if pull is None:
            return 200, {"errors": [{"message": f"Could not resolve to a node with id {node}"}]}
        pull["draft"] = "convertPullRequestToDraft" in query
        return 200, {"data": {"pullRequest": {"isDraft": pull["draft"]}}}
