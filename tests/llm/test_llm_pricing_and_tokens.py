"""Prices from prices.toml, overrides, unknown models, and the token estimate."""

from __future__ import annotations

import logging

import pytest

from devagent.llm import ModelPrice, PriceTable, Usage, estimate_tokens
from devagent.llm.pricing import load_default_prices, usage_cost
from devagent.llm.tokens import estimate_messages_tokens

MILLION = Usage(input_tokens=1_000_000, output_tokens=1_000_000)


def test_bundled_prices_cover_common_models():
    prices = load_default_prices()
    assert prices["openai:gpt-4o"] == ModelPrice(input=2.5, output=10.0, cached_input=1.25)
    assert prices["anthropic:claude-sonnet-4"].cache_write == 3.75


@pytest.mark.parametrize(
    "provider, model, expected",
    [
        ("openai", "gpt-4o", 12.50),
        ("openai", "gpt-4o-2024-08-06", 12.50),
        ("openai", "gpt-4o-mini", 0.75),
        ("openai", "gpt-4o-mini-2024-07-18", 0.75),
        ("anthropic", "claude-sonnet-4-6", 18.00),
        ("anthropic", "claude-haiku-4-5-20251001", 6.00),
        ("ollama", "qwen2.5-coder:7b", 0.0),
    ],
)
def test_dated_snapshots_take_their_family_price(provider, model, expected):
    assert PriceTable().cost(provider, model, MILLION) == pytest.approx(expected)


def test_prefix_must_end_at_a_separator():
    assert PriceTable().lookup("openai", "o30") is None


def test_overrides_win():
    table = PriceTable({"openai:gpt-4o": ModelPrice(input=1.0, output=2.0)})
    assert table.cost("openai", "gpt-4o", MILLION) == pytest.approx(3.0)


def test_unknown_model_costs_zero_and_warns_once(caplog: pytest.LogCaptureFixture):
    table = PriceTable()
    with caplog.at_level(logging.WARNING, logger="devagent.llm.pricing"):
        costs = [table.cost("openai", "my-finetune", MILLION) for _ in range(3)]
    assert costs == [0.0, 0.0, 0.0]
    warnings = [r for r in caplog.records if "my-finetune" in r.getMessage()]
    assert len(warnings) == 1


def test_cache_prices_default_to_the_input_price():
    usage = Usage(input_tokens=1_000_000, cached_tokens=400_000, cache_write_tokens=100_000)
    assert usage_cost(usage, ModelPrice(input=2.0, output=0.0)) == pytest.approx(2.0)


def test_estimate_is_zero_for_empty_text_and_grows_with_length():
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") == 1
    short, long = estimate_tokens("x" * 400), estimate_tokens("x" * 4000)
    assert 100 <= short <= 130
    assert long == pytest.approx(10 * short, rel=0.01)


def test_estimate_leans_high_for_english_prose():
    # ~60 words of English prose is ~75-80 tokens with current BPE vocabularies.
    text = (
        "The agent clones the repository into a private workspace, builds the context from the "
        "issue and a repository map, and then loops: the model proposes tool calls, the tools "
        "run inside a disposable container, and their observations go back to the model until "
        "the goal tests pass or the budget runs out. Every token and cent is accounted."
    )
    assert estimate_tokens(text) >= len(text.split()) * 1.3


def test_message_estimate_adds_overhead_per_message():
    assert estimate_messages_tokens(["", ""]) == 8
