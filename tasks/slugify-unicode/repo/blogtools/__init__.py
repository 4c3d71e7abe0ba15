"""Helpers for the blog generator."""

from .reading import reading_time
from .slug import slugify, unique_slug

__all__ = ["reading_time", "slugify", "unique_slug"]
