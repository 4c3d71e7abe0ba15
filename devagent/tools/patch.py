"""Apply parsed diffs to file texts, every hunk of every file or none. Pure: no file I/O.

`apply_file_patches(files, current)` takes the parsed diff and the current text of every path it
names (None for a missing file) and returns a `PatchResult`: the new text of each changed path
(None meaning "delete"), or the failures, each naming its hunk and the file's closest lines. A
file keeps its line endings (new lines take the file's dominant one) and its final-newline state
unless the diff says `\\ No newline at end of file`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from devagent.tools.diffparse import FilePatch, Hunk
from devagent.tools.hunkmatch import (
    NoPlace,
    Placement,
    closest_lines,
    find_after_block,
    indent_fix,
    locate,
    loose_key,
)


@dataclass(frozen=True)
class HunkFailure:
    path: str
    hunk: int
    """1-based index of the hunk within its file; 0 for a failure about the whole file."""
    reason: str
    closest: tuple[tuple[int, str], ...] = ()
    """(1-based line number, text) of the file lines most like the hunk's before-block."""
    already_applied_at: int | None = None
    """1-based line where the hunk's after-block already stands, if it does."""
    candidates: tuple[int, ...] = ()
    """1-based lines of equally good places, when the hunk was ambiguous."""


@dataclass(frozen=True)
class PatchResult:
    contents: dict[str, str | None] = field(default_factory=dict)
    """New text of every changed path; None means the file is deleted."""
    failures: tuple[HunkFailure, ...] = ()
    notes: tuple[str, ...] = ()
    """Non-exact matches used, e.g. 'foo.py hunk 2: whitespace at line 40'."""

    @property
    def ok(self) -> bool:
        return not self.failures


_FileOutcome = tuple[dict[str, str | None], list[str]] | HunkFailure
"""The path updates and notes of one file patch, or why it failed."""


def apply_file_patches(
    files: Sequence[FilePatch], current: Mapping[str, str | None]
) -> PatchResult:
    """Apply every file patch to `current` (path -> text or None), all or nothing.

    A hunk that fits several places equally well is refused, unless every other hunk of the diff
    (at least one) landed exactly at its stated line: then the stated line decides."""
    first = _apply_all(files, current, trust_hints=False)
    if first.ok or not all(f.candidates for f in first.failures):
        return first
    landings: list[tuple[bool, bool]] = []
    second = _apply_all(files, current, trust_hints=True, landings=landings)
    others = [exact for by_hint, exact in landings if not by_hint]
    if second.ok and others and all(others):
        return second
    return first


Landings = list[tuple[bool, bool]]
"""Per hunk: (placed by its line number, landed exactly at its stated line)."""


def _apply_all(
    files: Sequence[FilePatch],
    current: Mapping[str, str | None],
    *,
    trust_hints: bool,
    landings: Landings | None = None,
) -> PatchResult:
    working: dict[str, str | None] = dict(current)
    changed: dict[str, str | None] = {}
    failures: list[HunkFailure] = []
    notes: list[str] = []
    for fp in files:
        outcome = _apply_file(fp, working, trust_hints, landings)
        if isinstance(outcome, HunkFailure):
            failures.append(outcome)
            continue
        updates, file_notes = outcome
        working.update(updates)
        changed.update(updates)
        notes.extend(file_notes)
    if failures:
        return PatchResult(failures=tuple(failures))
    return PatchResult(contents=changed, notes=tuple(notes))


def _apply_file(
    fp: FilePatch,
    working: Mapping[str, str | None],
    trust_hints: bool = False,
    landings: Landings | None = None,
) -> _FileOutcome:
    if fp.source is None:
        return _create(fp, working.get(fp.path))
    existing = working.get(fp.source)
    if existing is None:
        return HunkFailure(fp.source, 0, f"{fp.source} does not exist")
    if fp.kind == "rename" and working.get(fp.path) is not None:
        return HunkFailure(fp.path, 0, f"cannot rename {fp.source} to {fp.path}: it exists")
    outcome = apply_hunks(fp.source, existing, fp.hunks, trust_hints=trust_hints, landings=landings)
    if isinstance(outcome, HunkFailure):
        return outcome
    new_text, notes = outcome
    if fp.target is None:
        if new_text.strip():
            return HunkFailure(fp.source, 0, "the deletion does not remove the whole file")
        return {fp.source: None}, notes
    updates: dict[str, str | None] = {fp.target: new_text}
    if fp.kind == "rename":
        updates[fp.source] = None
    return updates, notes


def _create(fp: FilePatch, existing: str | None) -> _FileOutcome:
    after = [line for hunk in fp.hunks for line in hunk.after]
    no_eol = bool(fp.hunks) and fp.hunks[-1].after_no_eol
    text = "\n".join(after) + ("" if no_eol or not after else "\n")
    if existing is not None and existing.strip():
        applied = [loose_key(x) for x in existing.splitlines()] == [loose_key(x) for x in after]
        return HunkFailure(
            fp.path, 0, f"cannot create {fp.path}: it already exists", (), 1 if applied else None
        )
    return {fp.path: text}, []


class _Doc:
    """A file as lines without endings, each line's ending, and the dominant ending."""

    def __init__(self, text: str) -> None:
        parts = text.split("\n")
        self.final_no_eol = parts[-1] != ""
        if not self.final_no_eol:
            parts.pop()
        self.lines = [p.removesuffix("\r") for p in parts]
        self.eols = ["\r\n" if p.endswith("\r") else "\n" for p in parts]
        if self.final_no_eol and self.eols:
            self.eols[-1] = ""
        crlf = sum(1 for e in self.eols if e == "\r\n")
        self.dominant = "\r\n" if crlf * 2 > len(self.eols) else "\n"

    def splice(self, hunk: Hunk, place: Placement) -> int:
        """Replace the placed lines by the hunk's after-block; return the change in length."""
        lo, hi = place.start, place.end
        lines: list[str] = []
        eols: list[str] = []
        cursor = lo
        fix = indent_fix(self.lines, hunk.ops, place) if place.how != "exact" else None
        for i, (kind, text) in enumerate(hunk.ops):
            if kind == "+":
                lines.append(fix(text) if fix else text)
                eols.append(self.dominant)
                continue
            j = place.mapping.get(i)
            if j is None:
                continue
            keep_to = j + 1 if kind == " " else j
            lines.extend(self.lines[cursor:keep_to])
            eols.extend(self.eols[cursor:keep_to])
            cursor = j + 1
        if hi == len(self.lines):
            self.final_no_eol = hunk.after_no_eol or (self.final_no_eol and not hunk.before_no_eol)
            if self.final_no_eol and not hunk.after_no_eol and _adds_final_blank(hunk):
                self.final_no_eol = False  # else the blank line the diff adds would vanish
        self.lines[lo:hi] = lines
        self.eols[lo:hi] = eols
        return len(lines) - (hi - lo)

    def text(self) -> str:
        if not self.lines:
            return ""
        eols = [e or self.dominant for e in self.eols]
        eols[-1] = "" if self.final_no_eol else eols[-1]
        return "".join(line + eol for line, eol in zip(self.lines, eols, strict=True))


def _adds_final_blank(hunk: Hunk) -> bool:
    """Whether the hunk's last line is an added blank line."""
    return bool(hunk.ops) and hunk.ops[-1][0] == "+" and not hunk.ops[-1][1].strip()


def apply_hunks(
    path: str,
    text: str,
    hunks: Sequence[Hunk],
    *,
    trust_hints: bool = False,
    landings: Landings | None = None,
) -> tuple[str, list[str]] | HunkFailure:
    """`text` with every hunk applied in order, or the first hunk that does not apply.
    `trust_hints` lets stated line numbers decide between equal places; `landings` collects
    how each hunk was placed."""
    doc = _Doc(text)
    offset = 0
    notes: list[str] = []
    for number, hunk in enumerate(hunks, 1):
        if not hunk.before and not doc.lines:
            doc.lines, doc.eols = list(hunk.after), ["\n"] * len(hunk.after)
            doc.final_no_eol = hunk.after_no_eol
            continue
        if not any(kind != " " for kind, _ in hunk.ops):
            return HunkFailure(
                path,
                number,
                "the hunk changes nothing: every line is context; mark added lines with '+' and "
                "removed lines with '-'",
            )
        expected = None if hunk.source_start is None else max(0, hunk.source_start - 1) + offset
        place = locate(doc.lines, hunk.ops, expected, trust_hint=trust_hints)
        if isinstance(place, NoPlace):
            return _failure(path, number, hunk, doc.lines, place, expected)
        first = place.start - sum(1 for i in range(min(place.mapping)) if hunk.ops[i][0] != "+")
        if landings is not None:
            exact = place.how == "exact" and first == expected
            landings.append(("line number" in place.how, exact))
        if place.how != "exact" or (expected is not None and first != expected):
            notes.append(f"{path} hunk {number}: {place.how} match at line {first + 1}")
        delta = doc.splice(hunk, place)
        if hunk.source_start is not None:
            offset = first - max(0, hunk.source_start - 1)
        offset += delta
    return doc.text(), notes


def _failure(
    path: str, number: int, hunk: Hunk, lines: list[str], place: NoPlace, expected: int | None
) -> HunkFailure:
    shown = closest_lines(lines, hunk.ops, expected)
    applied = find_after_block(lines, hunk.ops)
    return HunkFailure(
        path=path,
        hunk=number,
        reason=place.reason,
        closest=tuple((i + 1, lines[i]) for i in shown),
        already_applied_at=None if applied is None else applied + 1,
        candidates=tuple(s + 1 for s in place.ambiguous_lines),
    )
