"""The editing tools `apply_patch`, `replace` and `create`, exported as `EDIT_TOOLS`.

Every tool checks everything first (paths, matches, syntax), then writes all files at once;
a refused edit leaves the workspace untouched. `Observation.data["changed_paths"]` lists the
workspace-relative paths written or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.diffparse import PatchFormatError, parse_patch
from devagent.tools.editreport import change_summary, numbered, patch_failure_text
from devagent.tools.filestore import NotTextError, read_text, write_all
from devagent.tools.hunkmatch import closest_lines, loose_key
from devagent.tools.names import escape_name
from devagent.tools.patch import apply_file_patches
from devagent.tools.patchpaths import resolve_all, resolve_edit_path
from devagent.tools.paths import PathError
from devagent.tools.safefs import UnsafeFileError, WorkspaceRoot
from devagent.tools.syntax import new_syntax_issues, render_issues


def apply_patch_tool(args: dict[str, Any], ctx: ToolContext) -> Observation:
    patch = args.get("patch")
    if not isinstance(patch, str):
        return Observation.failure("apply_patch needs `patch`: a unified diff as a string.")
    with WorkspaceRoot(ctx.workspace) as root:
        return _apply_patch(patch, root)


def _apply_patch(patch: str, root: WorkspaceRoot) -> Observation:
    try:
        files = parse_patch(patch)
        paths = {p for fp in files for p in (fp.source, fp.target) if p is not None}
        real = {p: root.relative(h) for p, h in resolve_all(root.path, sorted(paths)).items()}
        current = {path: read_text(root, rel) for path, rel in real.items()}
    except (PatchFormatError, PathError, NotTextError) as exc:
        return Observation.failure(f"apply_patch refused; no file was changed: {exc}")
    result = apply_file_patches(files, current)
    if not result.ok:
        return Observation.failure(patch_failure_text(result.failures))
    before = dict(current)
    for fp in files:
        if fp.kind == "rename" and fp.source and fp.target:
            before[fp.target] = current[fp.source]  # lint the moved file against its old text
    failure = _commit(result.contents, before, real, root)
    if failure is not None:
        return failure
    summary = change_summary(result.contents, {p: t is not None for p, t in current.items()})
    notes = "".join(f"\nnote: {note}" for note in result.notes)
    return Observation(f"Patch applied.\n{summary}{notes}", data=_changed(result.contents))


def replace_tool(args: dict[str, Any], ctx: ToolContext) -> Observation:
    path, old, new, count = args.get("path"), args.get("old"), args.get("new"), args.get("count")
    if not (isinstance(path, str) and isinstance(old, str) and isinstance(new, str)):
        return Observation.failure("replace needs `path`, `old` and `new` as strings.")
    if not old:
        return Observation.failure(
            "replace needs a non-empty `old` snippet; use create for new files."
        )
    with WorkspaceRoot(ctx.workspace) as root:
        return _replace(root, path, old, new, count)


def _replace(root: WorkspaceRoot, path: str, old: str, new: str, count: Any) -> Observation:
    shown = escape_name(path)
    try:
        rel = root.relative(resolve_edit_path(root.path, path))
        text = read_text(root, rel)
    except (PathError, NotTextError) as exc:
        return Observation.failure(f"replace refused: {exc}")
    if text is None:
        return Observation.failure(f"replace: {shown} does not exist; use create for new files.")
    if old not in text and "\r\n" in text and "\r\n" not in old:
        old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")
    found = _occurrences(text, old)
    problem = _replace_problem(shown, text, old, found, count)
    if problem is not None:
        return Observation.failure(problem)
    changed = {_clean(path): text.replace(old, new)}
    failure = _commit(changed, {_clean(path): text}, {_clean(path): rel}, root)
    if failure is not None:
        return failure
    plural = "s" if len(found) > 1 else ""
    where = ", ".join(str(n) for n in found)
    return Observation(
        f"Replaced {len(found)} occurrence{plural} in {shown} (line{plural} {where}).",
        data=_changed(changed),
    )


def create_tool(args: dict[str, Any], ctx: ToolContext) -> Observation:
    path, content, overwrite = args.get("path"), args.get("content"), args.get("overwrite", False)
    if not (isinstance(path, str) and isinstance(content, str)):
        return Observation.failure("create needs `path` and `content` as strings.")
    with WorkspaceRoot(ctx.workspace) as root:
        return _create(root, path, content, bool(overwrite))


def _create(root: WorkspaceRoot, path: str, content: str, overwrite: bool) -> Observation:
    shown = escape_name(path)
    try:
        rel = root.relative(resolve_edit_path(root.path, path))
        existing = read_text(root, rel)
    except (PathError, NotTextError) as exc:
        return Observation.failure(f"create refused: {exc}")
    if existing is not None and not overwrite:
        return Observation.failure(
            f"create: {shown} already exists ({len(existing.splitlines())} lines). Pass "
            "overwrite=true to replace it whole, or edit it with replace/apply_patch."
        )
    changed = {_clean(path): content}
    failure = _commit(changed, {_clean(path): existing}, {_clean(path): rel}, root)
    if failure is not None:
        return failure
    verb = "Overwrote" if existing is not None else "Created"
    return Observation(
        f"{verb} {shown} ({len(content.splitlines())} lines).", data=_changed(changed)
    )


def _commit(
    contents: Mapping[str, str | None],
    before: Mapping[str, str | None],
    real: Mapping[str, str],
    root: WorkspaceRoot,
) -> Observation | None:
    """Refuse if an edit adds syntax errors; otherwise write everything. None means written."""
    for path, text in contents.items():
        issues = [] if text is None else new_syntax_issues(path, before.get(path), text)
        if issues:
            return Observation.failure(
                f"The edit was not applied (rolled back): it introduces syntax errors in {path}.\n"
                f"{render_issues(path, text or '', issues)}\n"
                "Fix the edit so the file still parses, and try again."
            )
    try:
        write_all(root, {real[path]: text for path, text in contents.items()})
    except UnsafeFileError as exc:
        return Observation.failure(
            f"The edit could not be written: {exc}. Check the files with view before retrying."
        )
    return None


def _occurrences(text: str, old: str) -> list[int]:
    """1-based line numbers where each non-overlapping occurrence of `old` starts."""
    lines, start = [], text.find(old)
    while start != -1:
        lines.append(text.count("\n", 0, start) + 1)
        start = text.find(old, start + len(old))
    return lines


def _replace_problem(path: str, text: str, old: str, found: list[int], count: Any) -> str | None:
    if not found:
        return _not_found(path, text, old)
    if count is None and len(found) > 1:
        where = ", ".join(str(n) for n in found[:20])
        return (
            f"replace: the snippet occurs {len(found)} times in {path} (lines {where}). Include "
            f"more surrounding lines so it is unique, or pass count={len(found)} to replace all."
        )
    if count is not None and count != len(found):
        return f"replace: count={count} but the snippet occurs {len(found)} times in {path}."
    return None


def _not_found(path: str, text: str, old: str) -> str:
    lines = text.split("\n")
    ops = [(" ", line) for line in old.strip("\n").split("\n")]
    shown = closest_lines(lines, ops, None)
    closest = numbered([(i + 1, lines[i].rstrip("\r")) for i in shown])
    block = [loose_key(t) for _, t in ops]
    hint = ""
    if [loose_key(lines[i]) for i in shown] == block:
        hint = " These lines differ from the snippet only in whitespace; copy them exactly."
    return (
        f"replace: the snippet was not found in {path}.{hint}\n"
        f"Closest lines:\n{closest}\nView the file and copy the lines to replace exactly."
    )


def _clean(path: str) -> str:
    return str(PurePosixPath(path.replace("\\", "/")))


def _changed(contents: Mapping[str, str | None]) -> dict[str, Any]:
    return {"changed_paths": sorted(_clean(path) for path in contents)}


_PATCH_DESCRIPTION = (
    "Apply a unified diff (one or many files; `--- a/path` / `+++ b/path` headers, `@@` hunks "
    "with a few unchanged context lines). Line numbers may be approximate. All hunks apply or "
    "none do. Use /dev/null as the old path to create a file, as the new path to delete one."
)

EDIT_TOOLS: list[Tool] = [
    Tool(
        name="apply_patch",
        description=_PATCH_DESCRIPTION,
        parameters={
            "type": "object",
            "properties": {"patch": {"type": "string", "description": "The unified diff."}},
            "required": ["patch"],
        },
        fn=apply_patch_tool,
    ),
    Tool(
        name="replace",
        description=(
            "Replace an exact snippet of a file by another. The snippet must occur exactly once, "
            "unless `count` gives the number of occurrences to replace (all of them)."
        ),
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File path relative to the repo."},
                "old": {"type": "string", "description": "Exact text to replace."},
                "new": {"type": "string", "description": "Replacement text."},
                "count": {"type": "integer", "minimum": 1, "description": "Occurrences."},
            },
            "required": ["path", "old", "new"],
        },
        fn=replace_tool,
    ),
    Tool(
        name="create",
        description="Create a new file with the given content (refuses to overwrite unless asked).",
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File path relative to the repo."},
                "content": {"type": "string", "description": "The whole file content."},
                "overwrite": {"type": "boolean", "default": False},
            },
            "required": ["path", "content"],
        },
        fn=create_tool,
    ),
]
