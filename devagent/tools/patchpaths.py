"""Which paths an edit may touch: inside the workspace, never through `..`, `/` or `.git/`.

(The read tools' `paths.resolve_in_workspace` has the same job for single paths; the two are to
be unified. This module adds the rule for diffs: one bad path rejects the whole patch.)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from devagent.errors import DevagentError


class PatchPathError(DevagentError):
    """An edit names a path outside the workspace or inside `.git/`."""


def resolve_edit_path(workspace: Path, path: str) -> Path:
    """The real host path of workspace-relative `path`; raises `PatchPathError` when unsafe.

    Refused: empty paths, absolute paths, any `..` component, anything under `.git/`, and
    paths whose real location (symlinks followed) is outside the workspace or under `.git/`.
    """
    if not path or not path.strip():
        raise PatchPathError("empty path")
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute():
        raise PatchPathError(f"{path}: absolute paths are refused; use a path relative to the repo")
    if ".." in pure.parts:
        raise PatchPathError(f"{path}: '..' is refused; use a path inside the repo")
    if ".git" in pure.parts:
        raise PatchPathError(f"{path}: files under .git/ are never edited")
    root = workspace.resolve()
    real = (root / pure).resolve()
    if real != root and root not in real.parents:
        raise PatchPathError(f"{path}: resolves (through a symlink) to outside the workspace")
    if ".git" in real.relative_to(root).parts:
        raise PatchPathError(f"{path}: resolves (through a symlink) into .git/")
    if real == root:
        raise PatchPathError(f"{path}: is the workspace itself, not a file")
    return real


def resolve_all(workspace: Path, paths: Iterable[str]) -> dict[str, Path]:
    """Every path resolved, or `PatchPathError` for the first unsafe one (nothing is touched)."""
    return {path: resolve_edit_path(workspace, path) for path in paths}
