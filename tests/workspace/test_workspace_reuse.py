"""A kept workspace brought to a new base in place: exactly the base, only changed files written.

`Workspace.reuse` is what makes a second run on the same repository start in well under a
second; it must never carry anything of the earlier run (its edits, litter, the sandbox's `.git`)
or of the future (objects past the base) into the next one."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from gitrepo import git, write
from test_workspace_nofuture import every_object, sandbox_git

from devagent.workspace import Workspace
from devagent.wspool import MAX_SLOTS, STALE_AFTER_S, prune_stale, workspace_slot

FILES = {"app.py": "x = 1\n", "lib/util.py": "y = 1\n", ".gitignore": "build/\n"}


def commit(repo: Path, files: dict[str, str | bytes], message: str = "change") -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def litter(tree: Path) -> None:
    """What a run leaves behind: edits, new and ignored files, a nested repo, its own `.git`."""
    write(
        tree,
        {
            "app.py": "x = 'edited by the agent'\n",
            "new_module.py": "z = 1\n",
            "build/out.bin": b"\0" * 10,
            "lib/__pycache__/util.cpython-311.pyc": b"junk",
            "vendor/nested/file.txt": "nested\n",
        },
    )
    git(tree / "vendor" / "nested", "init", "-q")
    (tree / ".git" / "hooks" / "post-checkout").write_text("#!/bin/sh\necho planted\n")


def test_a_reused_workspace_is_exactly_the_new_base(make_repo, tmp_path):
    repo = make_repo(FILES)
    first = Workspace.reuse(repo, tmp_path / "slot")
    kept = (first.tree / ".gitignore").stat().st_ino
    litter(first.tree)
    head = commit(repo, {"lib/util.py": "y = 2\n"})

    second = Workspace.reuse(repo, tmp_path / "slot")

    assert (second.tree / ".gitignore").stat().st_ino == kept  # reused, not cloned anew
    assert second.base == head
    assert second.diff() == ""
    on_disk = sorted(
        p.relative_to(second.tree).as_posix()
        for p in second.tree.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(second.tree).parts
    )
    assert on_disk == [".gitignore", "app.py", "lib/util.py"]
    assert (second.tree / "app.py").read_text() == "x = 1\n"
    assert (second.tree / "lib/util.py").read_text() == "y = 2\n"
    assert not (second.tree / ".git" / "hooks" / "post-checkout").exists()
    assert sandbox_git(second.tree, "status", "--porcelain").stdout == ""
    assert sandbox_git(second.tree, "rev-parse", "HEAD").stdout.strip() == head


def test_a_workspace_handed_over_later_is_the_same_once_handed_over(make_repo, tmp_path):
    repo = make_repo(FILES)
    first = Workspace.reuse(repo, tmp_path / "slot", hand_over_later=True)
    first.handed_over()
    litter(first.tree)
    head = commit(repo, {"lib/util.py": "y = 2\n"})

    second = Workspace.reuse(repo, tmp_path / "slot", hand_over_later=True)
    assert (second.tree / "lib/util.py").read_text() == "y = 2\n"  # the files: on return
    second.handed_over()

    assert second.diff() == ""
    assert not (second.tree / ".git" / "hooks" / "post-checkout").exists()
    assert sandbox_git(second.tree, "status", "--porcelain").stdout == ""
    assert sandbox_git(second.tree, "rev-parse", "HEAD").stdout.strip() == head
    assert every_object(second.tree) == every_object(
        Workspace.create(repo, tmp_path / "fresh").tree
    )


def test_only_the_changed_files_are_written_again(make_repo, tmp_path):
    repo = make_repo(FILES)
    first = Workspace.reuse(repo, tmp_path / "slot")
    untouched = (first.tree / "app.py").stat().st_ino
    commit(repo, {"lib/util.py": "y = 2\n"})

    second = Workspace.reuse(repo, tmp_path / "slot")

    assert (second.tree / "app.py").stat().st_ino == untouched
    assert (second.tree / "lib/util.py").read_text() == "y = 2\n"


def test_going_back_to_an_older_base_shows_nothing_of_the_later_one(make_repo, tmp_path):
    repo = make_repo(FILES)
    old = git(repo, "rev-parse", "HEAD").strip()
    later = commit(repo, {"app.py": "x = 2  # the upstream fix\n"})
    Workspace.reuse(repo, tmp_path / "slot")  # a run at the later commit

    ws = Workspace.reuse(repo, tmp_path / "slot", base=old)

    assert ws.base == old
    assert (ws.tree / "app.py").read_text() == "x = 1\n"
    objects = every_object(ws.tree)
    assert old in objects
    assert later not in objects


def test_a_later_base_is_fetched_into_the_sandbox_repository(make_repo, tmp_path):
    repo = make_repo(FILES)
    first = commit(repo, {"app.py": "x = 2\n"})
    Workspace.reuse(repo, tmp_path / "slot")
    second = commit(repo, {"app.py": "x = 3\n"})

    ws = Workspace.reuse(repo, tmp_path / "slot")

    log = sandbox_git(ws.tree, "log", "--format=%H").stdout.split()
    assert log[:2] == [second, first]
    assert sandbox_git(ws.tree, "for-each-ref", "--format=%(refname)").stdout.split() == [
        "refs/heads/main"
    ]


def test_a_symlink_planted_as_the_sandbox_git_is_removed_not_followed(make_repo, tmp_path):
    repo = make_repo(FILES)
    first = Workspace.reuse(repo, tmp_path / "slot")
    outside = tmp_path / "outside"
    write(outside, {"keep.txt": "keep\n"})
    shutil.rmtree(first.tree / ".git")
    (first.tree / ".git").symlink_to(outside)

    ws = Workspace.reuse(repo, tmp_path / "slot")

    assert (outside / "keep.txt").read_text() == "keep\n"
    assert (ws.tree / ".git").is_dir() and not (ws.tree / ".git").is_symlink()


def test_uncommitted_changes_are_carried_into_a_reused_workspace(make_repo, tmp_path):
    repo = make_repo(FILES)
    Workspace.reuse(repo, tmp_path / "slot")
    write(repo, {"app.py": "x = 'dirty'\n"})

    ws = Workspace.reuse(repo, tmp_path / "slot", include_dirty=True)

    assert (ws.tree / "app.py").read_text() == "x = 'dirty'\n"
    assert ws.diff(since_start=True) == ""
    assert "dirty" in ws.diff()


def test_a_slot_is_held_by_one_run_at_a_time(make_repo, tmp_path):
    repo = make_repo(FILES)
    held: list[Path | None] = []
    release = threading.Event()
    entered = threading.Barrier(MAX_SLOTS + 2)

    def hold() -> None:
        with workspace_slot(tmp_path / "cache", repo) as slot:
            held.append(slot)
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(MAX_SLOTS + 1)]
    for thread in threads:
        thread.start()
    entered.wait()
    release.set()
    for thread in threads:
        thread.join()
    slots = [slot for slot in held if slot is not None]
    assert len(set(slots)) == MAX_SLOTS
    assert held.count(None) == 1
    with workspace_slot(tmp_path / "cache", repo) as again:
        assert again in slots


def test_slots_unused_for_weeks_are_pruned_and_a_held_one_is_not(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    with workspace_slot(cache, repo) as old:
        Workspace.reuse(repo, old)
    later = time.time() + STALE_AFTER_S + 60
    with workspace_slot(cache, repo) as held:
        Workspace.reuse(repo, held)
        assert held == old
        assert prune_stale(cache, now=later) == []  # in use: left alone
    assert prune_stale(cache, now=time.time()) == []  # used just now
    assert prune_stale(cache, now=later) == [old]
    assert not old.exists()


def emptied(folder: Path, within_s: float = 30.0) -> bool:
    """Whether `folder` is gone or empty, waiting up to `within_s` for a background deletion."""
    deadline = time.monotonic() + within_s
    while folder.exists() and any(folder.iterdir()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_earlier_sandbox_git_is_taken_away_and_deleted_beside_the_slot(make_repo, tmp_path):
    repo = make_repo(FILES)
    first = Workspace.reuse(repo, tmp_path / "slot")
    (first.tree / ".git" / "planted").write_text("from the earlier run\n")
    cut_short = tmp_path / "slot.trash" / "left-by-a-killed-run"  # its deletion never ended
    write(cut_short, {"objects/pack/old.pack": b"\0" * 10})
    slot_files = sorted(p.name for p in first.root.iterdir())

    second = Workspace.reuse(repo, tmp_path / "slot")

    assert not (second.tree / ".git" / "planted").exists()
    assert sandbox_git(second.tree, "status", "--porcelain").stdout == ""
    assert emptied(tmp_path / "slot.trash")
    assert sorted(p.name for p in second.root.iterdir()) == slot_files  # nothing added in it


def test_a_pruned_slot_takes_its_trash_with_it(make_repo, tmp_path):
    repo = make_repo(FILES)
    cache = tmp_path / "cache"
    with workspace_slot(cache, repo) as slot:
        Workspace.reuse(repo, slot)
    trash = slot.with_name(f"{slot.name}.trash")
    write(trash, {"left/file": "x\n"})

    assert prune_stale(cache, now=time.time() + STALE_AFTER_S + 60) == [slot]
    assert not trash.exists()


def test_a_run_on_the_same_start_gets_the_same_sandbox_repository(make_repo, tmp_path):
    repo = make_repo(FILES)
    head = git(repo, "rev-parse", "HEAD").strip()
    Workspace.reuse(repo, tmp_path / "slot")
    ws = Workspace.reuse(repo, tmp_path / "slot")

    refs = sandbox_git(ws.tree, "for-each-ref", "--format=%(refname) %(objectname)").stdout
    assert refs.splitlines() == [f"refs/heads/main {head}"]
    assert sandbox_git(ws.tree, "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    assert sandbox_git(ws.tree, "reflog", "--all").stdout == ""
    assert sandbox_git(ws.tree, "status", "--porcelain").stdout == ""
    assert sandbox_git(ws.tree, "log", "--format=%H").stdout.split() == [head]
