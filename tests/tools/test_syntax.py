"""Syntax checking by file extension with tree-sitter."""

from __future__ import annotations

import pytest

from devagent.tools.syntax import new_syntax_issues, render_issues, syntax_issues

CASES = [
    ("a.py", "def f(x):\n    return x\n", "def f(x:\n    return x\n"),
    ("a.js", "function f(x) { return x; }\n", "function f(x) { return x;\n"),
    ("a.jsx", "const A = () => <div>hi</div>;\n", "const A = () => <div>hi</div;\n"),
    ("a.ts", "function f(x: number): number { return x; }\n", "function f(x: number { }\n"),
    ("a.tsx", "const A = (p: {n: number}) => <b>{p.n}</b>;\n", "const A = (p: => <b>;\n"),
    ("a.go", "package main\n\nfunc main() {}\n", "package main\n\nfunc main() {\n"),
    ("a.rs", "fn main() { let x = 1; }\n", "fn main() { let x = ; }\n"),
    ("A.java", "class A { int f() { return 1; } }\n", "class A { int f() { return 1; }\n"),
    ("a.c", "int main(void) { return 0; }\n", "int main(void) { return 0;\n"),
    ("a.h", "int f(int x);\n", "int f(int x;\n"),
    ("a.cpp", "namespace n { int f() { return 1; } }\n", "namespace n { int f( { }\n"),
    ("a.hpp", "template <typename T> T id(T x) { return x; }\n", "template <typename T T id(\n"),
]


@pytest.mark.parametrize(("path", "good", "bad"), CASES)
def test_valid_code_has_no_issues_and_broken_code_has_some(path: str, good: str, bad: str) -> None:
    assert syntax_issues(path, good) == []
    assert syntax_issues(path, bad)


def test_unknown_languages_are_not_checked() -> None:
    assert syntax_issues("notes.txt", "(((") is None
    assert new_syntax_issues("notes.txt", "", "(((") == []


def test_only_new_issues_count() -> None:
    broken = "def f(:\n    pass\n"
    assert new_syntax_issues("a.py", broken, broken + "x = 1\n") == []
    assert new_syntax_issues("a.py", "x = 1\n", broken) != []


def test_rendered_issue_points_at_the_line() -> None:
    text = "a = 1\nb = (2,\nc = 3\n"
    issues = syntax_issues("m.py", text)
    assert issues
    rendered = render_issues("m.py", text, issues)
    assert rendered.startswith(f"m.py:{issues[0].line}:")
    assert f">{issues[0].line:>5} | " in rendered
