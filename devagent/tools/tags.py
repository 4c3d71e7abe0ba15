"""Definitions and references in one source file, extracted with tree-sitter. Pure."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from tree_sitter import Language, Node, Parser, Query, QueryCursor
from tree_sitter_language_pack import get_language, get_parser

LANGUAGE_BY_SUFFIX = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
}  # fmt: skip

_C_DEFS = """
(function_definition declarator: (function_declarator declarator: (identifier) @def.function))
(function_definition declarator: (pointer_declarator
  declarator: (function_declarator declarator: (identifier) @def.function)))
(declaration declarator: (function_declarator declarator: (identifier) @def.function))
(struct_specifier name: (type_identifier) @def.struct body: (_))
(union_specifier name: (type_identifier) @def.union body: (_))
(enum_specifier name: (type_identifier) @def.enum body: (_))
(type_definition declarator: (type_identifier) @def.type)
(preproc_function_def name: (identifier) @def.macro)
(preproc_def name: (identifier) @def.macro)
"""
_JS_DEFS = """
(function_declaration name: (_) @def.function)
(generator_function_declaration name: (_) @def.function)
(class_declaration name: (_) @def.class)
(method_definition name: (_) @def.method)
(variable_declarator
  name: (identifier) @def.function value: [(arrow_function) (function_expression)])
"""
_TS_DEFS = (
    _JS_DEFS
    + """
(abstract_class_declaration name: (_) @def.class)
(interface_declaration name: (_) @def.interface)
(type_alias_declaration name: (_) @def.type)
(enum_declaration name: (_) @def.enum)
(abstract_method_signature name: (_) @def.method)
"""
)
DEFINITION_QUERIES = {
    "python": """
(class_definition name: (identifier) @def.class)
(function_definition name: (identifier) @def.function)
(expression_statement (assignment left: (identifier) @def.constant))
""",
    "javascript": _JS_DEFS,
    "typescript": _TS_DEFS,
    "tsx": _TS_DEFS,
    "go": """
(function_declaration name: (identifier) @def.function)
(method_declaration name: (field_identifier) @def.method)
(type_spec name: (type_identifier) @def.type)
""",
    "rust": """
(function_item name: (identifier) @def.function)
(function_signature_item name: (identifier) @def.function)
(struct_item name: (type_identifier) @def.struct)
(enum_item name: (type_identifier) @def.enum)
(trait_item name: (type_identifier) @def.trait)
(type_item name: (type_identifier) @def.type)
(macro_definition name: (identifier) @def.macro)
(mod_item name: (identifier) @def.module)
""",
    "java": """
(class_declaration name: (identifier) @def.class)
(interface_declaration name: (identifier) @def.interface)
(enum_declaration name: (identifier) @def.enum)
(record_declaration name: (identifier) @def.class)
(method_declaration name: (identifier) @def.method)
(constructor_declaration name: (identifier) @def.constructor)
""",
    "c": _C_DEFS,
    "cpp": _C_DEFS
    + """
(class_specifier name: (type_identifier) @def.class body: (_))
(function_definition declarator: (function_declarator
  declarator: [(field_identifier) (qualified_identifier)] @def.method))
(field_declaration declarator: (function_declarator declarator: (field_identifier) @def.method))
(namespace_definition name: (namespace_identifier) @def.namespace)
""",
}
REFERENCE_NODE_TYPES = {
    "python": ["identifier"],
    "javascript": ["identifier", "property_identifier"],
    "typescript": ["identifier", "property_identifier", "type_identifier"],
    "tsx": ["identifier", "property_identifier", "type_identifier"],
    "go": ["identifier", "field_identifier", "type_identifier"],
    "rust": ["identifier", "field_identifier", "type_identifier"],
    "java": ["identifier", "type_identifier"],
    "c": ["identifier", "field_identifier", "type_identifier"],
    "cpp": ["identifier", "field_identifier", "type_identifier", "namespace_identifier"],
}
MAX_SIGNATURE_CHARS = 160


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str
    line: int
    """1-based line of the name."""
    signature: str
    """The source line holding the name, indentation kept, clipped."""


@dataclass(frozen=True)
class FileTags:
    definitions: list[Definition] = field(default_factory=list)
    references: dict[str, int] = field(default_factory=dict)
    """Identifier -> how often it is used in the file (its definitions excluded)."""


def language_for(path: str) -> str | None:
    """The tree-sitter language name for a file path, from its suffix."""
    dot = path.rfind(".")
    return LANGUAGE_BY_SUFFIX.get(path[dot:].lower()) if dot > path.rfind("/") else None


@functools.cache
def _queries(lang: str) -> tuple[Parser, Query, Query]:
    language: Language = get_language(lang)  # type: ignore[arg-type]
    parser: Parser = get_parser(lang)  # type: ignore[arg-type]
    refs = "[" + " ".join(f"({t})" for t in REFERENCE_NODE_TYPES[lang]) + "] @ref"
    return parser, Query(language, DEFINITION_QUERIES[lang]), Query(language, refs)


def _module_level(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type in ("assignment", "expression_statement"):
        parent = parent.parent
    return parent is not None and parent.type == "module"


def _signature(lines: list[bytes], row: int) -> str:
    text = lines[row].decode("utf-8", errors="replace").rstrip() if row < len(lines) else ""
    return text if len(text) <= MAX_SIGNATURE_CHARS else text[:MAX_SIGNATURE_CHARS] + " ..."


def extract_tags(source: bytes, lang: str) -> FileTags:
    """Definitions (name, kind, line, signature) and reference counts of one file."""
    parser, def_query, ref_query = _queries(lang)
    root = parser.parse(source).root_node
    lines = source.split(b"\n")
    definitions, seen = [], set()
    for capture, nodes in QueryCursor(def_query).captures(root).items():
        kind = capture.removeprefix("def.")
        for node in nodes:
            if node.start_byte in seen or (kind == "constant" and not _module_level(node)):
                continue
            seen.add(node.start_byte)
            name = (node.text or b"").decode("utf-8", errors="replace").rsplit("::", 1)[-1]
            row = node.start_point[0]
            definitions.append(Definition(name, kind, row + 1, _signature(lines, row)))
    definitions.sort(key=lambda d: d.line)
    refs: Counter[str] = Counter()
    for nodes in QueryCursor(ref_query).captures(root).values():
        refs.update(
            (node.text or b"").decode("utf-8", errors="replace")
            for node in nodes
            if node.start_byte not in seen
        )
    return FileTags(definitions, dict(refs))
