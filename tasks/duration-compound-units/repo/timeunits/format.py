"""format_duration: 5400 -> '1h30m'."""

from __future__ import annotations

from .units import UNITS


def format_duration(seconds: float) -> str:
    if seconds < 0:
        raise ValueError("negative duration")
    if seconds == 0:
        return "0s"
    parts = []
    remaining = round(seconds * 1000)
    for name, size in UNITS.items():
        size_ms = round(size * 1000)
        count, remaining = divmod(remaining, size_ms)
        if count:
            parts.append(f"{count}{name}")
    return "".join(parts)
