"""Syntax checking of edited files with tree-sitter, to refuse edits that break the parse."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from tree_sitter_language_pack import get_parser

LANGUAGE_BY_SUFFIX = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
}
_MAX_REPORTED = 5


@dataclass(frozen=True)
class SyntaxIssue:
    line: int
    """1-based."""
    column: int
    """1-based."""
    kind: str
    """'error' (unparsable text) or 'missing' (a token the parser had to invent)."""


def language_for(path: str) -> str | None:
    return LANGUAGE_BY_SUFFIX.get(PurePosixPath(path).suffix.lower())


@functools.cache
def _parser(language: str) -> Any:
    return get_parser(language)  # type: ignore[arg-type]


def syntax_issues(path: str, text: str) -> list[SyntaxIssue] | None:
    """The ERROR and MISSING nodes of `text` parsed as `path`'s language; None if unsupported."""
    language = language_for(path)
    if language is None:
        return None
    tree = _parser(language).parse(text.encode("utf-8", "surrogatepass"))
    issues: list[SyntaxIssue] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if not node.has_error and not node.is_missing:
            continue
        if node.is_error or node.is_missing:
            row, col = node.start_point
            issues.append(SyntaxIssue(row + 1, col + 1, "missing" if node.is_missing else "error"))
            if node.is_error:
                continue
        stack.extend(reversed(node.children))
    return sorted(issues, key=lambda issue: (issue.line, issue.column))


def new_syntax_issues(path: str, before: str | None, after: str) -> list[SyntaxIssue]:
    """The issues of `after` when it has more than `before` had (none for unknown languages)."""
    issues_after = syntax_issues(path, after)
    if not issues_after:
        return []
    issues_before = syntax_issues(path, before) if before is not None else []
    return issues_after if len(issues_after) > len(issues_before or []) else []


def render_issues(path: str, text: str, issues: list[SyntaxIssue], context: int = 2) -> str:
    """Each issue's location with a few numbered lines around it, the issue line marked."""
    lines = text.split("\n")
    parts = []
    for issue in issues[:_MAX_REPORTED]:
        what = "syntax error" if issue.kind == "error" else "missing token"
        parts.append(f"{path}:{issue.line}:{issue.column}: {what}")
        lo = max(1, issue.line - context)
        hi = min(len(lines), issue.line + context)
        for number in range(lo, hi + 1):
            mark = ">" if number == issue.line else " "
            parts.append(f"{mark}{number:>5} | {lines[number - 1]}")
    if len(issues) > _MAX_REPORTED:
        parts.append(f"... and {len(issues) - _MAX_REPORTED} more syntax issues")
    return "\n".join(parts)
