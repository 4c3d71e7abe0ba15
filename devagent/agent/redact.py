"""Secret redaction: replace known secret values with `[REDACTED]` in text and JSON values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "[REDACTED]"
MIN_SECRET_LEN = 6
"""Shorter values are not redacted: masking '1' or 'true' everywhere would destroy the record."""
_SECRET_NAME = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|DSN)",
    re.IGNORECASE,
)


def secret_values_from_env(env: Mapping[str, str]) -> list[str]:
    """Values of the variables whose names look secret (API keys, tokens, passwords...)."""
    return [value for name, value in env.items() if _SECRET_NAME.search(name) and value]


class Redactor:
    """Masks every occurrence of the given secret values (longest first)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        values = sorted(
            {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}, key=len, reverse=True
        )
        self._pattern = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def text(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def value(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (dict keys included)."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value
