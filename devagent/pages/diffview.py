"""A unified diff as coloured HTML: one table per file, old and new line numbers, hunks marked.
Pure; linear in the patch's lines (a patch longer than `MAX_LINES` is cut, with a note)."""

from __future__ import annotations

import re

from devagent.pages.shell import Markup, esc, fold, join, tag

MAX_LINES = 5000
"""Patch lines drawn on the page; the whole patch is always in patch.diff."""

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def split_files(patch: str) -> list[tuple[str, list[str]]]:
    """(path, lines) per file of a git-style patch; text before the first file is dropped, and
    a patch with no file header at all is one file named "(patch)"."""
    files: list[tuple[str, list[str]]] = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            path = line.split(" b/", 1)[-1] if " b/" in line else line[len("diff --git ") :]
            files.append((path, []))
        elif line.startswith("+++ ") and not files:
            files.append((line[4:].removeprefix("b/"), []))
        elif files:
            files[-1][1].append(line)
    if not files and patch.strip():
        return [("(patch)", patch.splitlines())]
    return files


def _rows(lines: list[str]) -> list[Markup]:
    rows: list[Markup] = []
    old = new = 0
    for line in lines:
        hunk = _HUNK.match(line)
        if hunk:
            old, new = int(hunk.group(1)), int(hunk.group(2))
            rows.append(_row("hunk", "", "", line))
        elif line.startswith(("+++", "---", "index ", "new file", "deleted file", "similarity")):
            continue
        elif line.startswith("+"):
            rows.append(_row("add", "", new, line))
            new += 1
        elif line.startswith("-"):
            rows.append(_row("del", old, "", line))
            old += 1
        else:
            rows.append(_row("ctx", old, new, line))
            old, new = old + 1, new + 1
    return rows


def _row(kind: str, old: object, new: object, text: str) -> Markup:
    cells = [
        tag("td", str(old), cls="n"),
        tag("td", str(new), cls="n"),
        tag("td", text, cls="mono"),
    ]
    return tag("tr", join(cells), cls=kind)


def _counts(lines: list[str]) -> tuple[int, int]:
    added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
    removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
    return added, removed


def render_diff(patch: str, *, max_lines: int = MAX_LINES) -> Markup:
    """The patch as HTML: a summary line, then each file unfolded with its coloured lines."""
    if not patch.strip():
        return tag("p", "No change: the patch is empty.", cls="muted")
    cut = patch.count("\n") > max_lines
    files = split_files("\n".join(patch.splitlines()[:max_lines]) if cut else patch)
    total_add, total_del = _counts(patch.splitlines())
    head = tag(
        "p", f"{len(files)} file{'s' * (len(files) != 1)} changed (+{total_add} -{total_del})"
    )
    blocks = []
    for path, lines in files:
        added, removed = _counts(lines)
        summary = join([tag("span", path, cls="mono"), esc(f"  +{added} -{removed}")])
        table = tag("table", join(_rows(lines)))
        blocks.append(tag("div", fold(summary, table, is_open=True), cls="diff"))
    note = tag("p", f"… cut at {max_lines:,} lines; the whole patch is in patch.diff", cls="muted")
    return join([head, *blocks, note if cut else ""])
