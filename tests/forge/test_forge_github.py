"""GitHubClient against a fake GitHub over real HTTP: what it sends and what it makes of replies."""

from __future__ import annotations

import logging

import pytest
from fakegh import TOKEN, serve

from devagent.forge import ForgeError, GitHubClient, PullRequestSpec
from devagent.forge.fake import FakeGitHub
from devagent.forge.github import graphql_url

SPEC = PullRequestSpec(
    head="devagent/issue-7", base="main", title="Fix parser", body="first", draft=True
)


def test_get_issue_sends_token_and_reads_fields(github):
    fake, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        issue = client.get_issue("acme", "widgets", 7)
    assert (issue.title, issue.body, issue.labels) == (
        "Parser drops ints",
        "Steps: ...",
        ("bug", "devagent"),
    )
    assert str(issue.ref) == "acme/widgets#7"
    request = fake.requests[-1]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/vnd.github+json"


def test_open_or_update_pr_is_idempotent(github):
    fake, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        first = client.open_or_update_pr("acme", "widgets", SPEC)
        ready = PullRequestSpec(SPEC.head, "main", "Fix parser (#7)", body="second", draft=False)
        second = client.open_or_update_pr("acme", "widgets", ready)
    assert first.created and not second.created
    assert first.number == second.number == 1
    assert len(fake.pulls) == 1
    assert fake.pulls[0]["body"] == "second" and fake.pulls[0]["title"] == "Fix parser (#7)"
    assert fake.pulls[0]["draft"] is False and second.draft is False
    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/pulls")]
    assert [p.json for p in posts] == [
        {
            "title": "Fix parser",
            "head": "devagent/issue-7",
            "base": "main",
            "body": "first",
            "draft": True,
        }
    ]
    graphql = [r for r in fake.requests if r.path == "/graphql"]
    assert len(graphql) == 1 and "markPullRequestReadyForReview" in graphql[0].json["query"]


def test_find_open_pr_filters_by_owner_and_branch(github):
    fake, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        assert client.find_open_pr("acme", "widgets", "devagent/issue-7") is None
        client.open_or_update_pr("acme", "widgets", SPEC)
        found = client.find_open_pr("acme", "widgets", "devagent/issue-7")
    assert found is not None and (found.number, found.head, found.draft) == (1, SPEC.head, True)
    assert fake.requests[-1].query == {"head": "acme:devagent/issue-7", "state": "open"}


def test_comment_on_issue_posts_the_body(github):
    fake, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        url = client.comment_on_issue("acme", "widgets", 7, "done: https://pr")
    assert fake.comments[0]["body"] == "done: https://pr" and fake.comments[0]["issue"] == 7
    assert url.endswith("#issuecomment-1")
    assert fake.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_enterprise_api_url_prefix_and_graphql(httpserver):
    fake = FakeGitHub(token=TOKEN, prefix="/api/v3", graphql_path="/api/graphql")
    api = serve(httpserver, fake) + "/api/v3"
    with GitHubClient(TOKEN, api_url=api) as client:
        client.open_or_update_pr("o", "r", SPEC)
        client.open_or_update_pr(
            "o", "r", PullRequestSpec(SPEC.head, "main", "t", "b", draft=False)
        )
    assert [r.path for r in fake.requests][-1] == "/api/graphql"
    assert fake.pulls[0]["draft"] is False
    assert graphql_url("https://ghe.corp/api/v3/") == "https://ghe.corp/api/graphql"
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"


def test_permission_roles(github):
    _, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        roles = [
            client.permission("acme", "widgets", u) for u in ("maintainer", "triager", "nobody")
        ]
    assert roles == ["maintain", "triage", "none"]


def test_errors_never_carry_the_token(github, caplog):
    _, api = github
    caplog.set_level(logging.DEBUG)
    with GitHubClient(TOKEN, api_url=api) as client, pytest.raises(ForgeError) as missing:
        client.get_issue("acme", "widgets", 999)
    assert missing.value.status == 404
    with GitHubClient("wrong-token", api_url=api) as client, pytest.raises(ForgeError) as denied:
        client.get_issue("acme", "widgets", 7)
    assert denied.value.status == 401 and "Bad credentials" in str(denied.value)
    with (
        GitHubClient(TOKEN, api_url="http://127.0.0.1:9") as client,
        pytest.raises(ForgeError) as down,
    ):
        client.get_issue("acme", "widgets", 7)
    assert "could not reach GitHub" in str(down.value)
    for text in (str(missing.value), str(denied.value), str(down.value), caplog.text):
        assert TOKEN not in text


def test_in_memory_transport_serves_the_same_fake():
    fake = FakeGitHub(token=TOKEN)
    fake.add_issue("o", "r", 1, "Title")
    with GitHubClient(TOKEN, transport=fake.transport()) as client:
        assert client.get_issue("o", "r", 1).title == "Title"
    assert fake.requests[0].path == "/repos/o/r/issues/1"


class RacingFakeGitHub(FakeGitHub):
    """Another run opens the PR between our lookup and our POST."""

    def handle(self, method, path, query, headers, body):
        if method == "POST" and path.endswith("/pulls") and not self.pulls:
            super().handle(method, path, query, headers, body)  # the other run's PR
        return super().handle(method, path, query, headers, body)


def test_open_or_update_pr_survives_a_concurrent_open():
    fake = RacingFakeGitHub(token=TOKEN)
    with GitHubClient(TOKEN, transport=fake.transport()) as client:
        pull = client.open_or_update_pr("o", "r", SPEC)
    assert not pull.created and len(fake.pulls) == 1
    assert [r.method for r in fake.requests] == ["GET", "POST", "POST", "GET", "PATCH"]


def test_issue_as_task_text(github):
    _, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        text = client.get_issue("acme", "widgets", 7).as_markdown()
    assert text == (
        "# Parser drops ints\n\nSteps: ...\n\nLabels: bug, devagent\n\n(Issue acme/widgets#7)\n"
    )


def test_a_read_that_resets_is_tried_again_for_a_get_but_not_for_a_post() -> None:
    import httpx2

    from devagent.forge.github import GitHubClient

    seen: list[str] = []

    def reset_once(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.method)
        if len(seen) == 1 or request.method == "POST":
            raise httpx2.ReadError("[Errno 104] Connection reset by peer", request=request)
        return httpx2.Response(200, json=[])

    client = GitHubClient("http://gh.invalid", transport=httpx2.MockTransport(reset_once))
    assert client.find_open_pr("acme", "widgets", "devagent/x") is None
    assert seen == ["GET", "GET"]
    with pytest.raises(ForgeError, match="could not reach GitHub"):
        client._request("POST", "repos/acme/widgets/pulls", json={})
    assert seen == ["GET", "GET", "POST"]  # a POST may have landed: never sent twice
