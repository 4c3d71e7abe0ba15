"""The model a run is built with takes the endpoint and tool protocol from the settings too.

Seen before: with `DEVAGENT_BASE_URL` pointing at a local server, `solve` and `ci` called the
public OpenAI endpoint with native tool calls (the model was built from the flags only)."""

from __future__ import annotations

import argparse
import json

from pytest_httpserver import HTTPServer

from devagent.commands.solve import build_cli_model
from devagent.config import load_settings
from devagent.llm.types import Message, ToolSpec
from tests.llm.fakes import sent_bodies
from tests.llm.test_llm_openai_model import chat_response

TOOL = ToolSpec(name="view", description="show a file", parameters={"type": "object"})


def _args(**flags: object) -> argparse.Namespace:
    return argparse.Namespace(model="openai:gpt-4o", base_url=None, tool_protocol=None, **flags)


def test_endpoint_and_tool_protocol_come_from_the_settings(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hi"))
    env = {"DEVAGENT_BASE_URL": httpserver.url_for("/v1"), "DEVAGENT_TOOL_PROTOCOL": "text"}
    settings = load_settings({}, None, env)
    model = build_cli_model(_args(), settings.model, settings, env={"OPENAI_API_KEY": "sk-x"})
    model.complete([Message("user", "hello")], [TOOL])
    (body,) = sent_bodies(httpserver)
    assert "tools" not in body  # the text protocol describes tools in the prompt instead
    assert "view" in json.dumps(body["messages"])  # described in the prompt


def test_flags_win_over_the_settings(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(chat_response("hi"))
    settings = load_settings({}, None, {"DEVAGENT_BASE_URL": "http://127.0.0.1:9/v1"})
    args = _args()
    args.base_url, args.tool_protocol = httpserver.url_for("/v1"), "native"
    model = build_cli_model(args, settings.model, settings, env={"OPENAI_API_KEY": "sk-x"})
    model.complete([Message("user", "hello")], [TOOL])
    (body,) = sent_bodies(httpserver)
    assert body["tools"][0]["function"]["name"] == "view"
