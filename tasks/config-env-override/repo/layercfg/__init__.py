"""Layered configuration: defaults, a JSON file, then environment variables."""

from .errors import ConfigError
from .loader import load

__all__ = ["ConfigError", "load"]
