"""Turning token usage into USD from per-million prices (prices.toml, overridable in config)."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from importlib import resources

from devagent.llm.config import ModelPrice
from devagent.llm.types import Usage

log = logging.getLogger(__name__)
_SEPARATORS = ("-", "@", ":", ".")


def load_default_prices() -> dict[str, ModelPrice]:
    """The bundled prices.toml as {'provider:model': price}."""
    text = resources.files("devagent.llm").joinpath("prices.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    return {
        f"{provider}:{model}": ModelPrice(**entry)
        for provider, models in table.items()
        for model, entry in models.items()
    }


def usage_cost(usage: Usage, price: ModelPrice) -> float:
    """USD for `usage`. Cached and cache-write tokens are subsets of input_tokens."""
    cached_price = price.input if price.cached_input is None else price.cached_input
    write_price = price.input if price.cache_write is None else price.cache_write
    fresh = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
    total = (
        fresh * price.input
        + usage.cached_tokens * cached_price
        + usage.cache_write_tokens * write_price
        + usage.output_tokens * price.output
    )
    return total / 1_000_000


class PriceTable:
    """Prices by 'provider:model'. An unknown model costs 0, with one warning per model."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices = {**load_default_prices(), **(overrides or {})}
        self._warned: set[str] = set()

    def lookup(self, provider: str, model: str) -> ModelPrice | None:
        """The exact entry, else the longest listed prefix that ends at a separator, else '*'."""
        key = f"{provider}:{model}"
        if key in self._prices:
            return self._prices[key]
        best: str | None = None
        for known in self._prices:
            if key.startswith(known) and key[len(known)] in _SEPARATORS:
                best = known if best is None or len(known) > len(best) else best
        if best is not None:
            return self._prices[best]
        return self._prices.get(f"{provider}:*")

    def cost(self, provider: str, model: str, usage: Usage) -> float:
        price = self.lookup(provider, model)
        if price is None:
            if f"{provider}:{model}" not in self._warned:
                self._warned.add(f"{provider}:{model}")
                log.warning("no price known for %s:%s; counting its cost as 0", provider, model)
            return 0.0
        return usage_cost(usage, price)
