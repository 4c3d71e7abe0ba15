"""Host-side git on the workspace never runs code that the sandbox planted in the tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from gitrepo import GIT_ENV, write

from devagent.workspace import Workspace
from sandbox.local import LocalSandbox


def plant(git_dir: str, marker: Path) -> str:
    """Shell that plants hooks, an fsmonitor, a textconv driver and an include in `git_dir`."""
    evil = f"#!/bin/sh\necho ran >> {marker}\n"
    return f"""
set -e
mkdir -p {git_dir}/hooks
for hook in post-checkout pre-commit post-commit post-index-change reference-transaction \\
            post-rewrite pre-auto-gc post-merge applypatch-msg pre-applypatch post-applypatch; do
  printf '%s' '{evil}' > {git_dir}/hooks/$hook
  chmod +x {git_dir}/hooks/$hook
done
printf '%s' '{evil}' > /tmp/devagent-evil-$$.sh
cp /tmp/devagent-evil-$$.sh {git_dir}/evil.sh && chmod +x {git_dir}/evil.sh
rm /tmp/devagent-evil-$$.sh
printf '[core]\\n\\tfsmonitor = %s/evil.sh\\n' "$(cd {git_dir} && pwd)" > {git_dir}/extra.cfg
git config --file {git_dir}/config include.path extra.cfg
git config --file {git_dir}/config core.fsmonitor "$(cd {git_dir} && pwd)/evil.sh"
git config --file {git_dir}/config diff.evil.textconv "$(cd {git_dir} && pwd)/evil.sh"
git config --file {git_dir}/config diff.external "$(cd {git_dir} && pwd)/evil.sh"
git config --file {git_dir}/config core.pager "$(cd {git_dir} && pwd)/evil.sh"
"""


@pytest.fixture
def planted(make_repo, tmp_path) -> tuple[Workspace, Path]:
    user = make_repo({"app.py": "x = 1\n"})
    ws = Workspace.create(user, tmp_path / "ws")
    marker = tmp_path / "marker"
    sandbox = LocalSandbox(ws.tree)
    result = sandbox.exec(plant(".git", marker) + "echo '* diff=evil' > .gitattributes\n")
    assert result.exit_code == 0, result.output
    sandbox.exec("echo 'x = 2' > app.py && echo new > added.py")
    return ws, marker


def exercise(ws: Workspace) -> None:
    patch = ws.diff()
    assert ws.changed_files() == [".gitattributes", "added.py", "app.py"]
    ws.reset_to("")
    ws.reset_to(patch)
    assert ws.diff(since_start=True) == patch


def test_the_plant_is_live_for_a_plain_git_in_the_tree(planted):
    """Control: the same plant does run under a plain `git status`, so the tests below can fail."""
    ws, marker = planted
    subprocess.run(["git", "status"], cwd=ws.tree, env=GIT_ENV, capture_output=True, check=False)
    assert marker.exists()


def test_workspace_git_ignores_what_the_sandbox_planted_in_tree_git(planted):
    ws, marker = planted
    exercise(ws)
    assert not marker.exists()


def test_hardening_holds_even_if_the_private_git_dir_were_tampered_with(planted, tmp_path):
    ws, marker = planted
    result = LocalSandbox(ws.root).exec(plant("git", marker))
    assert result.exit_code == 0, result.output
    exercise(ws)
    assert not marker.exists()


def test_nested_repository_is_neither_entered_nor_part_of_the_patch(planted, tmp_path):
    ws, marker = planted
    sandbox = LocalSandbox(ws.tree)
    result = sandbox.exec("git init -q vendor/lib && echo v > vendor/lib/v.txt")
    assert result.exit_code == 0, result.output
    assert sandbox.exec(plant("vendor/lib/.git", marker)).exit_code == 0
    assert "vendor" not in ws.diff()
    assert "vendor/lib" not in " ".join(ws.changed_files())
    assert not marker.exists()


def test_sandbox_sees_a_working_git_of_its_own(make_repo, tmp_path):
    user = make_repo({"app.py": "x = 1\n"})
    ws = Workspace.create(user, tmp_path / "ws")
    sandbox = LocalSandbox(ws.tree)
    write(ws.tree, {"app.py": "x = 2\n"})
    result = sandbox.exec("git status --porcelain --branch && git log --format=%s")
    assert result.output.splitlines() == ["## main", " M app.py", "initial"]
    ws.reset_to("")
    assert (ws.tree / ".git" / "HEAD").exists()


def test_sandbox_git_shares_no_inode_with_the_user_repo(make_repo, tmp_path):
    user = make_repo({"app.py": "x = 1\n"})
    ws = Workspace.create(user, tmp_path / "ws")
    private = [p for p in (ws.root / "git" / "objects").rglob("*") if p.is_file()]
    assert any(p.stat().st_nlink > 1 for p in private)  # control: the private clone hard-links
    sandbox_owned = [p for p in (ws.tree / ".git").rglob("*") if p.is_file()]
    assert sandbox_owned and all(p.stat().st_nlink == 1 for p in sandbox_owned)


def test_sandbox_git_starts_clean_with_carried_over_changes(make_repo, tmp_path):
    user = make_repo({"app.py": "x = 1\n"})
    write(user, {"app.py": "x = 'dirty'\n"})
    ws = Workspace.create(user, tmp_path / "ws", include_dirty=True)
    result = LocalSandbox(ws.tree).exec("git status --porcelain && git log --format=%s")
    assert result.output.splitlines() == ["devagent: the user's uncommitted changes", "initial"]
