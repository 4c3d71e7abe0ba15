"""Command-line interface: parse arguments, call the store, print results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Sequence

from .errors import InventoryError
from .store import Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inventory")
    parser.add_argument("--db", type=Path, default=Path("stock.json"))
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="receive stock")
    add.add_argument("sku")
    add.add_argument("--qty", type=int, default=1)
    add.add_argument("--name")
    commands.add_parser("list", help="show all items")
    low = commands.add_parser("low", help="items running out")
    low.add_argument("--below", type=int, default=5)
    return parser


def _run(args: argparse.Namespace, store: Store, out: IO[str]) -> None:
    if args.command == "add":
        item = store.add(args.sku, args.qty, args.name)
        store.save()
        print(f"{item.sku}: {item.qty}", file=out)
    elif args.command == "list":
        for item in sorted(store.items.values(), key=lambda i: i.sku):
            print(f"{item.sku:<12} {item.qty:>5}  {item.name}", file=out)
    elif args.command == "low":
        for item in store.low(args.below):
            print(f"{item.sku}: {item.qty}", file=out)


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None,
         err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        _run(args, Store(args.db), out)
    except InventoryError as exc:
        print(f"error: {exc}", file=err)
        return 2
    return 0
