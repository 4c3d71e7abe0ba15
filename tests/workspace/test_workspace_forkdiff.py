"""`Workspace.diff_of`: the patch of a fork's copy of the tree, as `diff(since_start=True)`."""

from __future__ import annotations

import shutil

from gitrepo import git, write

from devagent.workspace import Workspace

FILES: dict[str, str | bytes] = {"app.py": "def add(a, b):\n    return a - b\n", "README": "hi\n"}


def test_a_copy_of_the_tree_diffs_from_the_start_and_leaves_the_workspace_alone(
    make_repo, tmp_path
):
    user = make_repo(FILES)
    write(user, {"README": "my own uncommitted note\n"})
    ws = Workspace.create(user, tmp_path / "ws", include_dirty=True)
    copy = tmp_path / "fork"
    shutil.copytree(ws.tree, copy, symlinks=True)
    write(copy, {"app.py": "def add(a, b):\n    return a + b\n", "new.py": "x = 1\n"})

    patch = ws.diff_of(copy)

    assert "+    return a + b" in patch and "b/new.py" in patch
    assert "README" not in patch  # the person's carried-over change is the starting point
    assert ws.diff(since_start=True) == ""
    ws.reset_to(patch, since_start=True)
    assert (ws.tree / "app.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert (ws.tree / "README").read_text() == "my own uncommitted note\n"
    assert git(user, "status", "--porcelain").strip() == "M README"
