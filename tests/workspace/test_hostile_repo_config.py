"""Config keys that name commands never run on the host, even from the user's own repository.

Every planted command appends to a marker file; after cloning with --include-dirty, applying,
committing on a branch and pushing, the marker must not exist. A filter named by a committed
`.gitattributes` is the attack a hostile repository brings; a receive-pack, merge driver or gpg
program in `.git/config` is what a tampered checkout brings."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import git, write

from devagent.delivery import Author, apply_to_tree, commit_to_branch, push_branch
from devagent.gitcmd import GitError, HardenedGit, hostile_overrides
from devagent.workspace import Workspace


def plant(repo: Path, marker: Path) -> None:
    run = f"sh -c 'echo $0 >> {marker}; cat'"
    for key, value in {
        "filter.evil.clean": run.replace("$0", "clean"),
        "filter.evil.smudge": run.replace("$0", "smudge"),
        "filter.evil.process": f"sh -c 'echo process >> {marker}'",
        "filter.evil.required": "true",
        "merge.evil.driver": f"sh -c 'echo merge >> {marker}'",
        "remote.origin.receivepack": f"sh -c 'echo receivepack >> {marker}; git-receive-pack $@' x",
        "remote.origin.uploadpack": f"sh -c 'echo uploadpack >> {marker}; git-upload-pack $@' x",
        "gpg.program": f"sh -c 'echo gpg >> {marker}'",
        "commit.gpgSign": "true",
        "core.sshCommand": f"sh -c 'echo ssh >> {marker}'",
        "core.askPass": f"sh -c 'echo askpass >> {marker}'",
        "diff.evil.command": f"sh -c 'echo extdiff >> {marker}'",
        "diff.evil.textconv": f"sh -c 'echo textconv >> {marker}; cat'",
    }.items():
        git(repo, "config", key, value)


@pytest.fixture
def hostile(make_repo, tmp_path) -> tuple[Path, Path]:
    repo = make_repo({"app.txt": "one\n", ".gitattributes": "* filter=evil merge=evil diff=evil\n"})
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    marker = tmp_path / "ran"
    plant(repo, marker)
    return repo, marker


def test_overrides_cover_every_planted_command_key(hostile):
    repo, _ = hostile
    overrides = dict(hostile_overrides(HardenedGit(work_tree=repo, trust_global_config=True)))
    for key in (
        "filter.evil.clean",
        "filter.evil.smudge",
        "filter.evil.process",
        "merge.evil.driver",
        "gpg.program",
        "core.sshcommand",
        "core.askpass",
        "diff.evil.command",
        "diff.evil.textconv",
    ):
        assert key in overrides, key
    assert overrides["filter.evil.required"] == "false"


def test_include_dirty_apply_commit_and_push_run_no_planted_command(hostile, tmp_path):
    repo, marker = hostile
    write(repo, {"app.txt": "one\ntwo\n", "new.txt": "untracked\n"})
    ws = Workspace.create(repo, tmp_path / "ws", include_dirty=True)
    write(ws.tree, {"app.txt": "one\ntwo\nthree\n"})
    patch = ws.diff(since_start=True)
    apply_to_tree(repo, patch)
    commit_to_branch(repo, ws.diff(), "devagent/issue-1", "fix\n", Author("A", "a@example.com"))
    push_branch(repo, "devagent/issue-1")
    assert not marker.exists(), marker.read_text()
    assert "three" in (repo / "app.txt").read_text()
    assert git(tmp_path / "remote.git", "rev-parse", "devagent/issue-1").strip()


def test_git_proxy_that_cannot_be_overridden_is_refused_by_name(make_repo):
    repo = make_repo({"a.txt": "1\n"})
    git(repo, "config", "core.gitProxy", "evil-proxy")
    with pytest.raises(GitError, match=r"core\.gitproxy"):
        HardenedGit(work_tree=repo, trust_global_config=True).run("status")
