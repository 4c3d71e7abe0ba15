"""Parse .env files."""

from .parser import EnvSyntaxError, parse

__all__ = ["EnvSyntaxError", "parse"]
