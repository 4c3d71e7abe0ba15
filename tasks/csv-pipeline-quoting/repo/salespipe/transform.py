"""Normalise raw rows and aggregate them."""

from __future__ import annotations

from decimal import Decimal

RATES_TO_EUR = {"EUR": Decimal("1"), "USD": Decimal("0.5"), "GBP": Decimal("1.25")}


def normalise(row: dict[str, str]) -> dict[str, object]:
    currency = row["currency"].upper()
    if currency not in RATES_TO_EUR:
        raise ValueError(f"unknown currency {currency!r}")
    amount = Decimal(row["amount"]) * RATES_TO_EUR[currency]
    return {"customer": row["customer"], "region": row["region"].upper(), "amount_eur": amount}


def totals_by_region(rows: list[dict[str, object]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        region = str(row["region"])
        totals[region] = totals.get(region, Decimal(0)) + Decimal(str(row["amount_eur"]))
    return dict(sorted(totals.items()))
