"""The Money value: integer minor units plus a currency code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .allocation import allocate_minor
from .currencies import decimals


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def parse(cls, text: str, currency: str) -> "Money":
        places = decimals(currency)
        value = Decimal(text) * (10**places)
        if value != value.to_integral_value():
            raise ValueError(f"{text} has more than {places} decimals for {currency}")
        return cls(int(value), currency)

    def __str__(self) -> str:
        places = decimals(self.currency)
        sign = "-" if self.minor < 0 else ""
        units, cents = divmod(abs(self.minor), 10**places)
        text = f"{units}.{cents:0{places}d}" if places else str(units)
        return f"{sign}{text} {self.currency}"

    def __add__(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} + {other.currency}")
        return Money(self.minor + other.minor, self.currency)

    def allocate(self, ratios: list[int]) -> list["Money"]:
        return [Money(part, self.currency) for part in allocate_minor(self.minor, ratios)]

    def split(self, parts: int) -> list["Money"]:
        if parts <= 0:
            raise ValueError("parts must be positive")
        return self.allocate([1] * parts)
