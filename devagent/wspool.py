"""Workspace slots in the cache: a run takes a free slot of its repository, locked while it runs,
and leaves its workspace there for the next run to bring up to date (`Workspace.reuse`)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

MAX_SLOTS = 4
"""Runs on one repository at once that get a kept workspace; more get a scratch one."""
STALE_AFTER_S = 14 * 24 * 3600
"""A slot unused this long is removed (by `prune_stale`, which runs beside each solve)."""


def slot_root(cache_dir: Path, repo: Path) -> Path:
    """The folder of `repo`'s slots (one per resolved repository path)."""
    key = hashlib.sha256(os.fsencode(repo.resolve())).hexdigest()[:16]
    return cache_dir / "workspaces" / key


@contextlib.contextmanager
def workspace_slot(cache_dir: Path, repo: Path) -> Iterator[Path | None]:
    """The workspace directory of a free slot for `repo`, held (by an exclusive lock on its lock
    file, released when the process ends, however it ends) until the block exits; None when
    every slot is taken."""
    root = slot_root(cache_dir, repo)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for number in range(MAX_SLOTS):
        fd = os.open(root / f"{number}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            os.utime(fd)  # when the slot was last used: see prune_stale
            yield root / str(number)
        finally:
            os.close(fd)
        return
    yield None


def prune_stale(cache_dir: Path, *, now: float | None = None) -> list[Path]:
    """Remove the workspaces of slots unused for `STALE_AFTER_S` (a slot in use is locked and
    left alone); returns the removed workspace directories."""
    now = time.time() if now is None else now
    removed = []
    for lock in sorted((cache_dir / "workspaces").glob("*/*.lock")):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if now - os.fstat(fd).st_mtime < STALE_AFTER_S:
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            workspace = lock.with_suffix("")
            shutil.rmtree(workspace, ignore_errors=True)
            shutil.rmtree(workspace.with_name(f"{workspace.name}.trash"), ignore_errors=True)
            removed.append(workspace)
            lock.unlink()
        except BlockingIOError:
            continue
        finally:
            os.close(fd)
    return removed
