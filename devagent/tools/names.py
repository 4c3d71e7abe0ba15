"""How file names look to the model and the person: control, direction-changing, invisible and
undecodable characters shown as escapes. Pure."""

from __future__ import annotations

import unicodedata

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Controls; format characters (the bidi overrides and isolates, zero-width characters); lone
surrogates (undecodable bytes); private-use and unassigned code points; line/paragraph breaks."""


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def escape_name(name: str) -> str:
    """`name` with every control, format (bidi, zero-width), surrogate, private or unassigned
    character, and every undecodable byte, written as a `\\xNN`/`\\uNNNN` escape."""
    if name.isprintable():
        return name
    return "".join(_escape_char(char) if _unsafe(char) else char for char in name)
