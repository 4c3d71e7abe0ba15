"""Which workspace files the view and search tools see, found through a held workspace root
(`safefs`): the rules of `walk` (no `.git`, build or cache folders, nothing `.gitignore`d, no
symlinks), with every folder and `.gitignore` opened beneath the root, never through a symlink
and never blocking on a FIFO. Cost: one open and one listing per visible folder."""

from __future__ import annotations

from collections.abc import Iterator

from devagent.tools.safefs import DirItem, UnsafeFileError, WorkspaceRoot
from devagent.tools.walk import GitIgnore, IgnoreRule, parse_gitignore

MAX_GITIGNORE_BYTES = 1024 * 1024


class SafeGitIgnore(GitIgnore):
    """`GitIgnore` whose .gitignore files are read through the workspace root: a symlinked,
    special or oversized .gitignore counts as empty."""

    def __init__(self, root: WorkspaceRoot) -> None:
        super().__init__(root.path)
        self.workspace = root

    def _rules_in(self, rel_dir: str) -> list[IgnoreRule]:
        if rel_dir not in self._rules:
            rel = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
            try:
                data = self.workspace.read_bytes(rel, MAX_GITIGNORE_BYTES) or b""
            except (UnsafeFileError, OSError):
                data = b""
            self._rules[rel_dir] = parse_gitignore(data.decode("utf-8", "replace"), rel_dir)
        return self._rules[rel_dir]


def visible_items(
    root: WorkspaceRoot, ignore: GitIgnore, rel_dir: str, *, stats: bool = False
) -> list[DirItem]:
    """The entries of folder `rel_dir` that are not ignored, sorted by name."""
    items = root.list_dir(rel_dir, stats=stats)
    if not any(item.name == ".gitignore" for item in items):
        ignore.note_no_gitignore(rel_dir)
    prefix = f"{rel_dir}/" if rel_dir else ""
    return [item for item in items if not ignore.ignored(prefix + item.name, item.kind == "dir")]


def _walk_dir(
    root: WorkspaceRoot, ignore: GitIgnore, rel_dir: str, stats: bool
) -> Iterator[tuple[str, DirItem]]:
    prefix = f"{rel_dir}/" if rel_dir else ""
    for item in visible_items(root, ignore, rel_dir, stats=stats):
        if item.kind == "dir":
            yield from _walk_dir(root, ignore, prefix + item.name, stats)
        elif item.kind == "file":
            yield prefix + item.name, item


def walk_relative(root: WorkspaceRoot, start: str = "") -> Iterator[str]:
    """Posix paths, relative to the root, of every visible regular file under `start` (a file
    or folder relative to the root; '' for the root), sorted by name at each level. Symlinks and
    special files are skipped."""
    try:
        entry = root.entry(start)
    except UnsafeFileError:
        return
    if entry is None:
        return
    with entry:
        is_dir = entry.is_dir
    if not is_dir:
        yield start
        return
    for rel, _item in _walk_dir(root, SafeGitIgnore(root), start, False):
        yield rel


def walk_files(root: WorkspaceRoot) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every visible regular file under the root, as `walk_relative`
    finds them; the sizes and mtimes are each entry's own (fstatat on its listed folder)."""
    for rel, item in _walk_dir(root, SafeGitIgnore(root), "", True):
        yield rel, item.size, item.mtime_ns
