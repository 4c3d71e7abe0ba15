"""Parse a model-written unified diff into `FilePatch` values. Pure: no file or process I/O.

Models get diffs slightly wrong in ways `unidiff` rejects or misreads: CRLF, Markdown fences,
`@@` headers whose counts do not match the body, `@@ ... @@` headers without numbers, empty
context lines without their leading space. `repair_diff` rewrites those into a canonical diff
(recounting every hunk from its body) before `unidiff` parses it; the hunks' stated line numbers
are kept only as hints for the matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from unidiff import Hunk as UnidiffHunk
from unidiff import PatchedFile, PatchSet
from unidiff.errors import UnidiffParseError

from devagent.errors import DevagentError

_HUNK_HEADER = re.compile(r"^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@+(.*)$")
_FILE_HEADERS = (
    "diff --git ",
    "index ",
    "similarity index",
    "dissimilarity index",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
)
DEV_NULL = "/dev/null"
MAX_HUNKS = 1000
"""More hunks than this in one patch is refused: split it (each hunk costs a search)."""

Op = tuple[str, str]
"""One hunk line: kind (' ', '-' or '+') and its text without line ending."""


class PatchFormatError(DevagentError):
    """The text is not a diff we can read (empty, no file headers, binary)."""


@dataclass(frozen=True)
class Hunk:
    ops: tuple[Op, ...]
    source_start: int | None
    """1-based line in the old file the model claimed; None when the header had no numbers."""
    before_no_eol: bool = False
    after_no_eol: bool = False

    @property
    def before(self) -> list[str]:
        return [text for kind, text in self.ops if kind != "+"]

    @property
    def after(self) -> list[str]:
        return [text for kind, text in self.ops if kind != "-"]


@dataclass(frozen=True)
class FilePatch:
    source: str | None
    """Workspace-relative old path; None when the file is created."""
    target: str | None
    """Workspace-relative new path; None when the file is deleted."""
    hunks: tuple[Hunk, ...]

    @property
    def kind(self) -> Literal["create", "delete", "rename", "modify"]:
        if self.source is None:
            return "create"
        if self.target is None:
            return "delete"
        return "rename" if self.source != self.target else "modify"

    @property
    def path(self) -> str:
        return self.target or self.source or ""


def parse_patch(text: str) -> list[FilePatch]:
    """The files and hunks of `text`; raises `PatchFormatError` when there is nothing to apply."""
    refuse_hostile_headers(text)
    repaired, stated = repair_diff(text)
    if len(stated) > MAX_HUNKS:
        raise PatchFormatError(
            f"the patch has {len(stated)} hunks, over the limit of {MAX_HUNKS}; "
            "send it in smaller patches"
        )
    try:
        patch_set = PatchSet(repaired)
    except UnidiffParseError as exc:
        raise PatchFormatError(f"could not parse the diff: {exc}") from exc
    if len(patch_set) == 0:
        raise PatchFormatError(
            "the patch contains no file changes: give `--- a/path` and `+++ b/path` headers "
            "followed by `@@` hunks"
        )
    hints = iter(stated)
    files = [_file_patch(patched, hints) for patched in patch_set]
    for fp in files:
        if fp.kind == "modify" and not fp.hunks:
            raise PatchFormatError(f"the patch for {fp.path} has no hunks")
    return files


def refuse_hostile_headers(text: str) -> None:
    """Refuse what a diff may say that we will not guess about: binary content (`GIT binary
    patch`) and `rename from`/`rename to` names that disagree with their `diff --git` line."""
    names: tuple[str, str] | None = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("GIT binary patch"):
            raise PatchFormatError(
                "binary patches (GIT binary patch) are not supported; create or change binary "
                "files with a command in `run`"
            )
        if line.startswith("diff --git "):
            names = _git_line_names(line)
        elif line.startswith(("rename from ", "rename to ")) and names is not None:
            said = line.split(" ", 2)[2].strip()
            wanted = names[0] if line.startswith("rename from ") else names[1]
            if said != wanted:
                raise PatchFormatError(
                    f"the headers disagree: {line!r} but the diff line names {wanted!r}; "
                    "give one consistent pair of names"
                )


def _git_line_names(line: str) -> tuple[str, str] | None:
    """(old, new) of `diff --git a/OLD b/NEW` when the split is unambiguous."""
    rest = line[len("diff --git ") :]
    if rest.startswith("a/") and rest.count(" b/") == 1:
        old, new = rest[2:].split(" b/")
        return old, new
    return None


def _file_patch(patched: PatchedFile, hints: Iterator[int | None]) -> FilePatch:
    source = _strip_prefix(patched.source_file, "a/")
    target = _strip_prefix(patched.target_file, "b/")
    if patched.is_binary_file:
        raise PatchFormatError(f"binary patches are not supported ({target or source})")
    hunks = tuple(_hunk(h, next(hints)) for h in patched)
    return FilePatch(source=source, target=target, hunks=hunks)


def _strip_prefix(name: str | None, prefix: str) -> str | None:
    if name is None or name == DEV_NULL:
        return None
    name = name.split("\t", 1)[0].strip()
    name = name.removeprefix(prefix)
    return str(PurePosixPath(name)) if name else name


def _hunk(raw: UnidiffHunk, stated: int | None) -> Hunk:
    ops: list[Op] = []
    before_no_eol = after_no_eol = False
    for line in raw:
        if line.line_type != "\\":
            ops.append((line.line_type, line.value.rstrip("\n")))
            continue
        last = ops[-1][0] if ops else " "
        before_no_eol = before_no_eol or last in " -"
        after_no_eol = after_no_eol or last in " +"
    return Hunk(tuple(ops), stated, before_no_eol, after_no_eol)


def repair_diff(text: str) -> tuple[str, list[int | None]]:
    """A canonical diff unidiff accepts, and each hunk's stated old start line (or None).

    Git extended headers are kept only for blocks without `---`/`+++` lines (pure renames),
    moved after the others; elsewhere the `---`/`+++` names say it all, and unidiff misreads
    plain blocks that follow git ones."""
    lines = [line.rstrip("\r") for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    pending: list[str] = []
    git_only: list[str] = []
    stated: list[int | None] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("@@"):
            body, i = _hunk_body(lines, i + 1)
            out.extend([*pending, *_hunk_lines(line, body)])
            pending = []
            stated.append(_stated_start(line))
            continue
        if line.startswith("--- ") and _is_file_header(lines, i):
            if not (pending and _same_file(pending[0], line, lines[i + 1])):
                git_only.extend(pending)
            pending = []
            out.extend(lines[i : i + 2])
            i += 2
            continue
        if _is_file_header(lines, i):
            if line.startswith("diff --git "):
                git_only.extend(pending)
                pending = []
            pending.append(line)
        i += 1
    out.extend([*git_only, *pending])
    return "\n".join(out) + "\n", stated


def _same_file(git_line: str, minus: str, plus: str) -> bool:
    names = [_strip_prefix(h[4:], p) for h, p in ((minus, "a/"), (plus, "b/"))]
    return git_line.startswith("diff --git ") and any(
        (name and git_line.endswith(f" b/{name}")) or f" a/{name} " in git_line for name in names
    )


def _is_file_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if line.startswith("--- "):
        return i + 1 < len(lines) and lines[i + 1].startswith("+++ ")
    if line.startswith("+++ "):
        return i > 0 and lines[i - 1].startswith("--- ")
    return line.startswith(_FILE_HEADERS) or line.startswith("Binary files ")


def _hunk_body(lines: list[str], i: int) -> tuple[list[str], int]:
    body: list[str] = []
    while i < len(lines):
        line = lines[i]
        if line.startswith(("@@", "diff --git ", "```")) or _is_file_header(lines, i):
            break
        body.append(line if line[:1] in (" ", "+", "-", "\\") else " " + line)
        i += 1
    while body and body[-1] == " ":
        body.pop()  # blank separators after the hunk, not context
    if i < len(lines) and lines[i].startswith("```"):
        i += 1
    return body, i


def _hunk_lines(header: str, body: list[str]) -> list[str]:
    old = sum(1 for b in body if b[:1] in (" ", "-"))
    new = sum(1 for b in body if b[:1] in (" ", "+"))
    match = _HUNK_HEADER.match(header)
    old_start = int(match.group(1)) if match else 1
    new_start = int(match.group(3)) if match else 1
    return [f"@@ -{old_start},{old} +{new_start},{new} @@", *body]


def _stated_start(header: str) -> int | None:
    match = _HUNK_HEADER.match(header)
    return int(match.group(1)) if match else None
