"""Text shaping for the model's context: trimming long output to a marked head and tail."""

from __future__ import annotations

import re

_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|sec|seconds)\b")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def trim(text: str, limit: int, *, head_share: float = 0.5) -> str:
    """`text` if it fits in `limit` characters, else its head and tail around a marker."""
    if len(text) <= limit:
        return text
    head = int(limit * head_share)
    tail = limit - head
    dropped = len(text) - head - tail
    return f"{text[:head]}\n[... {dropped} characters trimmed ...]\n{text[len(text) - tail :]}"


def estimate_tokens(text: str) -> int:
    """A provider-free estimate: about four characters per token (no tokenizer download)."""
    return len(text) // 4 + 1


def normalize_for_compare(text: str) -> str:
    """Mask what legitimately changes between runs (durations, memory addresses)."""
    return _ADDRESS.sub("0x<addr>", _DURATION.sub("<duration>", text))
