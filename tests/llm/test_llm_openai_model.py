"""OpenAIModel against a local server speaking the Chat Completions wire protocol."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from devagent.llm import (
    AuthenticationError,
    BadModelRequestError,
    BadResponseError,
    ContextOverflowError,
    Message,
    ModelConfig,
    ModelConfigError,
    ModelNotFoundError,
    ModelRuntime,
    OpenAIModel,
    ProviderUnavailableError,
    RateLimitError,
    RetryConfig,
    ToolCall,
    ToolSpec,
    build_model,
)
from tests.llm.fakes import SECRET_KEY, FakeClock, sent_bodies

PATH = "/v1/chat/completions"
VIEW = ToolSpec(
    "view", "Show a file.", {"type": "object", "properties": {"path": {"type": "string"}}}
)
RUN = ToolSpec(
    "run", "Run a command.", {"type": "object", "properties": {"cmd": {"type": "string"}}}
)


def chat_response(
    content: str | None = "Hello.",
    tool_calls: list[dict[str, Any]] | None = None,
    finish: str = "stop",
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-42",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage or {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
    }


def fn_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def error_body(message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


@pytest.fixture
def model(config: ModelConfig, runtime: ModelRuntime, transport: str) -> OpenAIModel:
    built = build_model("openai:gpt-4o", config, runtime=runtime, background=transport == "wire")
    assert isinstance(built, OpenAIModel)
    return built


USER = [Message("system", "You are terse."), Message("user", "Say hello.")]


def test_plain_reply_text_usage_cost_and_request_shape(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH, method="POST").respond_with_json(chat_response())
    result = model.complete(USER, [], max_tokens=300, temperature=0.2)
    assert result.message.content == "Hello."
    assert result.tool_calls == ()
    assert result.stop_reason == "end_turn"
    assert result.raw_id == "chatcmpl-42"
    assert (result.usage.input_tokens, result.usage.output_tokens) == (1000, 100)
    assert result.cost_usd == pytest.approx(1000 * 2.5e-6 + 100 * 10e-6)
    request, _ = httpserver.log[0]
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    body = sent_bodies(httpserver)[0]
    assert body["model"] == "gpt-4o"
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello."},
    ]
    assert body["max_tokens"] == 300
    assert body["temperature"] == 0.2
    assert "tools" not in body


def test_official_endpoint_sends_max_completion_tokens(httpserver: HTTPServer, runtime):
    client = openai.OpenAI(api_key="k-test", base_url=httpserver.url_for("/v1"), max_retries=0)
    model = OpenAIModel("openai:gpt-4.1", client, runtime)
    httpserver.expect_request(PATH).respond_with_json(chat_response())
    model.complete(USER, [], max_tokens=64)
    body = sent_bodies(httpserver)[0]
    assert body["max_completion_tokens"] == 64
    assert "max_tokens" not in body
    assert body["temperature"] == 0.0


def test_official_reasoning_models_get_no_temperature(httpserver: HTTPServer, runtime):
    client = openai.OpenAI(api_key="k-test", base_url=httpserver.url_for("/v1"), max_retries=0)
    model = OpenAIModel("openai:gpt-5-mini", client, runtime)
    httpserver.expect_request(PATH).respond_with_json(chat_response())
    model.complete(USER, [], temperature=0.3)
    assert "temperature" not in sent_bodies(httpserver)[0]


def test_several_tool_calls_are_parsed_in_order(httpserver: HTTPServer, model):
    calls = [
        fn_call("call_a", "view", '{"path": "a.py"}'),
        fn_call("call_b", "run", '{"cmd": "ls"}'),
    ]
    reply = chat_response(content=None, tool_calls=calls, finish="tool_calls")
    httpserver.expect_request(PATH).respond_with_json(reply)
    result = model.complete(USER, [VIEW, RUN])
    assert result.stop_reason == "tool_use"
    assert result.message.content == ""
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("call_a", "view", {"path": "a.py"}),
        ("call_b", "run", {"cmd": "ls"}),
    ]
    assert sent_bodies(httpserver)[0]["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "view",
                "description": "Show a file.",
                "parameters": VIEW.parameters,
            },
        },
        {
            "type": "function",
            "function": {
                "name": "run",
                "description": "Run a command.",
                "parameters": RUN.parameters,
            },
        },
    ]


def test_tool_results_are_sent_as_tool_messages(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(chat_response("Done."))
    history = [
        *USER,
        Message(
            "assistant",
            "Looking.",
            tool_calls=(
                ToolCall("call_a", "view", {"path": "a.py"}),
                ToolCall("call_b", "run", {"cmd": "ls"}),
            ),
        ),
        Message("tool", "1: x = 1", tool_call_id="call_a", name="view"),
        Message("tool", "a.py", tool_call_id="call_b", name="run"),
    ]
    model.complete(history, [VIEW, RUN])
    sent = sent_bodies(httpserver)[0]["messages"]
    assert sent[2] == {
        "role": "assistant",
        "content": "Looking.",
        "tool_calls": [
            fn_call("call_a", "view", '{"path": "a.py"}'),
            fn_call("call_b", "run", '{"cmd": "ls"}'),
        ],
    }
    assert sent[3:] == [
        {"role": "tool", "tool_call_id": "call_a", "content": "1: x = 1"},
        {"role": "tool", "tool_call_id": "call_b", "content": "a.py"},
    ]


def test_cached_prompt_tokens_are_counted_and_priced(httpserver: HTTPServer, model):
    usage = {
        "prompt_tokens": 10_000,
        "completion_tokens": 500,
        "total_tokens": 10_500,
        "prompt_tokens_details": {"cached_tokens": 8_000},
    }
    httpserver.expect_request(PATH).respond_with_json(chat_response(usage=usage))
    result = model.complete(USER, [])
    assert result.usage.cached_tokens == 8_000
    expected = (2_000 * 2.50 + 8_000 * 1.25 + 500 * 10.00) / 1e6
    assert result.cost_usd == pytest.approx(expected)


def test_429_then_success_honours_retry_after(httpserver: HTTPServer, model, clock: FakeClock):
    httpserver.expect_ordered_request(PATH).respond_with_json(
        error_body("Rate limit reached", "rate_limit_exceeded"),
        status=429,
        headers={"Retry-After": "7"},
    )
    httpserver.expect_ordered_request(PATH).respond_with_json(chat_response("After wait."))
    result = model.complete(USER, [])
    assert result.message.content == "After wait."
    assert clock.sleeps == [7.0]
    assert len(httpserver.log) == 2
    assert result.latency_s == pytest.approx(7.0)


def test_500s_until_the_attempt_bound(httpserver: HTTPServer, model, clock: FakeClock):
    httpserver.expect_request(PATH).respond_with_json({"error": {"message": "boom"}}, status=500)
    with pytest.raises(ProviderUnavailableError, match="HTTP 500"):
        model.complete(USER, [])
    assert len(httpserver.log) == 3
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0


def test_429_gives_up_when_retry_after_exceeds_total_time(httpserver, model, clock):
    httpserver.expect_request(PATH).respond_with_json(
        error_body("slow down"), status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(RateLimitError) as info:
        model.complete(USER, [])
    assert info.value.retry_after == 120
    assert len(httpserver.log) == 1
    assert clock.sleeps == []


def test_401_is_an_authentication_error_without_the_key(httpserver: HTTPServer, model):
    body = error_body(f"Incorrect API key provided: {SECRET_KEY}", "invalid_api_key")
    httpserver.expect_request(PATH).respond_with_json(body, status=401)
    with pytest.raises(AuthenticationError) as info:
        model.complete(USER, [])
    assert SECRET_KEY not in str(info.value)
    assert SECRET_KEY not in repr(info.value)
    assert len(httpserver.log) == 1


def test_key_echoed_in_other_errors_is_redacted(httpserver: HTTPServer, model):
    body = error_body(f"bad request for key {SECRET_KEY}")
    httpserver.expect_request(PATH).respond_with_json(body, status=400)
    with pytest.raises(BadModelRequestError) as info:
        model.complete(USER, [])
    assert str(info.value) == "openai:gpt-4o: request rejected (HTTP 400): bad request for key ***"
    assert SECRET_KEY not in str(info.value)


def test_404_is_model_not_found(httpserver: HTTPServer, model):
    body = error_body("The model `gpt-9` does not exist", "model_not_found")
    httpserver.expect_request(PATH).respond_with_json(body, status=404)
    with pytest.raises(ModelNotFoundError, match="gpt-9"):
        model.complete(USER, [])


@pytest.mark.parametrize(
    "message, code",
    [
        ("This model's maximum context length is 128000 tokens.", "context_length_exceeded"),
        ("the request exceeds the available context size, try increasing it", None),  # llama.cpp
    ],
)
def test_context_overflow_is_its_own_error(httpserver: HTTPServer, model, message, code):
    httpserver.expect_request(PATH).respond_with_json(error_body(message, code), status=400)
    with pytest.raises(ContextOverflowError):
        model.complete(USER, [])
    assert len(httpserver.log) == 1


def test_malformed_tool_arguments_come_back_as_parse_error(httpserver: HTTPServer, model):
    calls = [fn_call("call_x", "view", '{"path": "a.py",'), fn_call("call_y", "run", '["ls"]')]
    httpserver.expect_request(PATH).respond_with_json(
        chat_response(None, tool_calls=calls, finish="tool_calls")
    )
    result = model.complete(USER, [VIEW, RUN])
    bad_json, not_object = result.tool_calls
    assert bad_json.arguments == {} and bad_json.raw_arguments == '{"path": "a.py",'
    assert "not valid JSON" in (bad_json.parse_error or "")
    assert "must be a JSON object" in (not_object.parse_error or "")


def test_malformed_arguments_are_sent_back_verbatim(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(chat_response("ok"))
    bad = ToolCall("call_x", "view", {}, parse_error="not JSON", raw_arguments='{"path":')
    model.complete([*USER, Message("assistant", "", tool_calls=(bad,))], [VIEW])
    sent = sent_bodies(httpserver)[0]["messages"][2]
    assert sent["content"] is None
    assert sent["tool_calls"][0]["function"]["arguments"] == '{"path":'


def test_length_finish_is_surfaced_as_max_tokens(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(chat_response("Trunc", finish="length"))
    assert model.complete(USER, []).stop_reason == "max_tokens"


def test_connection_refused_is_provider_unavailable(config, runtime, clock, transport):
    dead = config.model_copy(update={"base_url": "http://127.0.0.1:9/v1"})
    model = build_model("openai:gpt-4o", dead, runtime=runtime, background=transport == "wire")
    with pytest.raises(ProviderUnavailableError, match="could not connect"):
        model.complete(USER, [])
    assert len(clock.sleeps) == 2


def test_missing_usage_falls_back_to_an_estimate(httpserver: HTTPServer, model):
    reply = chat_response("Hi there.")
    del reply["usage"]
    httpserver.expect_request(PATH).respond_with_json(reply)
    usage = model.complete(USER, []).usage
    assert usage.input_tokens > 0 and usage.output_tokens > 0


def test_request_body_is_valid_json_with_unicode(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_json(chat_response())
    model.complete([Message("user", "héllo ✓")], [])
    assert json.loads(httpserver.log[0][0].get_data())["messages"][0]["content"] == "héllo ✓"


@pytest.mark.parametrize(
    "body, content_type",
    [("<html>LM Studio</html>", "text/html"), ("{not json", "application/json")],
)
def test_a_body_that_is_not_the_api_is_a_bad_response(httpserver, model, body, content_type):
    httpserver.expect_request(PATH).respond_with_data(body, content_type=content_type)
    with pytest.raises(BadResponseError) as info:
        model.complete(USER, [])
    assert "base-url" in info.value.hint
    assert len(httpserver.log) == 1


def test_502_with_an_html_body_is_retried_then_unavailable(httpserver: HTTPServer, model):
    httpserver.expect_request(PATH).respond_with_data("<h1>Bad gateway</h1>", status=502)
    with pytest.raises(ProviderUnavailableError, match="HTTP 502"):
        model.complete(USER, [])
    assert len(httpserver.log) == 3


def test_a_server_slower_than_the_timeout_is_unavailable(config, runtime, transport):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(json.dumps(chat_response()), content_type="application/json")

    # Its own server: the shared one would log the late request during the next test.
    with HTTPServer() as server:
        server.expect_request(PATH).respond_with_handler(slow)
        settings = {"base_url": server.url_for("/v1"), "timeout_s": 0.1}
        slow_config = config.model_copy(update=settings)
        model = build_model(
            "openai:gpt-4o", slow_config, runtime=runtime, background=transport == "wire"
        )
        runtime.retrier.config = RetryConfig(max_attempts=1)
        with pytest.raises(ProviderUnavailableError, match="timed out"):
            model.complete(USER, [])


def test_local_server_quirks_no_id_and_object_arguments(httpserver: HTTPServer, model):
    calls = [{"type": "function", "function": {"name": "view", "arguments": {"path": "a.py"}}}]
    httpserver.expect_request(PATH).respond_with_json(
        chat_response(None, tool_calls=calls, finish="tool_calls")
    )
    earlier = Message("assistant", "", tool_calls=(ToolCall("call_0", "view", {}),))
    history = [*USER, earlier, Message("tool", "x", tool_call_id="call_0")]
    (call,) = model.complete(history, [VIEW]).tool_calls
    assert (call.id, call.name, call.arguments, call.parse_error) == (
        "call_1",
        "view",
        {"path": "a.py"},
        None,
    )


def test_a_missing_key_fails_before_any_background_work():
    config = ModelConfig()
    with pytest.raises(ModelConfigError, match="OPENAI_API_KEY"):
        build_model("openai:gpt-4o", config, background=True)
