"""Mapping provider HTTP failures onto the model error tree. Pure: status, text, headers in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from devagent.llm.errors import (
    AuthenticationError,
    BadModelRequestError,
    ContextOverflowError,
    ModelError,
    ModelNotFoundError,
    ProviderUnavailableError,
    RateLimitError,
    redact,
)
from devagent.llm.retry import parse_retry_after

# What OpenAI, Anthropic, vLLM, llama.cpp, Ollama and LM Studio say when the prompt is too long.
_OVERFLOW = re.compile(
    r"context_length_exceeded|maximum context length|context window|prompt is too long"
    r"|exceeds the (available )?context size|too many tokens|input length and `max_tokens`"
    r"|reduce the length of the messages",
    re.IGNORECASE,
)
_MAX_DETAIL = 300


def is_context_overflow(text: str) -> bool:
    return bool(_OVERFLOW.search(text))


def translate_status(
    status: int,
    detail: str,
    headers: Mapping[str, str] | None,
    *,
    where: str,
    secrets: Iterable[str | None] = (),
) -> ModelError:
    """The error for an HTTP failure `status` from `where` ('openai:gpt-4.1'). `detail` is the
    provider's message; it is redacted and shortened. A 401/403 never quotes the provider."""
    detail = redact(detail, secrets)[:_MAX_DETAIL]
    if status in (401, 403):
        what = "the API key" if status == 401 else "the API key's permissions"
        return AuthenticationError(f"{where}: the provider rejected {what} (HTTP {status})")
    if status == 404:
        return ModelNotFoundError(f"{where}: model or endpoint not found (HTTP 404): {detail}")
    if is_context_overflow(detail) and status in (400, 413, 422):
        return ContextOverflowError(f"{where}: the prompt exceeds the context window: {detail}")
    retry_after = parse_retry_after(dict(headers or {}))
    if status in (429, 529):
        message = f"{where}: rate limited (HTTP {status}): {detail}"
        return RateLimitError(message, retry_after=retry_after)
    if status >= 500 or status in (408, 409):
        return ProviderUnavailableError(
            f"{where}: provider error (HTTP {status}): {detail}", retry_after=retry_after
        )
    return BadModelRequestError(f"{where}: request rejected (HTTP {status}): {detail}")


def translate_connection(where: str, base_url: str | None, *, timed_out: bool) -> ModelError:
    """The error for a request that got no HTTP answer."""
    target = base_url or "the provider"
    if timed_out:
        return ProviderUnavailableError(f"{where}: request to {target} timed out")
    return ProviderUnavailableError(f"{where}: could not connect to {target}")
