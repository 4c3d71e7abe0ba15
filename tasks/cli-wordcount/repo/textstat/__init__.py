"""Count lines, words and characters."""

from .counting import Counts, count_text

__all__ = ["Counts", "count_text"]
