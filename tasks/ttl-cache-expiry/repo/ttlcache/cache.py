"""A dict-like cache whose entries expire."""

from __future__ import annotations

from typing import Any, Hashable, Iterator

from .clock import MonotonicClock


class TTLCache:
    def __init__(self, default_ttl: float, clock: Any = None) -> None:
        if default_ttl <= 0:
            raise ValueError("default_ttl must be positive")
        self.default_ttl = default_ttl
        self._clock = clock or MonotonicClock()
        self._data: dict[Hashable, tuple[Any, float]] = {}

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        expires_at = self._clock.now() + (ttl if ttl is not None else self.default_ttl)
        self._data[key] = (value, expires_at)

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._data.get(key)
        if entry is None:
            return default
        value, expires_at = entry
        if self._clock.now() > expires_at:
            del self._data[key]
            return default
        return value

    def delete(self, key: Hashable) -> bool:
        return self._data.pop(key, None) is not None

    def items(self) -> list[tuple[Hashable, Any]]:
        return [(key, value) for key, (value, _) in self._data.items()]

    def __iter__(self) -> Iterator[Hashable]:
        return iter([key for key, _ in self.items()])

    def __len__(self) -> int:
        return len(self._data)
