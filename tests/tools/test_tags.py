from pathlib import Path

import pytest

from devagent.tools.tags import extract_tags, language_for

LANGS = Path(__file__).parent / "data" / "langs"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.js", [("topLevel", "function"), ("arrow", "function"), ("Widget", "class"),
                  ("render", "method")]),
        ("a.ts", [("Shape", "interface"), ("Id", "type"), ("Color", "enum"), ("Circle", "class"),
                  ("area", "method"), ("compute", "function")]),
        ("a.go", [("Server", "type"), ("Serve", "method"), ("NewServer", "function")]),
        ("a.rs", [("Config", "struct"), ("Load", "trait"), ("load", "function"),
                  ("load", "function"), ("helper", "function")]),
        ("A.java", [("Account", "class"), ("Account", "constructor"), ("deposit", "method"),
                    ("Audited", "interface")]),
        ("a.c", [("MAX", "macro"), ("point", "struct"), ("myint", "type"), ("make", "function"),
                 ("compute", "function"), ("main", "function")]),
        ("a.cpp", [("geo", "namespace"), ("Shape", "class"), ("area", "method"),
                   ("area", "method"), ("run", "function")]),
    ],
)  # fmt: skip
def test_definitions_per_language(name: str, expected: list[tuple[str, str]]) -> None:
    lang = language_for(name)
    assert lang is not None
    tags = extract_tags((LANGS / name).read_bytes(), lang)
    assert [(d.name, d.kind) for d in tags.definitions] == expected


def test_references_exclude_definitions_and_count_uses() -> None:
    source = b"class A:\n    def f(self):\n        return g(A) + g(1)\n\nX = 1\n"
    tags = extract_tags(source, "python")
    assert [(d.name, d.kind, d.line, d.signature) for d in tags.definitions] == [
        ("A", "class", 1, "class A:"),
        ("f", "function", 2, "    def f(self):"),
        ("X", "constant", 5, "X = 1"),
    ]
    assert tags.references == {"self": 1, "g": 2, "A": 1}


def test_only_module_level_assignments_are_constants() -> None:
    tags = extract_tags(b"def f():\n    local = 1\n", "python")
    assert [d.name for d in tags.definitions] == ["f"]


def test_language_for_suffixes() -> None:
    assert language_for("src/x.tsx") == "tsx"
    assert language_for("include/a.hpp") == "cpp"
    assert language_for("Makefile") is None
    assert language_for("dir.d/README") is None
