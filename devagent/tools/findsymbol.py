"""The `find_symbol` tool: where a name is defined and which files use it (tree-sitter index)."""

from __future__ import annotations

import difflib
from typing import Any

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.repomap import scan_workspace
from devagent.tools.tags import FileTags

MAX_DEFINITIONS = 30
MAX_REFERENCING_FILES = 15


def _suggestions(name: str, tags: dict[str, FileTags]) -> str:
    places: dict[str, str] = {}
    for path, file_tags in sorted(tags.items()):
        for d in file_tags.definitions:
            places.setdefault(d.name, f"{path}:{d.line}")
    lowered = {n.lower(): n for n in places}
    close = difflib.get_close_matches(name, list(places), n=5, cutoff=0.7)
    close += [lowered[n] for n in difflib.get_close_matches(name.lower(), list(lowered), n=5)]
    unique = list(dict.fromkeys(close))[:5]
    if not unique:
        return "Try `search` for the text instead."
    return "Similar names: " + ", ".join(f"{n} ({places[n]})" for n in unique)


def render_symbol(name: str, tags: dict[str, FileTags]) -> tuple[str, int]:
    """Definitions of `name` as `path:line: signature [kind]`, plus the files that use it."""
    found = [
        f"{path}:{d.line}: {d.signature.strip()}  [{d.kind}]"
        for path, file_tags in sorted(tags.items())
        for d in file_tags.definitions
        if d.name == name
    ]
    users = sorted(path for path, file_tags in tags.items() if name in file_tags.references)
    if not found:
        return f"No definition of {name!r} in the index. {_suggestions(name, tags)}", 0
    lines = [f"{name!r}: {len(found)} definition{'s' if len(found) > 1 else ''}"]
    lines += found[:MAX_DEFINITIONS]
    if len(found) > MAX_DEFINITIONS:
        lines.append(f"[{len(found) - MAX_DEFINITIONS} more definitions not shown: use search]")
    if users:
        shown = ", ".join(users[:MAX_REFERENCING_FILES])
        more = len(users) - MAX_REFERENCING_FILES
        extra = f" [and {more} more: search for the name to see all]" if more > 0 else ""
        lines.append(f"used in {len(users)} files: {shown}{extra}")
    return "\n".join(lines), len(found)


def find_symbol(args: dict[str, Any], ctx: ToolContext) -> Observation:
    """Look a symbol up in the tree-sitter index."""
    name = str(args.get("name", "")).strip().rsplit(".", 1)[-1].rsplit("::", 1)[-1]
    if not name:
        return Observation.failure("find_symbol needs a name, e.g. 'Session' or 'parse_args'.")
    tags, stats = scan_workspace(ctx)
    text, count = render_symbol(name, tags)
    return Observation(text, ok=count > 0, data={"definitions": count, "parsed": stats.parsed})


FIND_SYMBOL = Tool(
    name="find_symbol",
    description=(
        "Where a class, function, method, type or constant is defined (path:line: signature), "
        "and which files use it. Languages: Python, JS/TS, Go, Rust, Java, C/C++."
    ),
    parameters={
        "type": "object",
        "properties": {"name": {"type": "string", "description": "e.g. 'Session.send' or 'send'"}},
        "required": ["name"],
        "additionalProperties": False,
    },
    fn=find_symbol,
)
