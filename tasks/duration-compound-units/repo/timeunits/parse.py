"""parse_duration: '90s' -> 90.0 seconds."""

from __future__ import annotations

import re

from .units import UNITS

_SINGLE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)\s*$")


def parse_duration(text: str) -> float:
    """Seconds in `text`, e.g. '1.5h' -> 5400.0."""
    match = _SINGLE.match(text)
    if not match:
        raise ValueError(f"invalid duration: {text!r}")
    return float(match[1]) * UNITS[match[2]]
