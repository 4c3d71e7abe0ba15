"""End to end: a real repo and bare remote, a fake GitHub over HTTP, two runs for one issue."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from fakegh import TOKEN

from devagent.delivery import Author
from devagent.forge import ForgeError, GitHubClient, IssueRef
from devagent.forge.prbody import CheckResult, RunReport
from devagent.forge.propose import Proposal, comment_result, propose_pull_request
from devagent.forge.refs import repo_from_remote_url
from devagent.workspace import Workspace
from tests import support

ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "U",
    "GIT_AUTHOR_EMAIL": "u@example.com",
    "GIT_COMMITTER_NAME": "U",
    "GIT_COMMITTER_EMAIL": "u@example.com",
}
REF = IssueRef("acme", "widgets", 7)


def git(repo: Path, *args: str) -> str:
    return support.git(repo, *args, env=ENV)


@pytest.fixture
def repos(tmp_path) -> tuple[Path, Path]:
    """(user checkout with origin, bare origin)."""
    remote, user = tmp_path / "origin.git", tmp_path / "user"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    user.mkdir()
    git(user, "init", "-q", "--initial-branch=main")
    (user / "parse.py").write_text("def parse(s):\n    return float(s)\n")
    git(user, "add", "-A")
    git(user, "commit", "-qm", "initial")
    git(user, "remote", "add", "origin", str(remote))
    git(user, "push", "-q", "origin", "main")
    return user, remote


def agent_patch(user: Path, dest: Path, text: str) -> str:
    ws = Workspace.create(user, dest)
    (ws.tree / "parse.py").write_text(text)
    return ws.diff()


def report(status: str) -> RunReport:
    checks = (CheckResult("test_ints", status == "solved", "1 test"),)
    return RunReport(REF, "Parser drops ints", status, "Parse ints.", checks, 0.05, 9, "scripted")


def test_second_run_updates_the_branch_and_the_pull_request(repos, github, tmp_path, caplog):
    user, remote = repos
    fake, api = github
    caplog.set_level(logging.DEBUG)
    author = Author("devagent", "devagent@example.com")
    first = Proposal(
        user,
        "acme",
        "widgets",
        agent_patch(user, tmp_path / "w1", "x\n"),
        report("unsolved"),
        author,
    )
    with GitHubClient(TOKEN, api_url=api) as client:
        one = propose_pull_request(first, client, token=TOKEN)
        patch = agent_patch(user, tmp_path / "w2", "def parse(s):\n    return int(s)\n")
        second = Proposal(user, "acme", "widgets", patch, report("solved"), author)
        two = propose_pull_request(second, client, token=TOKEN)
    assert one.branch == two.branch == "devagent/issue-7"
    assert git(remote, "rev-parse", "refs/heads/devagent/issue-7").strip() == two.sha != one.sha
    assert git(remote, "show", f"{two.sha}:parse.py").endswith("return int(s)\n")
    assert "Closes acme/widgets#7" in git(remote, "log", "-1", "--format=%B", two.sha)
    assert len(fake.pulls) == 1 and one.pull.created and not two.pull.created
    pull = fake.pulls[0]
    assert pull["draft"] is False and pull["base"]["ref"] == "main"
    assert "Closes acme/widgets#7" in pull["body"] and "| test_ints | ✅ passed |" in pull["body"]
    assert [c["body"].splitlines()[-1] for c in fake.comments] == [
        f"Draft pull request: {pull['html_url']}",
        f"Pull request: {pull['html_url']}",
    ]
    assert git(user, "status", "--porcelain") == ""
    assert git(user, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert TOKEN not in caplog.text


def test_comment_result_without_a_pull_request(github):
    fake, api = github
    with GitHubClient(TOKEN, api_url=api) as client:
        comment_result(client, report("error"), None)
    assert "No pull request was opened." in fake.comments[0]["body"]


def test_repo_from_remote_url():
    assert repo_from_remote_url("https://github.com/acme/widgets.git") == ("acme", "widgets")
    assert repo_from_remote_url("git@ghe.corp:acme/w.x.git") == ("acme", "w.x")
    with pytest.raises(ForgeError) as err:
        repo_from_remote_url("https://user:s3cret@host/only-owner")
    assert "s3cret" not in str(err.value)
