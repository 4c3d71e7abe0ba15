"""In-memory cache with per-entry time-to-live."""

from .cache import TTLCache
from .clock import ManualClock, MonotonicClock

__all__ = ["ManualClock", "MonotonicClock", "TTLCache"]
