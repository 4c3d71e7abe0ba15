"""The sandbox's repository holds the base commit and its ancestors only: nothing from the future.

An agent that can read later commits (the upstream fix, a tag of the next release) could copy the
answer instead of solving the issue. The user's repo here has history past the base on its own
branch, a later tag, another branch, a stash and a remote-tracking ref; none of it may reach the
work tree's `.git`, the only repository a sandbox can see."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from gitrepo import git, write
from test_workspace_docker import run_in_container

from devagent.workspace import Workspace


@pytest.fixture
def repo_with_future(make_repo) -> tuple[Path, str, str]:
    """A repo whose `main` is two commits past `base`; returns (repo, base sha, future sha)."""
    repo = make_repo({"app.py": "x = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, {"app.py": "x = 2  # the upstream fix\n", "FIX.md": "the answer\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the fix")
    future = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "tag", "v2.0", future)
    git(repo, "tag", "-a", "-m", "release", "v2.0-annotated", future)
    git(repo, "branch", "later", future)
    git(repo, "update-ref", "refs/remotes/origin/main", future)
    write(repo, {"app.py": "x = 3  # work in progress\n"})
    git(repo, "stash", "-q")
    write(repo, {"app.py": "x = 2  # the upstream fix\n"})
    return repo, base, future


def sandbox_git(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git as the sandbox runs it: in the tree, on the tree's own `.git`."""
    return subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)


def every_object(tree: Path) -> set[str]:
    out = sandbox_git(tree, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    return set(out.stdout.split())


def test_sandbox_repository_has_no_object_past_the_base(repo_with_future, tmp_path):
    repo, base, future = repo_with_future
    ws = Workspace.create(repo, tmp_path / "ws", base=base)
    tree = ws.tree
    assert sandbox_git(tree, "cat-file", "-e", future).returncode != 0
    fix_blob = git(repo, "rev-parse", f"{future}:FIX.md").strip()
    assert fix_blob not in every_object(tree)
    refs = sandbox_git(tree, "for-each-ref", "--format=%(objectname) %(refname)").stdout
    assert [line.split()[0] for line in refs.splitlines()] == [base]
    assert "tags" not in refs and "remotes" not in refs and "stash" not in refs
    log_all = sandbox_git(tree, "log", "--all", "--format=%H").stdout.split()
    assert log_all == [base]
    assert (
        not (tree / ".git" / "packed-refs").exists()
        or future not in (tree / ".git" / "packed-refs").read_text()
    )


def test_sandbox_repository_keeps_the_base_ancestors(make_repo, tmp_path):
    repo = make_repo({"a.py": "1\n"})
    first = git(repo, "rev-parse", "HEAD").strip()
    write(repo, {"a.py": "2\n"})
    git(repo, "commit", "-qam", "second")
    ws = Workspace.create(repo, tmp_path / "ws")
    history = sandbox_git(ws.tree, "log", "--format=%H").stdout.split()
    assert history[-1] == first and len(history) == 2
    assert sandbox_git(ws.tree, "status", "--porcelain").stdout == ""


def test_include_dirty_start_is_visible_but_not_the_future(repo_with_future, tmp_path):
    repo, base, future = repo_with_future
    git(repo, "checkout", "-q", base)
    write(repo, {"app.py": "x = 10  # the user's edit\n"})
    ws = Workspace.create(repo, tmp_path / "ws", include_dirty=True)
    assert (ws.tree / "app.py").read_text() == "x = 10  # the user's edit\n"
    assert sandbox_git(ws.tree, "cat-file", "-e", future).returncode != 0
    assert sandbox_git(ws.tree, "status", "--porcelain").stdout == ""


@pytest.mark.docker
def test_later_commit_is_not_readable_inside_the_sandbox(repo_with_future, tmp_path):
    repo, base, future = repo_with_future
    ws = Workspace.create(repo, tmp_path / "ws", base=base)
    logs = run_in_container(
        ws.tree,
        f"cd /workspace; git log --all --format=%H; "
        f"if git cat-file -e {future} 2>/dev/null; then echo LEAK; else echo SAFE; fi; "
        "git tag -l; git branch -a --format='%(refname)'",
    )
    assert "SAFE" in logs and "LEAK" not in logs
    assert future not in logs
    assert "v2.0" not in logs and "later" not in logs and "origin" not in logs
