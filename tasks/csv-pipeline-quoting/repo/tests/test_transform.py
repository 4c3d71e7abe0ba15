from decimal import Decimal

import pytest

from salespipe.transform import normalise, totals_by_region


def test_normalise_amounts():
    row = normalise({"customer": "X", "region": "emea", "amount": "10", "currency": "usd"})
    assert row == {"customer": "X", "region": "EMEA", "amount_eur": Decimal("5.0")}
    with pytest.raises(ValueError):
        normalise({"customer": "X", "region": "E", "amount": "1", "currency": "XYZ"})


def test_totals_by_region():
    rows = [{"region": "B", "amount_eur": Decimal(1)}, {"region": "A", "amount_eur": Decimal(2)},
            {"region": "B", "amount_eur": Decimal("0.5")}]
    assert totals_by_region(rows) == {"A": Decimal(2), "B": Decimal("1.5")}
