"""AnthropicModel against a local server speaking the Messages wire protocol."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from devagent.llm import (
    AnthropicModel,
    AuthenticationError,
    BadResponseError,
    ContextOverflowError,
    Message,
    ModelConfig,
    ModelNotFoundError,
    ProviderUnavailableError,
    RateLimitError,
    ToolCall,
    ToolSpec,
    build_model,
)
from tests.llm.fakes import SECRET_KEY, sent_bodies

PATH = "/v1/messages"
VIEW = ToolSpec(
    "view", "Show a file.", {"type": "object", "properties": {"path": {"type": "string"}}}
)
RUN = ToolSpec(
    "run", "Run a command.", {"type": "object", "properties": {"cmd": {"type": "string"}}}
)
EPHEMERAL = {"type": "ephemeral"}


def messages_response(
    content: list[dict[str, Any]] | None = None,
    stop: str = "end_turn",
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content if content is not None else [{"type": "text", "text": "Hello."}],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage or {"input_tokens": 1000, "output_tokens": 100},
    }


def tool_use(block_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": block_id, "name": name, "input": arguments}


def error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


@pytest.fixture
def model(config: ModelConfig, runtime, transport: str) -> AnthropicModel:
    wire = transport == "wire"
    built = build_model("anthropic:claude-sonnet-4-6", config, runtime=runtime, background=wire)
    assert isinstance(built, AnthropicModel)
    return built


CONVERSATION = [
    Message("system", "You are a developer agent."),
    Message("user", "Repo map:\nsrc/a.py: def f()", cache=True),
    Message("user", "Fix the bug."),
]


def test_plain_reply_and_request_shape(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH, method="POST").respond_with_json(messages_response())
    result = model.complete(CONVERSATION, [], max_tokens=500)
    assert result.message.content == "Hello."
    assert result.stop_reason == "end_turn"
    assert result.raw_id == "msg_01"
    assert result.cost_usd == pytest.approx(1000 * 3e-6 + 100 * 15e-6)
    request, _ = httpserver.log[0]
    sent_key = request.headers.get("x-api-key") or request.headers["Authorization"]
    assert sent_key.removeprefix("Bearer ") == SECRET_KEY
    assert "anthropic-version" in request.headers
    body = sent_bodies(httpserver)[0]
    assert body["model"] == "claude-sonnet-4-6"
    assert body["max_tokens"] == 500
    assert body["system"] == [
        {"type": "text", "text": "You are a developer agent.", "cache_control": EPHEMERAL}
    ]
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "Repo map:\nsrc/a.py: def f()",
                    "cache_control": EPHEMERAL,
                },
                {"type": "text", "text": "Fix the bug."},
            ],
        }
    ]
    assert "tools" not in body


def test_caching_can_be_switched_off(httpserver: HTTPServer, config, runtime):
    model = build_model(
        "anthropic:claude-sonnet-4-6",
        config.model_copy(update={"prompt_caching": False}),
        runtime=runtime,
    )
    httpserver.expect_request(PATH).respond_with_json(messages_response())
    model.complete(CONVERSATION, [])
    assert "cache_control" not in str(sent_bodies(httpserver)[0])


def test_at_most_four_cache_breakpoints(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(messages_response())
    marked = [Message("user" if i % 2 == 0 else "assistant", f"m{i}", cache=True) for i in range(6)]
    model.complete([Message("system", "sys"), *marked], [])
    assert str(sent_bodies(httpserver)[0]).count("cache_control") == 4


def test_several_tool_calls_and_tool_schema(httpserver: HTTPServer, model):
    content = [
        {"type": "text", "text": "Let me look."},
        tool_use("toolu_1", "view", {"path": "a.py"}),
        tool_use("toolu_2", "run", {"cmd": "pytest -q"}),
    ]
    httpserver.expect_request(PATH).respond_with_json(messages_response(content, "tool_use"))
    result = model.complete(CONVERSATION, [VIEW, RUN])
    assert result.stop_reason == "tool_use"
    assert result.message.content == "Let me look."
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("toolu_1", "view", {"path": "a.py"}),
        ("toolu_2", "run", {"cmd": "pytest -q"}),
    ]
    assert sent_bodies(httpserver)[0]["tools"] == [
        {"name": "view", "description": "Show a file.", "input_schema": VIEW.parameters},
        {"name": "run", "description": "Run a command.", "input_schema": RUN.parameters},
    ]


def test_tool_results_go_back_as_one_user_turn_of_tool_result_blocks(httpserver, model):
    httpserver.expect_request(PATH).respond_with_json(messages_response())
    calls = (
        ToolCall("toolu_1", "view", {"path": "a.py"}),
        ToolCall("toolu_2", "run", {"cmd": "ls"}),
    )
    history = [
        *CONVERSATION,
        Message("assistant", "Let me look.", tool_calls=calls),
        Message("tool", "1: x = 1", tool_call_id="toolu_1", name="view"),
        Message("tool", "exit 2", tool_call_id="toolu_2", name="run", is_error=True),
    ]
    model.complete(history, [VIEW, RUN])
    turns = sent_bodies(httpserver)[0]["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert turns[1]["content"] == [
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "toolu_1", "name": "view", "input": {"path": "a.py"}},
        {"type": "tool_use", "id": "toolu_2", "name": "run", "input": {"cmd": "ls"}},
    ]
    assert turns[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "1: x = 1"},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "exit 2", "is_error": True},
    ]


def test_cache_reads_and_writes_are_counted_and_priced(httpserver: HTTPServer, model):
    usage = {
        "input_tokens": 200,
        "output_tokens": 100,
        "cache_read_input_tokens": 5_000,
        "cache_creation_input_tokens": 1_000,
    }
    httpserver.expect_request(PATH).respond_with_json(messages_response(usage=usage))
    result = model.complete(CONVERSATION, [])
    assert result.usage.input_tokens == 6_200
    assert result.usage.cached_tokens == 5_000
    assert result.usage.cache_write_tokens == 1_000
    expected = (200 * 3.00 + 5_000 * 0.30 + 1_000 * 3.75 + 100 * 15.00) / 1e6
    assert result.cost_usd == pytest.approx(expected)


def test_429_then_success_honours_retry_after(httpserver: HTTPServer, model, clock):
    httpserver.expect_ordered_request(PATH).respond_with_json(
        error("rate_limit_error", "Too many requests"), status=429, headers={"retry-after": "3"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_json(messages_response())
    assert model.complete(CONVERSATION, []).message.content == "Hello."
    assert clock.sleeps == [3.0]


def test_overloaded_529_is_retried_then_raised(httpserver: HTTPServer, model, clock):
    httpserver.expect_request(PATH).respond_with_json(
        error("overloaded_error", "Overloaded"), status=529
    )
    with pytest.raises(RateLimitError, match="529"):
        model.complete(CONVERSATION, [])
    assert len(httpserver.log) == 3


def test_500s_until_the_attempt_bound(httpserver: HTTPServer, model, clock):
    httpserver.expect_request(PATH).respond_with_json(error("api_error", "Internal"), status=500)
    with pytest.raises(ProviderUnavailableError, match="api_error Internal"):
        model.complete(CONVERSATION, [])
    assert len(httpserver.log) == 3
    assert len(clock.sleeps) == 2


def test_401_is_an_authentication_error_without_the_key(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(
        error("authentication_error", f"invalid x-api-key {SECRET_KEY}"), status=401
    )
    with pytest.raises(AuthenticationError) as info:
        model.complete(CONVERSATION, [])
    assert SECRET_KEY not in str(info.value) and SECRET_KEY not in repr(info.value)
    assert info.value.hint
    assert len(httpserver.log) == 1


def test_404_is_model_not_found(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(
        error("not_found_error", "model: claude-nine"), status=404
    )
    with pytest.raises(ModelNotFoundError, match="claude-nine"):
        model.complete(CONVERSATION, [])


def test_prompt_too_long_is_context_overflow(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(
        error("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
        status=400,
    )
    with pytest.raises(ContextOverflowError, match="210000"):
        model.complete(CONVERSATION, [])


def test_malformed_tool_input_comes_back_as_parse_error(httpserver: HTTPServer, model):
    content = [tool_use("toolu_1", "view", '{"path": "a.py"'), tool_use("toolu_2", "run", {})]
    httpserver.expect_request(PATH).respond_with_json(messages_response(content, "tool_use"))
    bad, empty = model.complete(CONVERSATION, [VIEW, RUN]).tool_calls
    assert bad.arguments == {} and "not valid JSON" in (bad.parse_error or "")
    assert empty.arguments == {} and empty.parse_error is None


def test_max_tokens_stop_is_surfaced(httpserver: HTTPServer, model):
    content = [{"type": "text", "text": "Cut off mid"}]
    httpserver.expect_request(PATH).respond_with_json(messages_response(content, "max_tokens"))
    result = model.complete(CONVERSATION, [])
    assert result.stop_reason == "max_tokens"
    assert result.message.content == "Cut off mid"


def test_a_body_that_is_not_the_api_is_a_bad_response(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_data(
        "<html>proxy</html>", content_type="text/html"
    )
    with pytest.raises(BadResponseError):
        model.complete(CONVERSATION, [])


def test_connection_refused_is_provider_unavailable(config, runtime, clock, transport):
    dead = config.model_copy(update={"anthropic_base_url": "http://127.0.0.1:9"})
    wire = transport == "wire"
    model = build_model("anthropic:claude-sonnet-4-6", dead, runtime=runtime, background=wire)
    with pytest.raises(ProviderUnavailableError, match="could not connect"):
        model.complete(CONVERSATION, [])
    assert len(clock.sleeps) == 2
