"""The JSON-file stock store."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import InventoryError


@dataclass
class Item:
    sku: str
    name: str
    qty: int = 0
    history: list[int] = field(default_factory=list)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.items: dict[str, Item] = {}
        if self.path.exists():
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.items = {sku: Item(**data) for sku, data in raw.items()}

    def save(self) -> None:
        data = {sku: asdict(item) for sku, item in sorted(self.items.items())}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def add(self, sku: str, qty: int, name: str | None = None) -> Item:
        if qty <= 0:
            raise InventoryError("quantity must be positive")
        item = self.items.get(sku)
        if item is None:
            item = self.items[sku] = Item(sku=sku, name=name or sku)
        elif name:
            item.name = name
        item.qty += qty
        item.history.append(qty)
        return item

    def low(self, below: int) -> list[Item]:
        return sorted((i for i in self.items.values() if i.qty < below), key=lambda i: i.sku)
