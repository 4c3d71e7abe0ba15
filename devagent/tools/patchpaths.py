"""Which paths a diff may touch: the rules of `paths.resolve_in_workspace` for writing, made
stricter for diffs (no absolute targets, no `..` at all), and one bad path rejects the patch."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from devagent.tools.names import escape_name
from devagent.tools.paths import PathError, PathEscapeError, is_git_dir_name, resolve_in_workspace


class PatchPathError(PathEscapeError):
    """An edit names a path outside the workspace or inside `.git/`."""


def resolve_edit_path(workspace: Path, path: str) -> Path:
    """The real host path of workspace-relative `path`; raises `PatchPathError` when unsafe.

    Refused: empty paths, absolute paths, any `..` component, anything under `.git/`, and
    paths whose real location (symlinks followed) is outside the workspace or under `.git/`.
    """
    if not path or not path.strip():
        raise PatchPathError("empty path")
    shown = escape_name(path)
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute():
        raise PatchPathError(
            f"{shown}: absolute paths are refused; use a path relative to the repo"
        )
    if ".." in pure.parts:
        raise PatchPathError(f"{shown}: '..' is refused; use a path inside the repo")
    if any(is_git_dir_name(part) for part in pure.parts):
        raise PatchPathError(f"{shown}: files under .git/ (in any spelling) are never edited")
    try:
        real = resolve_in_workspace(workspace, str(pure), for_write=True)
    except PathError as exc:
        raise PatchPathError(f"{shown}: {exc}") from exc
    if real == workspace.resolve():
        raise PatchPathError(f"{shown}: is the workspace itself, not a file")
    return real


def resolve_all(workspace: Path, paths: Iterable[str]) -> dict[str, Path]:
    """Every path resolved, or `PatchPathError` for the first unsafe one (nothing is touched)."""
    return {path: resolve_edit_path(workspace, path) for path in paths}
