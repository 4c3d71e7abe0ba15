"""Ranges like '>=1.2.0 <2.0.0' (space-separated comparators, all must hold)."""

from __future__ import annotations

import operator
import re

from .version import Version

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq}
_COMPARATOR = re.compile(r"^(>=|<=|>|<|=)?(.+)$")


def _complete(text: str) -> str:
    core, sep, rest = text.partition("-")
    parts = core.split(".")
    while len(parts) < 3:
        parts.append("0")
    return ".".join(parts) + sep + rest


def satisfies(version: str | Version, spec: str) -> bool:
    v = version if isinstance(version, Version) else Version.parse(version)
    for token in spec.split():
        match = _COMPARATOR.match(token)
        if not match:
            raise ValueError(f"bad comparator: {token!r}")
        op = _OPS[match[1] or "="]
        if not op(v, Version.parse(_complete(match[2]))):
            return False
    return True


def max_satisfying(versions: list[str], spec: str) -> str | None:
    matching = [v for v in versions if satisfies(v, spec)]
    return max(matching, key=Version.parse) if matching else None
