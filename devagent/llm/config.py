"""The model layer's settings (`ModelConfig`): keys, endpoints, timeouts, retries, prices."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

OPENAI_BASE_URL = "https://api.openai.com/v1"
OLLAMA_BASE_URL = "http://localhost:11434/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"


class ModelPrice(BaseModel):
    """USD per million tokens. Cache prices default to the input price when not given."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    input: float
    output: float
    cached_input: float | None = None
    """Price of input tokens read from the prompt cache."""
    cache_write: float | None = None
    """Price of input tokens written to the prompt cache (Anthropic)."""


class RetryConfig(BaseModel):
    """Bounds on retrying 429s, 5xx, connection errors and timeouts."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    max_attempts: int = Field(default=6, ge=1)
    """Attempts in all, the first included."""
    max_total_s: float = Field(default=180.0, gt=0)
    """No retry starts if it would end after this many seconds since the first attempt."""
    base_delay_s: float = Field(default=1.0, ge=0)
    """Backoff before the second attempt; doubled each time, with jitter (half to all of it)."""
    max_delay_s: float = Field(default=30.0, ge=0)
    """Cap on one backoff (a longer Retry-After is still honoured within max_total_s)."""


class ModelConfig(BaseModel):
    """Everything `build_model` needs besides the spec string. Built by the CLI from flags, env
    and the repo's config; nothing here reads the environment."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    base_url: str | None = None
    """OpenAI-compatible endpoint (vLLM, llama.cpp, LM Studio...) for `openai:` specs."""
    anthropic_base_url: str | None = None
    ollama_base_url: str = OLLAMA_BASE_URL
    timeout_s: float = Field(default=600.0, gt=0)
    """Per-request timeout."""
    retry: RetryConfig = Field(default_factory=RetryConfig)
    tool_protocol: Literal["auto", "native", "text"] = "auto"
    """'text': tools described in the prompt and parsed from a fenced block, for models without
    native tool calling. 'auto': native, unless the model matches `text_protocol_models`."""
    text_protocol_models: list[str] = Field(default_factory=list)
    """Glob patterns of model names (after the prefix) that use the text protocol under 'auto'."""
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    """Overrides of prices.toml, keyed like it: 'openai:gpt-4.1', 'anthropic:claude-...'."""
    prompt_caching: bool = True
    """Mark the stable prefix (system prompt, repo map) for Anthropic's prompt cache."""
