"""Stock keeping for a small shop."""

from .errors import InventoryError
from .store import Item, Store

__all__ = ["InventoryError", "Item", "Store"]
