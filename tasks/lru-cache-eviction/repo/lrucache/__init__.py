"""A small LRU cache."""

from .cache import CacheStats, LRUCache
from .memo import memoize

__all__ = ["CacheStats", "LRUCache", "memoize"]
