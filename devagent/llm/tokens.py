"""A token estimate for budgeting text before it is sent; provider usage is the real count.

The estimate is deliberately pessimistic: about 4 characters per token is typical for English and
code with the BPE vocabularies of current models, and we count 3.5, plus 10%, plus a few tokens of
per-message overhead. It needs no vocabulary (tiktoken downloads its files at run time), so it
works offline. Use it to decide whether text fits; account spend from `Completion.usage`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

CHARS_PER_TOKEN = 3.5
SAFETY_MARGIN = 1.10
MESSAGE_OVERHEAD_TOKENS = 4


def estimate_tokens(text: str) -> int:
    """An upper-leaning estimate of the tokens in `text` (0 for the empty string)."""
    if not text:
        return 0
    return math.ceil(len(text) / CHARS_PER_TOKEN * SAFETY_MARGIN)


def estimate_messages_tokens(texts: Iterable[str]) -> int:
    """The estimate for a conversation: each text plus a small per-message overhead."""
    return sum(estimate_tokens(text) + MESSAGE_OVERHEAD_TOKENS for text in texts)
