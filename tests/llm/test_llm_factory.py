"""Choosing the model: specs, defaults, configured providers, config from env."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import devagent.llm as llm
from devagent.llm import (
    AnthropicModel,
    ModelConfig,
    ModelConfigError,
    OpenAIModel,
    TextToolModel,
    build_model,
    configured_providers,
    default_model_spec,
    model_config_from_env,
)
from devagent.llm.factory import DEFAULT_ANTHROPIC, DEFAULT_OPENAI

KEY = "sk-very-secret-key-42"


def test_flag_then_config_then_anthropic_then_openai():
    env = {"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}
    assert default_model_spec(env, flag="openai:x", configured="anthropic:y") == "openai:x"
    assert default_model_spec(env, configured="anthropic:y") == "anthropic:y"
    assert default_model_spec(env) == DEFAULT_ANTHROPIC
    assert default_model_spec({"OPENAI_API_KEY": "o"}) == DEFAULT_OPENAI


def test_no_model_is_a_clear_error_listing_the_options():
    with pytest.raises(ModelConfigError) as info:
        default_model_spec({})
    text = str(info.value)
    for option in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "--base-url", "ollama:", "scripted:"):
        assert option in text


def test_configured_providers_names_only():
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "http://localhost:8000/v1"}
    providers = configured_providers(env)
    assert dict(providers)["openai"] is True
    assert dict(providers)["anthropic"] is False
    assert KEY not in repr(providers)


def test_config_from_env_and_secret_stays_hidden():
    config = model_config_from_env({"OPENAI_API_KEY": KEY, "OLLAMA_HOST": "127.0.0.1:11500"})
    assert config.openai_api_key is not None
    assert config.openai_api_key.get_secret_value() == KEY
    assert config.ollama_base_url == "http://127.0.0.1:11500/v1"
    assert KEY not in repr(config) and KEY not in str(config.model_dump())


def test_config_rejects_unknown_keys():
    with pytest.raises(ValidationError):
        ModelConfig(api_key="x")  # type: ignore[call-arg]


def test_builds_each_provider(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://elsewhere.invalid/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://elsewhere.invalid")
    config = ModelConfig(openai_api_key=KEY, anthropic_api_key=KEY)
    official = build_model("openai:gpt-4.1", config)
    assert isinstance(official, OpenAIModel)
    assert str(official.client.base_url) == "https://api.openai.com/v1/"
    claude = build_model("anthropic:claude-sonnet-4-6", config)
    assert isinstance(claude, AnthropicModel)
    assert str(claude.client.base_url) == "https://api.anthropic.com"
    ollama = build_model("ollama:qwen2.5-coder:7b", ModelConfig())
    assert isinstance(ollama, OpenAIModel)
    assert (ollama.provider, ollama.model) == ("ollama", "qwen2.5-coder:7b")


def test_missing_key_and_unknown_provider_are_config_errors():
    with pytest.raises(ModelConfigError, match="ANTHROPIC_API_KEY"):
        build_model("anthropic:claude-sonnet-4-6", ModelConfig())
    with pytest.raises(ModelConfigError, match="OPENAI_API_KEY"):
        build_model("openai:gpt-4.1", ModelConfig())
    with pytest.raises(ModelConfigError, match="unknown model spec"):
        build_model("gemini:pro", ModelConfig())


def test_local_server_needs_no_key():
    model = build_model("openai:llama3", ModelConfig(base_url="http://localhost:8000/v1"))
    assert isinstance(model, OpenAIModel)


def test_text_protocol_by_flag_or_by_model_pattern():
    base = ModelConfig(base_url="http://localhost:8000/v1")
    assert isinstance(
        build_model("openai:m", base.model_copy(update={"tool_protocol": "text"})), TextToolModel
    )
    by_pattern = base.model_copy(update={"text_protocol_models": ["phi-*"]})
    assert isinstance(build_model("openai:phi-3-mini", by_pattern), TextToolModel)
    assert isinstance(build_model("openai:llama3", by_pattern), OpenAIModel)
    native = base.model_copy(update={"tool_protocol": "native", "text_protocol_models": ["*"]})
    assert isinstance(build_model("openai:phi-3", native), OpenAIModel)


def test_public_names_are_all_exported():
    assert sorted(llm.__all__) == sorted(set(llm.__all__))
    for name in llm.__all__:
        assert getattr(llm, name) is not None
