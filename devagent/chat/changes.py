"""Previews of an edit tool call's change to the workspace, as a unified diff of the files."""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from devagent.llm.types import ToolCall
from devagent.tools.diffparse import PatchFormatError, parse_patch
from devagent.tools.filestore import NotTextError, read_text
from devagent.tools.names import escape_name
from devagent.tools.paths import PathError
from devagent.tools.safefs import FOLDER_FLAGS, WorkspaceRoot, split_relative

Contents = dict[str, str | None]
"""Workspace-relative path -> text (None: the file does not exist)."""


def clean_path(path: str) -> str:
    """The workspace-relative form the edit tools report in `changed_paths`."""
    return str(PurePosixPath(path.removeprefix("/workspace/").lstrip("/")))


def candidate_paths(call: ToolCall) -> list[str]:
    """The files an edit call may write, known before it runs (empty when it cannot apply)."""
    if call.name == "apply_patch":
        try:
            files = parse_patch(str(call.arguments.get("patch", "")))
        except PatchFormatError:
            return []
        paths = {p for fp in files for p in (fp.source, fp.target) if p is not None}
        return sorted(clean_path(p) for p in paths)
    path = call.arguments.get("path")
    return [clean_path(path)] if isinstance(path, str) and path else []


def read_contents(tree: Path, paths: Iterable[str]) -> Contents:
    """The current text of each path under `tree` (None when absent, binary, special, or reached
    through a symlink: nothing is read outside the tree, whatever the sandbox does meanwhile)."""
    contents: Contents = {}
    with WorkspaceRoot(tree) as root:
        for path in paths:
            try:
                contents[path] = read_text(root, path)
            except (NotTextError, PathError, OSError):
                contents[path] = None
    return contents


def unified_diff(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> str:
    """A git-style unified diff from `before` to `after` (paths in either), sorted by path."""
    parts = []
    for raw in sorted(set(before) | set(after)):
        old, new = before.get(raw), after.get(raw)
        path = escape_name(raw)
        if old == new:
            continue
        lines = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile="/dev/null" if new is None else f"b/{path}",
        )
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        parts.append(f"diff --git a/{path} b/{path}\n{text}")
    return "".join(parts)


def give_to_tree_owner(tree: Path, paths: Iterable[str]) -> None:
    """Hand files the host just wrote (as root) and their new parent directories back to the
    tree's owner, the sandbox user, so that commands in the sandbox can change them too.
    Symlinks are never followed: each folder on the way is held open (`safefs`), so a folder
    the sandbox swaps for a symlink meanwhile cannot lead the change of owner outside."""
    owner = tree.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    with WorkspaceRoot(tree) as root:
        for path in paths:
            with contextlib.suppress(PathError, OSError):  # gone or swapped: nothing of ours
                _give_back(root, split_relative(path), owner)


def _give_back(root: WorkspaceRoot, parts: list[str], owner: os.stat_result) -> None:
    """Give `parts` (each component, from the top) to `owner`, from held folder descriptors."""
    folder = os.open(".", FOLDER_FLAGS, dir_fd=root.fd)
    try:
        for depth, part in enumerate(parts):
            st = os.stat(part, dir_fd=folder, follow_symlinks=False)
            if (st.st_uid, st.st_gid) != (owner.st_uid, owner.st_gid):
                os.chown(part, owner.st_uid, owner.st_gid, dir_fd=folder, follow_symlinks=False)
            if depth + 1 < len(parts):
                step = os.open(part, FOLDER_FLAGS, dir_fd=folder)
                os.close(folder)
                folder = step
    finally:
        os.close(folder)


def _sections(patch: str) -> dict[str, str]:
    """A `git diff` split per file: the `diff --git` header line -> that file's section."""
    sections: dict[str, str] = {}
    for part in patch.split("\ndiff --git ")[1:] if patch else []:
        header, _, _ = part.partition("\n")
        sections[header] = "diff --git " + part.rstrip("\n") + "\n"
    return sections


def changed_sections(before: str, after: str) -> str:
    """The files whose part of the workspace patch changed from `before` to `after` (e.g. what
    a command wrote), shown as their sections of `after`; a file put back shows as reverted."""
    old, new = _sections("\n" + before), _sections("\n" + after)
    parts = [new[h] for h in new if old.get(h) != new[h]]
    parts += [f"diff --git {h}\n(back to its original content)\n" for h in old if h not in new]
    return "".join(parts)
