import pytest

from ledger import Money


def test_split_exact_amount():
    assert Money(900, "EUR").split(3) == [Money(300, "EUR")] * 3


def test_allocate_rejects_bad_ratios():
    with pytest.raises(ValueError):
        Money(100, "EUR").allocate([0, 0])
    with pytest.raises(ValueError):
        Money(100, "EUR").split(0)


def test_split_even_keeps_every_cent():
    shares = Money.parse("100.00", "EUR").split(3)
    assert [str(s) for s in shares] == ["33.34 EUR", "33.33 EUR", "33.33 EUR"]


@pytest.mark.parametrize("minor,ratios", [(5, [3, 7]), (1001, [1, 1, 1, 1]), (99, [50, 30, 20]),
                                          (7, [1, 0, 1])])
def test_allocate_by_ratios_sums_to_total(minor, ratios):
    parts = Money(minor, "EUR").allocate(ratios)
    assert sum(p.minor for p in parts) == minor
    assert len(parts) == len(ratios)


def test_remainder_goes_to_first_parties():
    assert [m.minor for m in Money(5, "USD").allocate([3, 7])] == [2, 3]
    assert [m.minor for m in Money(10, "USD").split(4)] == [3, 3, 2, 2]
    assert [m.minor for m in Money(7, "USD").allocate([1, 0, 1])] == [4, 0, 3]
