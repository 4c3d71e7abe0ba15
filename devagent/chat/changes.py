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
from devagent.tools.paths import PathError
from devagent.tools.safefs import WorkspaceRoot

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
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
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
    Symlinks are never followed."""
    owner = tree.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    root = tree.resolve()
    for path in paths:
        host = root / path
        for target in (host, *host.parents):
            if target == root or not target.is_relative_to(root):
                break
            with contextlib.suppress(FileNotFoundError):
                st = os.lstat(target)
                if (st.st_uid, st.st_gid) != (owner.st_uid, owner.st_gid):
                    os.lchown(target, owner.st_uid, owner.st_gid)


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
