"""How file names look to the model and the person: control, direction-changing, invisible and
undecodable characters shown as escapes. Pure."""

from __future__ import annotations

import unicodedata

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that change the direction in which the text after them is drawn."""


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    if char in _BIDI:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def escape_name(name: str) -> str:
    """`name` with every control, format (bidi, zero-width), surrogate, private or unassigned
    character, and every undecodable byte, written as a `\\xNN`/`\\uNNNN` escape."""
    if name.isprintable():
        return name
    return "".join(_escape_char(char) if _unsafe(char) else char for char in name)
