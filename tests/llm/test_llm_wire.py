"""Requests sent over the wire while a provider's SDK imports: the same request as the SDK's,
then the SDK once its client is made. (Every other model test runs through both transports:
the `transport` fixture.)"""

from __future__ import annotations

import json
import threading

import anthropic
import openai
import pytest
from pytest_httpserver import HTTPServer

from devagent.llm import (
    AnthropicModel,
    Message,
    ModelConfig,
    ModelRuntime,
    OpenAIModel,
    build_model,
)
from devagent.llm.anthropic_model import messages_endpoint
from devagent.llm.openai_model import chat_endpoint
from devagent.llm.sdkclient import SdkClient
from devagent.llm.wire import Reply, Wire
from tests.llm.fakes import SECRET_KEY
from tests.llm.test_llm_anthropic_model import messages_response
from tests.llm.test_llm_openai_model import chat_response

CHAT = "/v1/chat/completions"
MESSAGES = "/v1/messages"
USER = [Message("system", "You are terse."), Message("user", "Say hello.", cache=True)]
SAME = ("authorization", "content-type", "accept", "anthropic-version")
"""The headers whose values the wire must send as the SDK does."""


def _sdk_free_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS",
                 "ANTHROPIC_CUSTOM_HEADERS", "ANTHROPIC_AUTH_TOKEN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


class Gate:
    """An SDK client maker that waits until the test opens it."""

    def __init__(self, make) -> None:
        self.open = threading.Event()
        self._make = make

    def __call__(self):
        self.open.wait(30)
        return self._make()


def _sent(httpserver: HTTPServer) -> list[tuple[dict[str, str], dict]]:
    return [
        ({k.lower(): v for k, v in request.headers.items()}, json.loads(request.get_data()))
        for request, _ in httpserver.log
    ]


PROVIDERS = [
    ("openai:gpt-4o", CHAT, chat_response()),
    ("anthropic:claude-sonnet-4-6", MESSAGES, messages_response()),
]


@pytest.mark.parametrize("provider", PROVIDERS, ids=["openai", "anthropic"])
def test_the_wire_sends_the_request_the_sdk_sends(
    httpserver: HTTPServer, config, runtime, monkeypatch, provider
):
    spec, path, reply = provider
    _sdk_free_env(monkeypatch)
    httpserver.expect_request(path, method="POST").respond_with_json(reply)
    by_sdk = build_model(spec, config, runtime=runtime)
    by_sdk.complete(USER, [], max_tokens=50)
    monkeypatch.setattr(SdkClient, "start", lambda self: None)  # still importing, all along
    over_wire = build_model(spec, config, runtime=runtime, background=True)
    over_wire.complete(USER, [], max_tokens=50)

    (sdk_headers, sdk_body), (wire_headers, wire_body) = _sent(httpserver)
    assert [r.path for r, _ in httpserver.log] == [path, path]
    assert wire_body == sdk_body
    assert {k: wire_headers.get(k) for k in SAME} == {k: sdk_headers.get(k) for k in SAME}
    assert wire_headers["user-agent"].startswith("devagent/")  # it said who sent it


def test_requests_go_over_the_wire_until_the_client_is_made_then_through_the_sdk(
    httpserver: HTTPServer, config: ModelConfig, runtime: ModelRuntime
):
    httpserver.expect_request(CHAT).respond_with_json(chat_response("Hi."))
    base = httpserver.url_for("/v1")
    gate = Gate(lambda: openai.OpenAI(api_key=SECRET_KEY, base_url=base, max_retries=0))
    clients = SdkClient(gate)
    wire = Wire(chat_endpoint(base, SECRET_KEY, 5))
    model = OpenAIModel("openai:gpt-4o", clients, runtime, legacy_max_tokens=True, wire=wire)

    first = model.complete(USER, [])  # the client is being made: the SDK never imported it
    gate.open.set()
    made = clients.wait()
    second = model.complete(USER, [])

    assert (first.message.content, second.message.content) == ("Hi.", "Hi.")
    assert first.usage == second.usage and first.raw_id == second.raw_id
    agents = [headers["user-agent"] for headers, _ in _sent(httpserver)]
    assert agents[0].startswith("devagent/")
    assert agents[1].startswith("OpenAI/Python")
    assert model.client is made


def test_what_making_the_client_raised_comes_back_at_the_next_request(
    httpserver: HTTPServer, runtime: ModelRuntime
):
    httpserver.expect_request(MESSAGES).respond_with_json(messages_response())

    def broken() -> anthropic.Anthropic:
        raise ImportError("no module named anthropic")

    gate = Gate(broken)
    clients = SdkClient(gate)
    wire = Wire(messages_endpoint(httpserver.url_for(""), SECRET_KEY, 5))
    model = AnthropicModel("anthropic:claude-sonnet-4-6", clients, runtime, wire=wire)

    assert model.complete(USER, []).message.content  # over the wire
    gate.open.set()
    with pytest.raises(ImportError, match="no module named anthropic"):
        clients.wait()
    with pytest.raises(ImportError, match="no module named anthropic"):
        model.complete(USER, [])
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("provider, setting", [
    (PROVIDERS[0], ("OPENAI_ORG_ID", "org-7", "openai-organization")),
    (PROVIDERS[1], ("ANTHROPIC_CUSTOM_HEADERS", "X-Team: blue", "x-team")),
], ids=["openai", "anthropic"])  # fmt: skip
def test_an_sdk_the_environment_configures_sends_even_the_first_request(
    httpserver: HTTPServer, config, runtime, monkeypatch, provider, setting
):
    """The wire knows the request of an SDK configured by devagent alone; with a variable the
    SDK reads for itself, the run waits for the SDK rather than send something else."""
    spec, path, reply = provider
    variable, value, header = setting
    _sdk_free_env(monkeypatch)
    monkeypatch.setenv(variable, value)
    httpserver.expect_request(path).respond_with_json(reply)
    model = build_model(spec, config, runtime=runtime, background=True)
    model.complete(USER, [])
    ((headers, _),) = _sent(httpserver)
    assert headers[header] == value.split(": ")[-1]


def test_the_endpoint_never_shows_its_key():
    endpoint = chat_endpoint("https://api.openai.com/v1", SECRET_KEY, 30)
    assert endpoint.url == "https://api.openai.com/v1/chat/completions"
    assert SECRET_KEY not in repr(endpoint) and SECRET_KEY not in str(endpoint)


def test_a_reply_reads_like_the_sdks_response():
    reply = Reply({"choices": [{"message": {"content": "x", "tool_calls": [
        {"id": "c1", "function": {"name": "view", "arguments": {"path": "a.py"}}}]}}]})  # fmt: skip
    call = reply.choices[0].message.tool_calls[0]
    assert (call.id, call.function.name) == ("c1", "view")
    assert json.loads(json.dumps(call.function.arguments)) == {"path": "a.py"}
    assert reply.usage is None and reply.choices[0].finish_reason is None
    with pytest.raises(AttributeError):
        reply.__length_hint__  # noqa: B018 (dunder lookups are not fields)
