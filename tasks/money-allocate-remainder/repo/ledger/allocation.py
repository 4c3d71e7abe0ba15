"""Split an integer amount of minor units by ratios."""

from __future__ import annotations

from typing import Sequence


def allocate_minor(amount: int, ratios: Sequence[int]) -> list[int]:
    if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
        raise ValueError("ratios must be non-negative and not all zero")
    total = sum(ratios)
    return [amount * r // total for r in ratios]
