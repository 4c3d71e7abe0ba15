"""Choosing and building a model from a spec string ('openai:gpt-4.1', 'scripted:demo.yaml')."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from devagent.llm.config import ANTHROPIC_BASE_URL, OPENAI_BASE_URL, ModelConfig
from devagent.llm.errors import ModelConfigError
from devagent.llm.pricing import PriceTable
from devagent.llm.retry import Retrier
from devagent.llm.runtime import ModelRuntime
from devagent.llm.scripted import ReplayModel, ScriptedModel
from devagent.llm.sdkclient import SdkClient
from devagent.llm.text_protocol import TextToolModel
from devagent.llm.types import Model
from devagent.llm.wire import Wire, WireEndpoint

if TYPE_CHECKING:  # the SDKs take seconds to import: only a run that uses one pays for it
    import anthropic
    import openai

    from devagent.llm.anthropic_model import AnthropicModel
    from devagent.llm.openai_model import OpenAIModel

DEFAULT_ANTHROPIC = "anthropic:claude-sonnet-4-6"
DEFAULT_OPENAI = "openai:gpt-4.1"
PROVIDERS = ("openai", "anthropic", "ollama", "scripted", "replay")
NO_KEY = "no-key-needed"
"""Sent as the key to local servers, which ignore it (the SDK insists on one)."""
OPTIONS = f"""no model configured. Choose one with --model or `model = ...` in devagent.toml:
  ANTHROPIC_API_KEY=...                      then {DEFAULT_ANTHROPIC} is the default
  OPENAI_API_KEY=...                         then {DEFAULT_OPENAI} is the default
  --model openai:<name> --base-url URL       an OpenAI-compatible server (vLLM, llama.cpp...)
  --model ollama:<name>                      a local Ollama server
  --model scripted:<replies.yaml>            replies from a file (tests, demos)
  --model replay:<trajectory.jsonl>          the replies recorded in a trajectory"""


def default_model_spec(
    env: Mapping[str, str], *, flag: str | None = None, configured: str | None = None
) -> str:
    """--model, else config, else Anthropic's default with a key, else OpenAI's, else an error."""
    for spec in (flag, configured):
        if spec:
            return spec
    if env.get("ANTHROPIC_API_KEY"):
        return DEFAULT_ANTHROPIC
    if env.get("OPENAI_API_KEY"):
        return DEFAULT_OPENAI
    raise ModelConfigError(OPTIONS)


def configured_providers(env: Mapping[str, str]) -> list[tuple[str, bool]]:
    """Which providers have what they need in `env` (names only; no value is returned)."""
    return [
        ("anthropic", bool(env.get("ANTHROPIC_API_KEY"))),
        ("openai", bool(env.get("OPENAI_API_KEY"))),
        ("openai-compatible (OPENAI_BASE_URL)", bool(env.get("OPENAI_BASE_URL"))),
        ("ollama (OLLAMA_HOST)", bool(env.get("OLLAMA_HOST"))),
    ]


def model_config_from_env(env: Mapping[str, str], **settings: object) -> ModelConfig:
    """A ModelConfig from the providers' usual variables; `settings` (flags, config) win."""
    values: dict[str, object] = {
        "openai_api_key": env.get("OPENAI_API_KEY") or None,
        "anthropic_api_key": env.get("ANTHROPIC_API_KEY") or None,
        "base_url": env.get("OPENAI_BASE_URL") or None,
        "anthropic_base_url": env.get("ANTHROPIC_BASE_URL") or None,
    }
    if host := env.get("OLLAMA_HOST"):
        host = host if "://" in host else f"http://{host}"
        values["ollama_base_url"] = f"{host.rstrip('/')}/v1"
    values.update(settings)
    return ModelConfig.model_validate(values)


def build_model(
    spec: str,
    config: ModelConfig,
    *,
    runtime: ModelRuntime | None = None,
    background: bool = False,
) -> Model:
    """The model named by `spec` ('<provider>:<name>'). `runtime` injects the retry sleep, the
    clock and prices (tests); by default it is built from `config`. `background`: the provider's
    SDK client is made on a background thread from the first request on, once the configuration
    has been checked here, and the requests sent before it is made go over the wire
    (`devagent.llm.wire`), unless the environment configures the SDK itself."""
    provider, _, rest = spec.partition(":")
    if provider not in PROVIDERS or not rest:
        raise ModelConfigError(
            f"unknown model spec {spec!r}; expected one of "
            + ", ".join(f"{p}:<...>" for p in PROVIDERS)
        )
    if provider == "scripted":
        return ScriptedModel.from_file(Path(rest))
    if provider == "replay":
        return ReplayModel.from_file(Path(rest))
    runtime = runtime or ModelRuntime(
        prices=PriceTable(config.prices), retrier=Retrier(config.retry)
    )
    _check_config(provider, spec, config)
    model = _build_provider(provider, spec, config, runtime, lazy=background)
    if _uses_text_protocol(rest, config):
        return TextToolModel(model)
    return model


def _check_config(provider: str, spec: str, config: ModelConfig) -> None:
    """What a provider needs before any client is made: its key, or a local server's URL."""
    if provider == "anthropic" and config.anthropic_api_key is None:
        raise ModelConfigError(f"{spec} needs an API key: set ANTHROPIC_API_KEY")
    if provider == "openai" and config.openai_api_key is None and config.base_url is None:
        raise ModelConfigError(f"{spec} needs OPENAI_API_KEY, or --base-url for a local server")


def _build_provider(
    provider: str, spec: str, config: ModelConfig, runtime: ModelRuntime, *, lazy: bool = False
) -> Model:
    """The provider's model; `lazy`: its SDK client is made from the first request on, and the
    requests sent before it is made go over the wire (`devagent.llm.wire`)."""
    keys = [k.get_secret_value() for k in (config.openai_api_key, config.anthropic_api_key) if k]
    runtime.secrets = tuple(keys)
    if provider == "anthropic":
        return _build_anthropic(spec, config, runtime, lazy=lazy)
    return _build_openai(provider, spec, config, runtime, lazy=lazy)


SDK_PASSED = {"OPENAI": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
              "ANTHROPIC": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")}  # fmt: skip
"""Per SDK, the variables devagent reads and passes to it explicitly."""


def sdk_configured_by_env(sdk: str, env: Mapping[str, str]) -> bool:
    """Whether `env` has a variable the SDK would read for itself (`OPENAI_ORG_ID`,
    `ANTHROPIC_CUSTOM_HEADERS`, ...: any `<SDK>_*` but the ones devagent passes it). Then only
    the SDK sends requests: the wire sends what devagent knows the SDK would send, no more."""
    return any(
        name.startswith(f"{sdk}_") and name not in SDK_PASSED[sdk] and value
        for name, value in env.items()
    )


def _bridge(sdk: str, endpoint: Callable[[], WireEndpoint]) -> Wire | None:
    """The wire that carries the requests sent while `sdk`'s client is made, its HTTP client
    being made now; None when the environment configures the SDK itself."""
    if sdk_configured_by_env(sdk, os.environ):
        return None
    wire = Wire(endpoint())
    wire.warm()
    return wire


def _build_anthropic(
    spec: str, config: ModelConfig, runtime: ModelRuntime, *, lazy: bool
) -> AnthropicModel:
    from devagent.llm.anthropic_model import AnthropicModel, messages_endpoint

    assert config.anthropic_api_key is not None  # _check_config
    key = config.anthropic_api_key.get_secret_value()
    base_url = config.anthropic_base_url or ANTHROPIC_BASE_URL

    def make() -> anthropic.Anthropic:
        import anthropic

        client = anthropic.Anthropic(
            api_key=key, base_url=base_url, timeout=config.timeout_s, max_retries=0
        )
        _ = client.messages  # what the first request would do otherwise: import the resource,
        client.platform_headers()  # and read the platform for the headers (`uname -p`, libc)
        return client

    caching = config.prompt_caching
    if not lazy:
        return AnthropicModel(spec, make(), runtime, caching=caching)
    wire = _bridge("ANTHROPIC", lambda: messages_endpoint(base_url, key, config.timeout_s))
    return AnthropicModel(spec, SdkClient(make), runtime, caching=caching, wire=wire)


def _build_openai(
    provider: str, spec: str, config: ModelConfig, runtime: ModelRuntime, *, lazy: bool
) -> OpenAIModel:
    """OpenAI itself, a compatible server (config.base_url), or Ollama. Keys and URLs are always
    passed explicitly: the SDK would otherwise read OPENAI_API_KEY/OPENAI_BASE_URL itself."""
    from devagent.llm.openai_model import OpenAIModel, chat_endpoint

    base_url: str | None
    if provider == "ollama":
        base_url, key = config.ollama_base_url, NO_KEY
    else:
        base_url = config.base_url
        secret = config.openai_api_key
        key = secret.get_secret_value() if secret else NO_KEY
    url = base_url or OPENAI_BASE_URL

    def make() -> openai.OpenAI:
        import openai

        client = openai.OpenAI(api_key=key, base_url=url, timeout=config.timeout_s, max_retries=0)
        _ = client.chat.completions  # what the first request would do otherwise: import the
        client.platform_headers()  # resource, and read the platform for the headers (`uname -p`)
        return client

    legacy = base_url is not None
    if not lazy:
        return OpenAIModel(spec, make(), runtime, provider=provider, legacy_max_tokens=legacy)
    wire = _bridge("OPENAI", lambda: chat_endpoint(url, key, config.timeout_s))
    clients = SdkClient(make)
    return OpenAIModel(
        spec, clients, runtime, provider=provider, legacy_max_tokens=legacy, wire=wire
    )


def _uses_text_protocol(model_name: str, config: ModelConfig) -> bool:
    if config.tool_protocol != "auto":
        return config.tool_protocol == "text"
    return any(fnmatch.fnmatch(model_name, pattern) for pattern in config.text_protocol_models)
