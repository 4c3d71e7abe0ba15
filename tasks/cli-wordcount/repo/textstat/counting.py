"""Counting over text values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    lines: int = 0
    words: int = 0
    chars: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.lines + other.lines, self.words + other.words, self.chars + other.chars)


def count_text(text: str) -> Counts:
    words = [w for w in text.split(" ") if w != ""]
    return Counts(lines=text.count("\n"), words=len(words), chars=len(text))
