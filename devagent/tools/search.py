"""The `search` tool: literal or regex search over visible workspace files (rg or Python)."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.names import escape_name
from devagent.tools.paths import PathError, resolve_in_workspace
from devagent.tools.safefs import UnsafeFileError, WorkspaceRoot
from devagent.tools.safewalk import walk_relative
from devagent.tools.walk import SKIPPED_DIRS

DEFAULT_MAX_RESULTS = 50
MAX_TEXT_CHARS = 200
RG_TIMEOUT = 10.0
"""Seconds rg may take before the search falls back to the Python engine."""


@dataclass(frozen=True)
class SearchQuery:
    pattern: str
    regex: bool = False
    path: str = "."
    glob: str | None = None
    ignore_case: bool = False


@dataclass(frozen=True)
class Match:
    path: str
    line: int
    text: str


def _search_rg(rg: str, root: WorkspaceRoot, start: str, query: SearchQuery) -> list[Match] | None:
    """rg's matches, each kept only when the line read through the workspace root is the line
    rg printed (rg opens files by path, so a swapped symlink could lead it outside). None when
    rg does not finish in time (e.g. a FIFO swapped in where it reads)."""
    cmd = [rg, "--line-number", "--with-filename", "--no-heading", "--null", "--color=never",
           "--no-require-git", "--hidden", "--sort=path", "--no-messages"]  # fmt: skip
    cmd += ["--no-config"]
    cmd += ["--ignore-case"] if query.ignore_case else []
    cmd += [] if query.regex else ["--fixed-strings"]
    for name in sorted(SKIPPED_DIRS):
        cmd += ["--glob", f"!{name}/"]
    cmd += ["--glob", "!*.egg-info/"]
    if query.glob:
        cmd += ["--glob", query.glob]
    top = str(root.path / start) if start else str(root.path)
    cmd += ["--regexp", query.pattern, "--", top]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=RG_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    hits: dict[str, list[tuple[int, bytes]]] = {}
    for raw in proc.stdout.split(b"\n"):
        path, _, rest = raw.partition(b"\0")
        number, _, text = rest.partition(b":")
        rel = _relative(os.fsdecode(path), top, start, str(root.path))
        if number.isdigit() and rel is not None:
            hits.setdefault(rel, []).append((int(number), text))
    return [match for rel, found in hits.items() for match in _verified(root, rel, found)]


def _relative(path: str, top: str, start: str, root: str) -> str | None:
    if path == top:
        return start
    return path[len(root) + 1 :] if path.startswith(root + "/") else None


def _verified(root: WorkspaceRoot, rel: str, found: list[tuple[int, bytes]]) -> list[Match]:
    """The matches whose line is, byte for byte, line `number` of the workspace's file `rel`."""
    try:
        data = root.read_bytes(rel)
    except (UnsafeFileError, OSError):
        return []
    lines = (data or b"").split(b"\n")
    return [
        Match(rel, number, text.decode("utf-8", "replace"))
        for number, text in found
        if number <= len(lines) and lines[number - 1] == text
    ]


def _search_python(root: WorkspaceRoot, start: str, query: SearchQuery) -> list[Match]:
    flags = re.IGNORECASE if query.ignore_case else 0
    needle = re.compile(query.pattern if query.regex else re.escape(query.pattern), flags)
    matches = []
    for rel in walk_relative(root, start):
        if query.glob and not _glob_matches(query.glob, rel):
            continue
        try:
            data = root.read_bytes(rel) or b""
        except (UnsafeFileError, OSError):
            continue
        if b"\0" in data[:8192]:
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if needle.search(line):
                matches.append(Match(rel, number, line))
    return matches


def _glob_matches(glob: str, rel: str) -> bool:
    """rg's glob semantics, roughly: a glob without '/' matches the basename."""
    if "/" not in glob:
        return fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], glob)
    return fnmatch.fnmatchcase(rel, glob.lstrip("/")) or fnmatch.fnmatchcase(rel, "*/" + glob)


def search_workspace(
    root: Path, query: SearchQuery, engine: Literal["auto", "rg", "python"] = "auto"
) -> list[Match]:
    """All matches of `query` under `root`, sorted by path and line. Raises re.error, PathError.

    Every file is read through a held workspace root (`safefs`), or, with rg, every match is
    checked against such a read: a folder swapped for a symlink cannot leak outside content."""
    target = resolve_in_workspace(root, query.path)
    rg = shutil.which("rg") if engine != "python" else None
    if engine == "rg" and rg is None:
        raise FileNotFoundError("rg is not installed")
    if query.regex:
        re.compile(query.pattern)  # one error path for both engines
    with WorkspaceRoot(root) as workspace:
        start = workspace.relative(target)
        entry = workspace.entry(start)  # refuses a FIFO, socket or device before rg sees it
        if entry is None:
            return []
        entry.close()
        found = _search_rg(rg, workspace, start, query) if rg else None
        if found is None:
            found = _search_python(workspace, start, query)
    return sorted(found, key=lambda m: (m.path, m.line))


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS] + " [...]"


def render_matches(query: SearchQuery, matches: list[Match], max_results: int) -> str:
    """`path:line: text` lines grouped by file, capped, with how many more matched."""
    if not matches:
        where = f" under {escape_name(query.path)}" if query.path not in ("", ".") else ""
        glob = f" in files matching {query.glob}" if query.glob else ""
        return f"No matches for {query.pattern!r}{where}{glob}."
    files = len({m.path for m in matches})
    shown = matches[:max_results]
    blocks: list[str] = []
    for match in shown:
        path = escape_name(match.path)
        if blocks and not blocks[-1].startswith(path + ":"):
            blocks.append("")
        blocks.append(f"{path}:{match.line}: {_clip(match.text)}")
    header = f"{len(matches)} matches in {files} files for {query.pattern!r}"
    footer = ""
    if len(matches) > len(shown):
        rest_files = files - len({m.path for m in shown})
        footer = (
            f"\n[{len(matches) - len(shown)} more matches ({rest_files} more files) not shown: "
            "narrow with path= or glob=, or raise max_results]"
        )
    return f"{header}\n{chr(10).join(blocks)}{footer}"


def search(args: dict[str, Any], ctx: ToolContext) -> Observation:
    """Run the search tool."""
    query = SearchQuery(
        pattern=str(args.get("pattern", "")),
        regex=bool(args.get("regex", False)),
        path=str(args.get("path", ".")),
        glob=args.get("glob") or None,
        ignore_case=bool(args.get("ignore_case", False)),
    )
    if not query.pattern:
        return Observation.failure("search needs a non-empty pattern.")
    try:
        matches = search_workspace(ctx.workspace, query, ctx.extra.get("search_engine", "auto"))
    except PathError as exc:
        return Observation.failure(str(exc))
    except re.error as exc:
        return Observation.failure(
            f"invalid regex {query.pattern!r}: {exc}; escape special characters or use regex=false."
        )
    max_results = max(1, int(args.get("max_results", DEFAULT_MAX_RESULTS)))
    text = render_matches(query, matches, max_results)
    return Observation(text, data={"matches": len(matches)})


SEARCH = Tool(
    name="search",
    description=(
        "Search the repository's files for a literal string (or a regex with regex=true). "
        "Results are `path:line: text`, grouped by file and capped; .gitignore'd, build and cache "
        "folders are skipped."
    ),
    parameters={
        "type": "object",
        "properties": {
            "pattern": {"type": "string"},
            "regex": {"type": "boolean", "default": False},
            "path": {"type": "string", "default": ".", "description": "File or folder to search."},
            "glob": {"type": "string", "description": "Only files matching, e.g. '*.py'."},
            "ignore_case": {"type": "boolean", "default": False},
            "max_results": {"type": "integer", "minimum": 1, "default": DEFAULT_MAX_RESULTS},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    },
    fn=search,
)
