import pytest

from ledger import CurrencyMismatch, Money


def test_parse_and_format():
    assert str(Money.parse("12.5", "EUR")) == "12.50 EUR"
    assert Money.parse("-0.07", "USD").minor == -7
    with pytest.raises(ValueError):
        Money.parse("1.005", "EUR")


def test_add_requires_same_currency():
    assert Money(150, "EUR") + Money(50, "EUR") == Money(200, "EUR")
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "USD")


def test_zero_decimal_currency():
    assert str(Money.parse("500", "JPY")) == "500 JPY"
