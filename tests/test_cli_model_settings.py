"""The model a run is built with takes the endpoint and tool protocol from the settings too.

Seen before: with `DEVAGENT_BASE_URL` pointing at a local server, `solve` and `ci` called the
public OpenAI endpoint with native tool calls (the model was built from the flags only)."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer

from devagent.assembly import model_named, run_model
from devagent.config import load_settings
from devagent.llm.types import Message, ToolSpec
from tests.llm.fakes import sent_bodies
from tests.llm.test_llm_openai_model import chat_response

TOOL = ToolSpec(name="view", description="show a file", parameters={"type": "object"})


ENV = {"OPENAI_API_KEY": "sk-x"}


def test_endpoint_and_tool_protocol_come_from_the_settings(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hi"))
    env = {"DEVAGENT_BASE_URL": httpserver.url_for("/v1"), "DEVAGENT_TOOL_PROTOCOL": "text"}
    settings = load_settings({}, None, env)
    model = run_model(settings, model="openai:gpt-4o", env=ENV)
    model.complete([Message("user", "hello")], [TOOL])
    (body,) = sent_bodies(httpserver)
    assert "tools" not in body  # the text protocol describes tools in the prompt instead
    assert "view" in json.dumps(body["messages"])  # described in the prompt


def test_flags_win_over_the_settings(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hi"))
    settings = load_settings({}, None, {"DEVAGENT_BASE_URL": "http://127.0.0.1:9/v1"})
    flags = {"base_url": httpserver.url_for("/v1"), "tool_protocol": "native"}
    model = run_model(settings, model="openai:gpt-4o", env=ENV, **flags)
    model.complete([Message("user", "hello")], [TOOL])
    (body,) = sent_bodies(httpserver)
    assert body["tools"][0]["function"]["name"] == "view"


def test_a_model_switched_to_by_name_keeps_the_settings_endpoint_and_protocol(
    httpserver: HTTPServer,
) -> None:
    """Chat builds its models (the first and any `/model NAME`) with `model_named`: it used to
    pass the endpoint but not the tool protocol."""
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hi"))
    env = {"DEVAGENT_BASE_URL": httpserver.url_for("/v1"), "DEVAGENT_TOOL_PROTOCOL": "text"}
    settings = load_settings({}, None, env)
    model = model_named("openai:qwen", settings, env=ENV)
    model.complete([Message("user", "hello")], [TOOL])
    (body,) = sent_bodies(httpserver)
    assert "tools" not in body
    assert body["model"] == "qwen"
