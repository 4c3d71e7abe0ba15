"""Model providers behind one small protocol: OpenAI(-compatible), Anthropic, scripted, replay."""

from devagent.llm.config import ModelConfig, ModelPrice, RetryConfig
from devagent.llm.errors import (
    AuthenticationError,
    BadModelRequestError,
    BadResponseError,
    ContextOverflowError,
    ModelCancelledError,
    ModelConfigError,
    ModelDeadlineError,
    ModelError,
    ModelNotFoundError,
    ProviderUnavailableError,
    RateLimitError,
    ScriptError,
    TransientModelError,
)
from devagent.llm.factory import (
    build_model,
    configured_providers,
    default_model_spec,
    model_config_from_env,
)
from devagent.llm.limits import CallLimits
from devagent.llm.pricing import PriceTable
from devagent.llm.retry import Retrier
from devagent.llm.runtime import ModelRuntime
from devagent.llm.scripted import ReplayModel, ScriptedModel
from devagent.llm.text_protocol import TextToolModel
from devagent.llm.tokens import estimate_tokens
from devagent.llm.types import Completion, Message, Model, ToolCall, ToolSpec, Usage

_LAZY = {
    "AnthropicModel": "devagent.llm.anthropic_model",
    "OpenAIModel": "devagent.llm.openai_model",
}


def __getattr__(name: str) -> object:
    """The provider classes import their SDKs (seconds): loaded on first use only."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AnthropicModel",
    "AuthenticationError",
    "BadModelRequestError",
    "BadResponseError",
    "CallLimits",
    "Completion",
    "ContextOverflowError",
    "Message",
    "Model",
    "ModelCancelledError",
    "ModelConfig",
    "ModelConfigError",
    "ModelDeadlineError",
    "ModelError",
    "ModelNotFoundError",
    "ModelPrice",
    "ModelRuntime",
    "OpenAIModel",
    "PriceTable",
    "ProviderUnavailableError",
    "RateLimitError",
    "ReplayModel",
    "Retrier",
    "RetryConfig",
    "ScriptError",
    "ScriptedModel",
    "TextToolModel",
    "ToolCall",
    "ToolSpec",
    "TransientModelError",
    "Usage",
    "build_model",
    "configured_providers",
    "default_model_spec",
    "estimate_tokens",
    "model_config_from_env",
]
