"""Reading-time estimate."""

import math

WORDS_PER_MINUTE = 230


def reading_time(text: str) -> int:
    """Whole minutes, at least 1."""
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))
