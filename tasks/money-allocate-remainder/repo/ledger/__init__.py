"""Exact money arithmetic."""

from .money import CurrencyMismatch, Money

__all__ = ["CurrencyMismatch", "Money"]
