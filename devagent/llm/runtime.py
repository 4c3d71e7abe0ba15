"""What every provider model shares: prices, retries, a clock, and the secrets kept out of text."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devagent.llm.pricing import PriceTable
from devagent.llm.retry import Retrier
from devagent.llm.types import ToolCall


@dataclass
class ModelRuntime:
    """Collaborators a provider model is given, never looks up."""

    prices: PriceTable = field(default_factory=PriceTable)
    retrier: Retrier = field(default_factory=Retrier)
    clock: Callable[[], float] = time.monotonic
    secrets: tuple[str, ...] = ()
    """API keys, redacted from any error text."""


def parse_arguments(call_id: str, name: str, raw: str | None) -> ToolCall:
    """A ToolCall from the model's raw JSON arguments. Malformed JSON is not an exception: the
    call carries `parse_error`, and the loop returns it to the model as a tool error."""
    text = (raw or "").strip()
    if not text:
        return ToolCall(id=call_id, name=name, arguments={}, raw_arguments=raw)
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        error = (
            f"the arguments of `{name}` are not valid JSON ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno}); call the tool again with a JSON object matching its schema"
        )
        return ToolCall(id=call_id, name=name, arguments={}, parse_error=error, raw_arguments=raw)
    if not isinstance(value, dict):
        error = (
            f"the arguments of `{name}` must be a JSON object, not {type(value).__name__}; "
            "call the tool again with an object matching its schema"
        )
        return ToolCall(id=call_id, name=name, arguments={}, parse_error=error, raw_arguments=raw)
    return ToolCall(id=call_id, name=name, arguments=value, raw_arguments=raw)
