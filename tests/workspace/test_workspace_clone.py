"""Workspace: private clone, base, carried-over changes, binary-safe patch, reset and apply."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepo import git, snapshot, write

from devagent.workspace import Workspace, WorkspaceError, to_bytes

FILES: dict[str, str | bytes] = {
    "src/app.py": "def add(a, b):\n    return a - b\n",
    "data/logo.bin": bytes(range(256)),
    "latin1.txt": "caf\xe9\n".encode("latin-1"),
    ".gitignore": "build/\n",
}


def tree_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_clone_at_head_leaves_user_tree_untouched(make_repo, tmp_path):
    user = make_repo(FILES)
    before = snapshot(user)
    ws = Workspace.create(user, tmp_path / "ws")
    assert ws.base == git(user, "rev-parse", "HEAD").strip()
    assert tree_files(ws.tree) == tree_files(user)
    assert ws.diff() == ""
    assert ws.changed_files() == []
    assert snapshot(user) == before


def test_clone_at_given_base(make_repo, tmp_path):
    user = make_repo(FILES)
    first = git(user, "rev-parse", "HEAD").strip()
    write(user, {"src/app.py": "changed\n"})
    git(user, "commit", "-qam", "second")
    ws = Workspace.create(user, tmp_path / "ws", base="HEAD~1")
    assert ws.base == first
    assert (ws.tree / "src/app.py").read_text() == FILES["src/app.py"]


def test_clone_from_url(make_repo, tmp_path):
    user = make_repo(FILES)
    ws = Workspace.create(f"file://{user}", tmp_path / "ws")
    assert ws.base == git(user, "rev-parse", "HEAD").strip()
    assert tree_files(ws.tree) == tree_files(user)


def test_include_dirty_carries_staged_unstaged_and_untracked(make_repo, tmp_path):
    user = make_repo(FILES)
    write(user, {"staged.txt": "staged\n", "src/app.py": "unstaged\n", "new.txt": "untracked\n"})
    git(user, "add", "staged.txt")
    write(user, {"build/out.o": "ignored\n"})
    before = snapshot(user)
    ws = Workspace.create(user, tmp_path / "ws", include_dirty=True)
    assert ws.base == git(user, "rev-parse", "HEAD").strip()
    assert ws.start != ws.base
    assert ws.changed_files() == ["new.txt", "src/app.py", "staged.txt"]
    assert not (ws.tree / "build").exists()
    assert (ws.tree / "src/app.py").read_text() == "unstaged\n"
    assert ws.diff(since_start=True) == ""
    assert snapshot(user) == before


def test_diff_is_binary_safe_and_round_trips(make_repo, tmp_path):
    user = make_repo(FILES)
    ws = Workspace.create(user, tmp_path / "ws")
    write(
        ws.tree,
        {
            "data/logo.bin": bytes(reversed(range(256))),
            "latin1.txt": "na\xefve\n".encode("latin-1"),
            "src/new_module.py": "VALUE = 1\n",
            "build/ignored.o": "not part of the patch\n",
        },
    )
    (ws.tree / "src/app.py").unlink()
    patch = ws.diff()
    assert "GIT binary patch" in patch
    assert "build/ignored.o" not in patch
    other = Workspace.create(user, tmp_path / "other")
    other.apply(patch)
    expected = {k: v for k, v in tree_files(ws.tree).items() if not k.startswith("build/")}
    assert tree_files(other.tree) == expected
    assert to_bytes(other.diff()) == to_bytes(patch)


def test_changed_files_lists_modified_added_deleted(make_repo, tmp_path):
    ws = Workspace.create(make_repo(FILES), tmp_path / "ws")
    write(ws.tree, {"src/app.py": "x\n", "docs/new.md": "# new\n"})
    (ws.tree / "latin1.txt").unlink()
    assert ws.changed_files() == ["docs/new.md", "latin1.txt", "src/app.py"]


def test_reset_to_restores_exactly_base_plus_patch(make_repo, tmp_path):
    ws = Workspace.create(make_repo(FILES), tmp_path / "ws")
    write(ws.tree, {"src/app.py": "best\n", "added.txt": "kept\n"})
    best = ws.diff()
    best_files = tree_files(ws.tree)
    write(ws.tree, {"src/app.py": "worse\n", "stray/file.txt": "stray\n", "build/x.o": "ign\n"})
    ws.reset_to(best)
    assert tree_files(ws.tree) == {**best_files, "build/x.o": b"ign\n"}
    assert ws.diff() == best
    ws.reset_to("")
    assert ws.changed_files() == []


def test_the_persons_changes_and_the_agents_stay_apart_with_include_dirty(make_repo, tmp_path):
    """The agent's patch is what it changed after the start; resetting to it keeps the
    person's carried-over edits, which `dirty_diff` holds on their own."""
    user = make_repo(FILES)
    write(user, {"src/app.py": "mine\n", "notes.txt": "my notes\n"})
    ws = Workspace.create(user, tmp_path / "ws", include_dirty=True)
    dirty = ws.dirty_diff()
    assert "+mine" in dirty and "+my notes" in dirty
    write(ws.tree, {"src/app.py": "mine, then the agent's\n"})
    agent = ws.diff(since_start=True)
    assert "-mine\n+mine, then the agent's" in agent and "notes.txt" not in agent
    write(ws.tree, {"src/app.py": "worse\n", "stray.txt": "x\n"})
    ws.reset_to(agent, since_start=True)
    assert (ws.tree / "src/app.py").read_text() == "mine, then the agent's\n"
    assert (ws.tree / "notes.txt").read_text() == "my notes\n"
    assert not (ws.tree / "stray.txt").exists()
    assert ws.diff(since_start=True) == agent
    assert ws.dirty_diff() == dirty


def test_a_run_from_a_commit_has_no_dirty_diff(make_repo, tmp_path):
    ws = Workspace.create(make_repo(FILES), tmp_path / "ws")
    write(ws.tree, {"src/app.py": "agent\n"})
    assert ws.dirty_diff() == ""
    assert ws.diff(since_start=True) == ws.diff()


def test_apply_refuses_a_patch_that_does_not_match(make_repo, tmp_path):
    ws = Workspace.create(make_repo(FILES), tmp_path / "ws")
    write(ws.tree, {"src/app.py": "one\n"})
    patch = ws.diff()
    ws.reset_to("")
    write(ws.tree, {"src/app.py": "something else\n"})
    with pytest.raises(WorkspaceError, match="does not apply"):
        ws.apply(patch)
    assert (ws.tree / "src/app.py").read_text() == "something else\n"


def test_open_reattaches_with_base_and_start(make_repo, tmp_path):
    user = make_repo(FILES)
    write(user, {"new.txt": "dirty\n"})
    ws = Workspace.create(user, tmp_path / "ws", include_dirty=True)
    again = Workspace.open(tmp_path / "ws")
    assert (again.base, again.start) == (ws.base, ws.start)
    assert again.diff() == ws.diff()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"base": "no-such-rev"}, "unknown revision"), ({"include_dirty": True}, "local repo")],
)
def test_create_refuses_bad_requests(make_repo, tmp_path, kwargs, message):
    user = make_repo(FILES)
    repo = f"file://{user}" if kwargs.get("include_dirty") else user
    with pytest.raises(WorkspaceError, match=message):
        Workspace.create(repo, tmp_path / "ws", **kwargs)
    assert list((tmp_path / "ws").iterdir()) == []


def test_clone_failure_does_not_show_url_credentials(tmp_path):
    with pytest.raises(WorkspaceError, match="could not clone") as err:
        Workspace.create("http://user:s3cret@127.0.0.1:9/repo.git", tmp_path / "ws")
    assert "s3cret" not in str(err.value) and err.value.__cause__ is None


def test_create_refuses_non_empty_destination(make_repo, tmp_path):
    dest = tmp_path / "ws"
    write(dest, {"keep.txt": "mine\n"})
    with pytest.raises(WorkspaceError, match="not empty"):
        Workspace.create(make_repo(FILES), dest)
    assert (dest / "keep.txt").read_text() == "mine\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another user needs root")
def test_reset_to_keeps_the_tree_owned_by_the_sandbox_user(make_repo, tmp_path):
    ws = Workspace.create(make_repo(FILES), tmp_path / "ws")
    for path in [ws.tree, *ws.tree.rglob("*")]:
        os.lchown(path, 1000, 1000)  # what the sandbox does when it takes the tree over
    write(ws.tree, {"src/app.py": "best\n", "pkg/new/mod.py": "x = 1\n"})
    best = ws.diff()
    ws.reset_to("")
    ws.reset_to(best)
    owners = {(p.lstat().st_uid, p.lstat().st_gid) for p in ws.tree.rglob("*")}
    assert owners == {(1000, 1000)}
    assert ws.diff() == best


def test_a_git_dir_in_another_spelling_is_left_out_of_the_patch(make_repo, tmp_path):
    """Host git refuses to add `.GIT/...`; a sandbox that made one must not lose the patch."""
    repo = make_repo({"app.py": "x = 1\n"})
    ws = Workspace.create(repo, tmp_path / "ws")
    (ws.tree / ".GIT").mkdir()
    (ws.tree / ".GIT" / "config").write_text("[core]\n")
    (ws.tree / "sub" / ".Git").mkdir(parents=True)
    (ws.tree / "sub" / ".Git" / "x").write_text("y\n")
    (ws.tree / "app.py").write_text("x = 2\n")
    patch = ws.diff()
    assert "+x = 2" in patch
    assert ".GIT" not in patch and ".Git" not in patch


def test_huge_or_countless_untracked_files_stay_out_of_the_patch(make_repo, tmp_path, caplog):
    repo = make_repo({"app.py": "x = 1\n"})
    ws = Workspace.create(repo, tmp_path / "ws")
    with open(ws.tree / "dump.bin", "wb") as handle:
        handle.truncate(11 << 20)  # sparse: 11 MiB, no disk
    many = ws.tree / "many"
    many.mkdir()
    for i in range(5_100):
        (many / f"f{i:05d}.txt").write_text("")
    (ws.tree / "app.py").write_text("x = 2\n")
    patch = ws.diff()
    assert "+x = 2" in patch and "dump.bin" not in patch
    assert patch.count("new file mode") == 5_000
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "dump.bin" in warned and "100 untracked files past the first 5000" in warned
