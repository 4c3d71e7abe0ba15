"""Resolve paths the model names into real paths inside the workspace, refusing escapes."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from devagent.errors import DevagentError

SANDBOX_ROOT = "/workspace"
"""Where the workspace is mounted in the sandbox; paths under it are taken as workspace paths."""


class PathError(DevagentError):
    """A path the model gave cannot be used; the message is written for the model."""


class PathEscapeError(PathError):
    """The path leaves the workspace (via `..`, an absolute path or a symlink) or targets `.git/`
    for writing."""


def _relative_part(workspace: Path, path: str) -> str:
    """The part of `path` to join to the workspace; raises if an absolute path points elsewhere."""
    if not path.startswith("/"):
        return path
    posix = PurePosixPath(path)
    for root in (PurePosixPath(SANDBOX_ROOT), PurePosixPath(str(workspace))):
        if posix == root or root in posix.parents:
            return str(posix.relative_to(root))
    raise PathEscapeError(
        f"{path!r} is outside the workspace; use a path relative to the repository root "
        f"(e.g. 'src/module.py') or under {SANDBOX_ROOT}/."
    )


def resolve_in_workspace(workspace: Path, path: str, *, for_write: bool = False) -> Path:
    """Return the real absolute path of `path` inside `workspace` (symlinks resolved).

    `path` may be relative to the workspace, or absolute under `/workspace` or the workspace's host
    path. Raises `PathEscapeError` when the result would lie outside the workspace, and, when
    `for_write`, when it lies inside `.git/`. The target need not exist.
    """
    if "\x00" in path:
        raise PathEscapeError(f"{path!r} contains a NUL byte; give a plain file path.")
    root = Path(os.path.realpath(workspace))
    try:
        target = Path(os.path.realpath(root / _relative_part(root, path.strip() or ".")))
    except OSError as exc:  # a link turned into a folder mid-way (EINVAL), a name too long, ...
        raise PathError(
            f"{path!r} could not be resolved ({exc.strerror}); a process in the sandbox may be "
            "renaming it. Check it with view and try again."
        ) from exc
    if target != root and root not in target.parents:
        raise PathEscapeError(
            f"{path!r} resolves to a location outside the workspace (through '..' or a symlink); "
            "only files inside the repository can be used."
        )
    if for_write and any(is_git_dir_name(part) for part in target.relative_to(root).parts):
        raise PathEscapeError(
            f"{path!r} is inside .git/, which cannot be edited; change working-tree files only."
        )
    return target


def display_path(workspace: Path, target: Path) -> str:
    """`target` relative to the workspace, as the model should see it ('.' for the root)."""
    root = Path(os.path.realpath(workspace))
    rel = Path(os.path.realpath(target)).relative_to(root)
    return rel.as_posix() if rel.parts else "."


def is_git_dir_name(part: str) -> bool:
    """Whether a path component is `.git` as git itself would see it on some file system: any
    case (`.GIT`), trailing dots or spaces (`.git.`), or the 8.3 short name `git~1`. Host git
    refuses to add such entries, so a file under one would lose the whole patch."""
    folded = part.lower().rstrip(". ")
    return folded == ".git" or folded == "git~1"
