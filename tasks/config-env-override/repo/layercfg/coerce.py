"""Turn environment strings into config values."""

from __future__ import annotations

from typing import Any


def coerce(raw: str, default: Any) -> Any:
    """Convert `raw` to the type of `default`."""
    if isinstance(default, bool):
        return bool(raw)
    return raw
