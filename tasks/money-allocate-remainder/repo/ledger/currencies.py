"""Number of minor-unit digits per ISO 4217 currency."""

DECIMALS = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "KWD": 3}


def decimals(code: str) -> int:
    try:
        return DECIMALS[code]
    except KeyError:
        raise ValueError(f"unknown currency {code!r}") from None
