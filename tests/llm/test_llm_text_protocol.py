"""The text tool protocol on messy, real-world replies, and wrapped around a real provider."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from devagent.llm import (
    Message,
    ScriptedModel,
    TextToolModel,
    ToolCall,
    ToolSpec,
    build_model,
)
from devagent.llm.text_protocol import parse_tool_calls, render_tools, to_text_messages
from tests.llm.fakes import sent_bodies

VIEW = ToolSpec(
    "view", "Show a file.", {"type": "object", "properties": {"path": {"type": "string"}}}
)


def test_call_with_prose_around_it():
    reply = (
        "I'll look at the file first.\n\n```tool\n"
        '{"name": "view", "arguments": {"path": "src/app.py"}}\n```\n\nThen I will fix it.'
    )
    prose, calls = parse_tool_calls(reply)
    assert [(c.id, c.name, c.arguments, c.parse_error) for c in calls] == [
        ("text-0", "view", {"path": "src/app.py"}, None)
    ]
    assert prose == "I'll look at the file first.\n\n\n\nThen I will fix it."


def test_two_blocks_are_two_calls_in_order():
    reply = (
        '```tool\n{"name": "view", "arguments": {"path": "a.py"}}\n```\nand\n'
        '```tool\n{"name": "run", "arguments": {"command": "pytest -q"}}\n```'
    )
    _, calls = parse_tool_calls(reply, first_id=5)
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("text-5", "view", {"path": "a.py"}),
        ("text-6", "run", {"command": "pytest -q"}),
    ]


def test_broken_json_is_a_parse_error_not_an_exception():
    reply = 'Here:\n```tool\n{"name": "view", "arguments": {"path": "a.py"}\n```'
    _, (call,) = parse_tool_calls(reply)
    assert call.name == "view"
    assert call.arguments == {}
    assert "not valid JSON" in (call.parse_error or "")
    assert "```tool" in (call.parse_error or "")


def test_unclosed_block_is_a_parse_error():
    _, (call,) = parse_tool_calls('```tool\n{"name": "view", "arguments": {"path": "a.p')
    assert "not closed" in (call.parse_error or "")


def test_json_tagged_block_with_a_name_counts_but_plain_code_does_not():
    reply = (
        "```python\nprint('hi')\n```\n"
        '```json\n{"tool": "view", "args": {"path": "b.py"}}\n```\n'
        '```json\n{"unrelated": true}\n```\n'
        '```json\n{"name": "my-package", "version": "1.0.0"}\n```'
    )
    _, calls = parse_tool_calls(reply)
    assert [(c.name, c.arguments) for c in calls] == [("view", {"path": "b.py"})]


def test_arguments_given_as_a_json_string_are_decoded():
    _, (call,) = parse_tool_calls(
        '```tool\n{"name": "view", "arguments": "{\\"path\\": \\"c\\"}"}\n```'
    )
    assert call.arguments == {"path": "c"}


def test_trailing_text_inside_the_block_is_tolerated():
    _, (call,) = parse_tool_calls('```tool\n{"name": "view", "arguments": {}} // look\n```')
    assert (call.name, call.parse_error) == ("view", None)


def test_missing_name_and_non_object_arguments_are_parse_errors():
    _, (no_name, bad_args) = parse_tool_calls(
        '```tool\n{"arguments": {}}\n```\n```tool\n{"name": "view", "arguments": [1]}\n```'
    )
    assert 'no "name"' in (no_name.parse_error or "")
    assert "must be a JSON object" in (bad_args.parse_error or "")


def test_reply_without_blocks_is_an_answer():
    prose, calls = parse_tool_calls("The bug is fixed; all tests pass.")
    assert (prose, calls) == ("The bug is fixed; all tests pass.", ())


def test_history_is_rendered_without_native_tool_fields():
    history = [
        Message("system", "Be careful."),
        Message("assistant", "Looking.", tool_calls=(ToolCall("text-0", "view", {"path": "a"}),)),
        Message("tool", "1: x", tool_call_id="text-0", name="view"),
        Message("tool", "no such file", tool_call_id="text-1", name="view", is_error=True),
    ]
    system, assistant, result, failure = to_text_messages(history, [VIEW])
    assert system.content.startswith("Be careful.\n\n# Tools")
    assert "## view\nShow a file." in system.content
    assert assistant == Message(
        "assistant", 'Looking.\n\n```tool\n{"name": "view", "arguments": {"path": "a"}}\n```'
    )
    assert result == Message("user", "Result of tool call text-0 (view):\n1: x")
    assert failure.content == "Error from tool call text-1 (view):\nno such file"


def test_render_tools_shows_the_format_and_schema():
    text = render_tools([VIEW])
    assert '```tool\n{"name": "TOOL_NAME", "arguments": {"ARG": "VALUE"}}\n```' in text
    assert '"properties": {"path": {"type": "string"}}' in text


def test_wrapper_parses_calls_and_numbers_ids_after_earlier_ones():
    inner = ScriptedModel.from_replies(
        ['Next:\n```tool\n{"name": "view", "arguments": {"path": "b"}}\n```']
    )
    earlier = Message("assistant", "", tool_calls=(ToolCall("text-0", "view", {"path": "a"}),))
    history = [Message("user", "go"), earlier, Message("tool", "ok", tool_call_id="text-0")]
    result = TextToolModel(inner).complete(history, [VIEW])
    assert result.stop_reason == "tool_use"
    assert result.message.content == "Next:"
    assert [(c.id, c.arguments) for c in result.tool_calls] == [("text-1", {"path": "b"})]
    sent = inner.requests[0]
    assert sent[0].role == "system" and "## view" in sent[0].content
    assert all(not m.tool_calls and m.role != "tool" for m in sent)


def test_text_protocol_over_openai_compatible_server(httpserver: HTTPServer, config, runtime):
    reply = '```tool\n{"name": "view", "arguments": {"path": "a.py"}}\n```'
    httpserver.expect_request("/v1/chat/completions").respond_with_json(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "qwen2.5-coder:1.5b",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": reply},
                }
            ],
            "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
        }
    )
    text_config = config.model_copy(update={"tool_protocol": "text"})
    model = build_model("openai:qwen2.5-coder:1.5b", text_config, runtime=runtime)
    result = model.complete([Message("user", "read a.py")], [VIEW])
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("view", {"path": "a.py"})]
    assert result.usage.input_tokens == 50
    body = sent_bodies(httpserver)[0]
    assert "tools" not in body
    assert body["messages"][0]["role"] == "system"
    assert "## view" in body["messages"][0]["content"]


def test_one_line_block_and_a_language_word_before_the_json():
    reply = '```tool {"name": "view", "arguments": {"path": "a"}}```\n```tool_call json\n' + (
        '{"name": "run", "arguments": {"command": "ls"}}\n```'
    )
    _, calls = parse_tool_calls(reply)
    assert [(c.name, c.arguments, c.parse_error) for c in calls] == [
        ("view", {"path": "a"}, None),
        ("run", {"command": "ls"}, None),
    ]


def test_hermes_style_tool_call_tags():
    reply = 'Sure.\n<tool_call>\n{"name": "view", "arguments": {"path": "x.py"}}\n</tool_call>'
    prose, (call,) = parse_tool_calls(reply)
    assert (prose, call.name, call.arguments) == ("Sure.", "view", {"path": "x.py"})
    _, (cut,) = parse_tool_calls('<tool_call>{"name": "view", "argum')
    assert "not closed" in (cut.parse_error or "")
