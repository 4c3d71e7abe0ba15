"""The whole run: input CSV -> normalised CSV (+ totals per region)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

from .reader import read_rows
from .transform import normalise, totals_by_region
from .writer import write_rows

OUTPUT_HEADER = ["customer", "region", "amount_eur"]


def run(source: IO[str], out: IO[str]) -> dict[str, Decimal]:
    rows = [normalise(row) for row in read_rows(source)]
    write_rows(out, OUTPUT_HEADER, rows)
    return totals_by_region(rows)
