"""Markdown tables from rows of data."""

from .render import render

__all__ = ["render"]
