"""The `view` tool: a file window with line numbers, or a directory as a compact tree."""

from __future__ import annotations

import shlex
from typing import Any

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.names import escape_name
from devagent.tools.paths import PathError, resolve_in_workspace
from devagent.tools.safefs import UnsafeFileError, WorkspaceRoot
from devagent.tools.safewalk import SafeGitIgnore, visible_items

DEFAULT_WINDOW = 200
MAX_LINE_CHARS = 400
MAX_TREE_ENTRIES = 300

_MAGIC = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "zip archive",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "ELF executable",
    b"SQLite format 3": "SQLite database",
}


def binary_kind(head: bytes) -> str | None:
    """A short description of the binary type of content starting with `head`, None if text."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "binary data"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte char cut at the end of the sample
            return "binary data (not UTF-8)"
    return None


def _clip(line: str, number: int, rel: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    return (
        f"{line[:MAX_LINE_CHARS]} [... line cut at {MAX_LINE_CHARS} of {len(line)} chars; "
        f"see it all with run `sed -n {number}p {shlex.quote(rel)}`]"
    )


def window_bounds(total: int, start: int | None, end: int | None, window: int) -> tuple[int, int]:
    """The 1-based inclusive line range to show, at most `window` lines, clamped to the file."""
    first = min(max(start or 1, 1), max(total, 1))
    last = end if end is not None and end >= first else first + window - 1
    return first, min(last, first + window - 1, total)


def render_file(rel: str, text: str, start: int | None, end: int | None, window: int) -> str:
    """`text` as numbered lines within the window, with a header and a note on how to see more."""
    lines = text.splitlines()
    total = len(lines)
    if total == 0:
        return f"{rel}: empty file"
    first, last = window_bounds(total, start, end, window)
    width = len(str(last))
    body = "\n".join(f"{n:>{width}}\t{_clip(lines[n - 1], n, rel)}" for n in range(first, last + 1))
    header = f"{rel} (lines {first}-{last} of {total})"
    notes = []
    if first > 1:
        notes.append(f"lines 1-{first - 1} above")
    if last < total:
        notes.append(f"lines {last + 1}-{total} below: view with start_line={last + 1}")
    footer = f"\n[{'; '.join(notes)}]" if notes else ""
    return f"{header}\n{body}{footer}"


class _TreeLister:
    """Collects a directory tree depth-first, honouring ignore rules and an entry cap."""

    def __init__(self, root: WorkspaceRoot, depth: int) -> None:
        self.root, self.depth = root, depth
        self.ignore = SafeGitIgnore(root)
        self.lines: list[str] = []
        self.hidden = 0

    def visit(self, rel_dir: str, level: int) -> None:
        items = visible_items(self.root, self.ignore, rel_dir)
        prefix = f"{rel_dir}/" if rel_dir else ""
        for item in sorted(items, key=lambda i: (i.kind != "dir", i.name)):
            if len(self.lines) >= MAX_TREE_ENTRIES:
                self.hidden += 1
                continue
            is_dir = item.kind == "dir"
            self.lines.append("  " * level + escape_name(item.name) + ("/" if is_dir else ""))
            if is_dir and level + 1 < self.depth:
                self.visit(prefix + item.name, level + 1)


def render_tree(root: WorkspaceRoot, rel: str, depth: int) -> str:
    """A compact indented listing of folder `rel` (relative to the root), `depth` levels deep."""
    lister = _TreeLister(root, depth)
    lister.visit(rel, 0)
    header = (
        f"{escape_name(rel) or '.'}/ (directory, {depth} level{'s' if depth > 1 else ''} shown)"
    )
    body = "\n".join(lister.lines) or "(empty, or every entry is ignored)"
    footer = ""
    if lister.hidden:
        footer = f"\n[{lister.hidden} more entries not shown: view a subdirectory]"
    return f"{header}\n{body}{footer}"


def view(args: dict[str, Any], ctx: ToolContext) -> Observation:
    """Show a file window or a directory tree."""
    path = str(args.get("path", "."))
    try:
        target = resolve_in_workspace(ctx.workspace, path)
    except PathError as exc:
        return Observation.failure(str(exc))
    with WorkspaceRoot(ctx.workspace) as root:
        return _view(root, root.relative(target), path, args)


def _view(root: WorkspaceRoot, rel: str, path: str, args: dict[str, Any]) -> Observation:
    try:
        entry = root.entry(rel)
        if entry is None:
            return Observation.failure(
                f"{escape_name(path)}: no such file or directory; view '.' to list files."
            )
        with entry:
            if entry.is_dir:
                return Observation(render_tree(root, rel, int(args.get("depth", 2))))
            data = entry.read()
    except UnsafeFileError as exc:
        return Observation.failure(str(exc))
    shown = escape_name(rel)
    kind = binary_kind(data[:8192])
    if kind:
        return Observation.failure(f"{shown}: {kind}, {len(data)} bytes; not shown (binary file).")
    text = data.decode("utf-8", errors="replace")
    window = max(1, int(args.get("window", DEFAULT_WINDOW)))
    start, end = args.get("start_line"), args.get("end_line")
    return Observation(render_file(shown, text, start, end, window))


VIEW = Tool(
    name="view",
    description=(
        "Show a file with line numbers (a window of at most `window` lines, default 200, from "
        "start_line), or a directory as a tree (ignoring .git, build/cache folders and "
        ".gitignore'd paths). Paths are relative to the repository root."
    ),
    parameters={
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File or directory; '.' is the repo root."},
            "start_line": {"type": "integer", "minimum": 1},
            "end_line": {"type": "integer", "minimum": 1},
            "window": {"type": "integer", "minimum": 1, "default": DEFAULT_WINDOW},
            "depth": {"type": "integer", "minimum": 1, "default": 2, "description": "Tree depth."},
        },
        "required": ["path"],
        "additionalProperties": False,
    },
    fn=view,
)
