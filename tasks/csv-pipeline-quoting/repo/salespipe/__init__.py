"""Sales export pipeline: read, normalise, aggregate, write."""

from .pipeline import run

__all__ = ["run"]
