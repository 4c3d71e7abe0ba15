"""Delivery into the user's repo: apply to the tree, commit on a branch, push to a remote."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
from gitrepo import GIT_ENV, git, snapshot, write

from devagent.delivery import (
    ApplyResult,
    Author,
    DeliveryError,
    apply_to_tree,
    check_out_branch,
    commit_message,
    commit_to_branch,
    push_branch,
    remote_url,
)
from devagent.workspace import Workspace

LINES = "".join(f"line {i}\n" for i in range(1, 31))
AUTHOR = Author("Dev Agent", "devagent@example.com")
TOKEN = "ghs_SuperSecretToken1234567890"


@pytest.fixture
def user(make_repo) -> Path:
    return make_repo({"app.txt": LINES, "logo.bin": bytes(range(256))})


@pytest.fixture
def patch(user, tmp_path) -> str:
    """The agent's change: line 5 edited, a binary file changed, a file added."""
    ws = Workspace.create(user, tmp_path / "ws")
    write(
        ws.tree,
        {
            "app.txt": LINES.replace("line 5\n", "line five\n"),
            "logo.bin": bytes(reversed(range(256))),
            "docs/new.md": "# new\n",
        },
    )
    return ws.diff()


def test_apply_on_clean_tree(user, patch):
    result = apply_to_tree(user, patch)
    assert result == ApplyResult(files=["app.txt", "docs/new.md", "logo.bin"], three_way=False)
    assert "line five\n" in (user / "app.txt").read_text()
    assert (user / "logo.bin").read_bytes() == bytes(reversed(range(256)))
    assert git(user, "diff", "--cached", "--name-only") == ""


def test_apply_three_way_after_user_committed_inside_the_context(user, patch):
    write(user, {"app.txt": LINES.replace("line 8\n", "line eight\n")})
    git(user, "commit", "-qam", "user moved on")
    staged_before = git(user, "ls-files", "--stage")
    result = apply_to_tree(user, patch)
    assert result.three_way
    text = (user / "app.txt").read_text()
    assert "line five\n" in text and "line eight\n" in text
    assert git(user, "ls-files", "--stage") == staged_before
    assert git(user, "status", "--porcelain") == " M app.txt\n M logo.bin\n?? docs/\n"


def test_apply_refuses_conflicting_uncommitted_changes_touching_nothing(user, patch):
    write(user, {"app.txt": LINES.replace("line 5\n", "my own line 5\n")})
    before = snapshot(user)
    with pytest.raises(DeliveryError, match=r"uncommitted changes in app\.txt"):
        apply_to_tree(user, patch)
    assert snapshot(user) == before


def test_apply_refuses_conflicting_commit_touching_nothing(user, patch):
    write(user, {"app.txt": LINES.replace("line 5\n", "committed line 5\n")})
    git(user, "commit", "-qam", "conflicting")
    before = snapshot(user)
    with pytest.raises(DeliveryError, match="even three-way"):
        apply_to_tree(user, patch)
    assert snapshot(user) == before


def test_commit_to_branch_leaves_checkout_index_and_head_untouched(user, patch):
    write(user, {"scratch.txt": "user's untracked work\n", "app.txt": "user's edit\n"})
    before = snapshot(user)
    sha = commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR)
    assert snapshot(user) == before
    assert git(user, "rev-parse", "devagent/issue-7").strip() == sha
    assert git(user, "log", "-1", "--format=%an <%ae>|%cn|%s", sha) == (
        "Dev Agent <devagent@example.com>|Dev Agent|Fix it\n"
    )
    assert git(user, "show", f"{sha}:docs/new.md") == "# new\n"
    assert git(user, "rev-parse", f"{sha}^").strip() == before["head"].strip()  # type: ignore[union-attr]


def test_commit_to_branch_twice_is_idempotent_and_replaces_on_change(user, patch, tmp_path):
    first = commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR)
    assert commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR) == first
    other = Workspace.create(user, tmp_path / "ws2")
    write(other.tree, {"app.txt": "rewritten\n"})
    second = commit_to_branch(user, other.diff(), "devagent/issue-7", "Fix it\n", AUTHOR)
    assert second != first
    assert git(user, "show", "devagent/issue-7:app.txt") == "rewritten\n"


def test_commit_to_branch_refuses_the_checked_out_branch(user, patch):
    with pytest.raises(DeliveryError, match="checked out"):
        commit_to_branch(user, patch, "main", "msg\n", AUTHOR)


def test_push_branch_to_a_bare_remote(user, patch, tmp_path, caplog):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(user, "remote", "add", "origin", str(remote))
    caplog.set_level(logging.DEBUG)
    sha = commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR)
    push_branch(user, "devagent/issue-7", token=TOKEN)
    assert git(remote, "rev-parse", "refs/heads/devagent/issue-7").strip() == sha
    other = Workspace.create(user, tmp_path / "ws2")
    write(other.tree, {"app.txt": "second run\n"})
    again = commit_to_branch(user, other.diff(), "devagent/issue-7", "Fix it\n", AUTHOR)
    push_branch(user, "devagent/issue-7", token=TOKEN)
    assert git(remote, "rev-parse", "refs/heads/devagent/issue-7").strip() == again
    assert TOKEN not in caplog.text


def test_push_sends_token_as_header_and_never_shows_it(user, patch, httpserver, caplog):
    import base64

    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    httpserver.expect_request(
        "/o/r.git/info/refs", headers={"Authorization": f"Basic {basic}"}
    ).respond_with_data("denied", status=403)
    git(user, "remote", "add", "origin", httpserver.url_for("/o/r.git"))
    commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeliveryError, match="push of devagent/issue-7 to origin failed") as err:
        push_branch(user, "devagent/issue-7", token=TOKEN)
    httpserver.check_assertions()
    assert len(httpserver.log) >= 1
    for text in (str(err.value), repr(err.value.__cause__), caplog.text):
        assert TOKEN not in text and basic not in text


def test_delivery_does_not_run_hooks_or_fsmonitor_of_the_user_repo(user, patch, tmp_path):
    marker = tmp_path / "marker"
    hook = user / ".git" / "hooks" / "post-checkout"
    evil = f"#!/bin/sh\necho ran >> {marker}\n"
    for name in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        hook = user / ".git" / "hooks" / name
        hook.write_text(evil)
        hook.chmod(0o755)
    git(user, "config", "core.fsmonitor", str(hook))
    subprocess.run(["git", "status"], cwd=user, env=GIT_ENV, capture_output=True, check=False)
    assert marker.exists(), "control: the planted fsmonitor runs under a plain git"
    marker.unlink()
    write(user, {"app.txt": LINES.replace("line 25\n", "line twenty-five\n")})
    apply_to_tree(user, patch)
    commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR)
    assert not marker.exists()


def test_commit_message_from_issue_and_result():
    solved = commit_message(
        "Fix  the\nparser", status="solved", summary="Parse ints.", issue_ref="o/r#3"
    )
    assert solved == "Fix the parser\n\nParse ints.\n\nCloses o/r#3\ndevagent run status: solved\n"
    unsolved = commit_message("x" * 100, status="unsolved", issue_ref="o/r#3")
    subject, _, rest = unsolved.partition("\n\n")
    assert len(subject) == 72 and subject.endswith("…")
    assert rest == "Refs o/r#3\ndevagent run status: unsolved\n"


def test_check_out_branch_when_asked(user, patch):
    sha = commit_to_branch(user, patch, "devagent/issue-7", "Fix it\n", AUTHOR)
    check_out_branch(user, "devagent/issue-7")
    assert git(user, "rev-parse", "HEAD").strip() == sha
    assert git(user, "status", "--porcelain") == ""
    write(user, {"app.txt": "local edit\n"})
    with pytest.raises(DeliveryError, match="could not check out main"):
        check_out_branch(user, "main")
    assert (user / "app.txt").read_text() == "local edit\n"


def test_remote_url(user, tmp_path):
    git(user, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    assert remote_url(user) == "https://github.com/acme/widgets.git"
    with pytest.raises(DeliveryError, match="no remote 'upstream'"):
        remote_url(user, "upstream")
