"""Numbers for people: money, durations, token counts and budget amounts in human units. Pure."""

from __future__ import annotations


def usd(amount: float) -> str:
    """Dollars with four decimals below a dollar ($0.0040), two above ($3.25)."""
    return f"${amount:.4f}" if abs(amount) < 1 else f"${amount:,.2f}"


def duration(seconds: float) -> str:
    """`0.4 s`, `9.5 s`, `44 s`, `2 min 3 s`, `1 h 5 min`: precision that fits the size."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def stopwatch(seconds: float) -> str:
    """A ticking clock: `7s`, `2m03s`, `1h05m` (compact, for one-line progress)."""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def count(number: float) -> str:
    """A count with thousands separators: 12,345."""
    return f"{int(number):,}"


def amount(kind: str, value: float) -> str:
    """A budget amount of `kind` (steps, tokens, usd, time) in its unit."""
    if kind == "usd":
        return usd(value)
    if kind == "time":
        return duration(value)
    return count(value)
