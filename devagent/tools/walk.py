"""Which workspace files tools see: no `.git`, build or cache folders, nothing `.gitignore`d."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", ".eggs", "build", "dist",
     "target", ".next", ".gradle", ".idea", ".vscode", "htmlcov", ".devagent"}
)  # fmt: skip
"""Folder names never listed or searched: VCS data, dependencies, build output, caches."""


@dataclass(frozen=True)
class IgnoreRule:
    base: str
    """Directory (relative to the root, '' for the root) of the .gitignore holding the rule."""
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    anchored: bool


def _glob_to_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and "]" in glob[i + 1 :]:
            end = glob.index("]", i + 1)
            body = glob[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i + 1] if glob[i] == "\\" and i + 1 < len(glob) else glob[i]))
            i += 2 if glob[i] == "\\" else 1
    return "".join(out)


def parse_gitignore(text: str, base: str = "") -> list[IgnoreRule]:
    """The rules of one .gitignore file located in directory `base`."""
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip(" ") if not raw.endswith("\\ ") else raw
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line.removeprefix("\\")
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        line = line.lstrip("/")
        if not line:
            continue
        regex = re.compile(_glob_to_regex(line) + r"\Z")
        rules.append(IgnoreRule(base, regex, negated, dir_only, anchored))
    return rules


class GitIgnore:
    """Answers "is this path ignored?" for paths under `root`, reading .gitignore files lazily."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._rules: dict[str, list[IgnoreRule]] = {}
        self._chains: dict[str, list[tuple[str, list[IgnoreRule]]]] = {}

    def _rules_in(self, rel_dir: str) -> list[IgnoreRule]:
        if rel_dir not in self._rules:
            path = os.path.join(self.root, rel_dir, ".gitignore")
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                text = ""
            self._rules[rel_dir] = parse_gitignore(text, rel_dir)
        return self._rules[rel_dir]

    def note_no_gitignore(self, rel_dir: str) -> None:
        """Tell the matcher that `rel_dir` has no .gitignore (saves a failed open per folder)."""
        self._rules.setdefault(rel_dir, [])

    def _chain(self, rel_dir: str) -> list[tuple[str, list[IgnoreRule]]]:
        """The non-empty rule lists that apply inside `rel_dir`, outermost first."""
        if rel_dir not in self._chains:
            chain = self._chain(rel_dir.rpartition("/")[0]) if rel_dir else []
            rules = self._rules_in(rel_dir)
            self._chains[rel_dir] = [*chain, (rel_dir, rules)] if rules else chain
        return self._chains[rel_dir]

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether `rel` (posix, relative to the root) is excluded; its parents are assumed not."""
        parent, _, name = rel.rpartition("/")
        if is_dir and (name in SKIPPED_DIRS or name.endswith(".egg-info")):
            return True
        verdict = False
        for base, rules in self._chain(parent):
            sub = rel[len(base) + 1 :] if base else rel
            for rule in rules:
                if rule.dir_only and not is_dir:
                    continue
                if rule.regex.match(sub if rule.anchored else name):
                    verdict = not rule.negated
        return verdict


def _walk_dir(ignore: GitIgnore, folder: str, rel_dir: str) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    if not any(entry.name == ".gitignore" for entry in entries):
        ignore.note_no_gitignore(rel_dir)
    prefix = rel_dir + "/" if rel_dir else ""
    for entry in entries:
        rel = prefix + entry.name
        try:
            if entry.is_symlink():  # never followed: a link may lead out of the workspace
                continue
            if entry.is_dir():
                if not ignore.ignored(rel, True):
                    yield from _walk_dir(ignore, entry.path, rel)
            elif entry.is_file() and not ignore.ignored(rel, False):
                yield rel
        except OSError:
            continue


def walk_relative(root: Path, start: Path | None = None) -> Iterator[str]:
    """Posix paths, relative to `root`, of every visible regular file under `start` (default:
    `root`), sorted by name at each level. Symlinks are skipped."""
    real_root = os.path.realpath(root)
    top = os.path.realpath(start or root)
    rel_top = "" if top == real_root else os.path.relpath(top, real_root).replace(os.sep, "/")
    if os.path.isfile(top):
        yield rel_top
        return
    yield from _walk_dir(GitIgnore(Path(real_root)), top, rel_top)


def walk_files(root: Path, start: Path | None = None) -> Iterator[Path]:
    """Like `walk_relative`, as absolute paths."""
    real_root = Path(os.path.realpath(root))
    for rel in walk_relative(root, start):
        yield real_root / rel
