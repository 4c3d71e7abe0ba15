"""ScriptedModel and ReplayModel: files, expectations, ids, usage, exhaustion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devagent.llm import (
    Completion,
    Message,
    ModelConfig,
    ReplayModel,
    ScriptedModel,
    ScriptError,
    ToolCall,
    ToolSpec,
    Usage,
    build_model,
)

VIEW = ToolSpec("view", "Show a file.", {"type": "object"})
ASK = [Message("system", "sys"), Message("user", "Fix the failing test in calc.py")]

YAML_SCRIPT = """\
- content: Let me look.
  tool_calls:
    - name: view
      arguments: {path: calc.py}
    - name: run
      arguments: {command: pytest -q}
  expect:
    last_message_contains: failing test
    tools_include: [view]
- content: Done.
  usage: {input_tokens: 1234, output_tokens: 5, cached_tokens: 1000}
"""


def test_yaml_script_replies_in_order_with_deterministic_ids(tmp_path: Path):
    path = tmp_path / "script.yaml"
    path.write_text(YAML_SCRIPT)
    model = build_model(f"scripted:{path}", ModelConfig())
    first = model.complete(ASK, [VIEW])
    assert first.message.content == "Let me look."
    assert [(c.id, c.name, c.arguments) for c in first.tool_calls] == [
        ("call-0-0", "view", {"path": "calc.py"}),
        ("call-0-1", "run", {"command": "pytest -q"}),
    ]
    assert first.stop_reason == "tool_use"
    assert first.cost_usd == 0.0
    second = model.complete([*ASK, Message("tool", "ok", tool_call_id="call-0-0")], [VIEW])
    assert second.message.content == "Done."
    assert second.stop_reason == "end_turn"
    assert second.usage == Usage(input_tokens=1234, output_tokens=5, cached_tokens=1000)


def test_json_script_is_read_too(tmp_path: Path):
    path = tmp_path / "script.json"
    path.write_text(json.dumps([{"content": "hi"}]))
    assert ScriptedModel.from_file(path).complete(ASK, []).message.content == "hi"


def test_usage_is_estimated_when_not_scripted():
    usage = ScriptedModel.from_replies(["A short answer."]).complete(ASK, []).usage
    assert usage.input_tokens > 10
    assert 0 < usage.output_tokens < usage.input_tokens


def test_unmet_expectations_raise_with_what_was_sent():
    model = ScriptedModel.from_replies(
        [{"content": "x", "expect": {"last_message_contains": "zz"}}]
    )
    with pytest.raises(ScriptError, match="expected the last message to contain 'zz'"):
        model.complete(ASK, [])
    tools = ScriptedModel.from_replies([{"content": "x", "expect": {"tools_include": ["edit"]}}])
    with pytest.raises(ScriptError, match=r"\['edit'\]"):
        tools.complete(ASK, [VIEW])


def test_exhausted_script_raises():
    model = ScriptedModel.from_replies(["only one"])
    model.complete(ASK, [])
    with pytest.raises(ScriptError, match="all 1 scripted replies are used"):
        model.complete(ASK, [])


def test_string_arguments_script_malformed_json():
    model = ScriptedModel.from_replies([{"tool_calls": [{"name": "view", "arguments": "{oops"}]}])
    (call,) = model.complete(ASK, [VIEW]).tool_calls
    assert call.arguments == {} and "not valid JSON" in (call.parse_error or "")


def test_invalid_script_entry_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("- contnet: typo\n")
    with pytest.raises(ScriptError, match="reply 0 is invalid"):
        ScriptedModel.from_file(path)


def test_requests_are_recorded_for_inspection():
    model = ScriptedModel.from_replies(["a"])
    model.complete(ASK, [])
    assert model.requests == [ASK]


def _recorded(content: str, calls: tuple[ToolCall, ...] = ()) -> Completion:
    return Completion(
        message=Message("assistant", content, tool_calls=calls),
        usage=Usage(input_tokens=900, output_tokens=40, cached_tokens=800),
        cost_usd=0.0123,
        stop_reason="tool_use" if calls else "end_turn",
        latency_s=2.5,
        raw_id="msg_9",
        model="anthropic:claude-sonnet-4-6",
    )


def test_replay_returns_recorded_completions_at_zero_cost(tmp_path: Path):
    call = ToolCall("toolu_1", "view", {"path": "a.py"})
    lines = [
        {"type": "run_start", "task": "t1"},
        {"type": "completion", "completion": _recorded("Looking.", (call,)).to_dict()},
        {"type": "observation", "text": "1: x"},
        {"type": "completion", "completion": _recorded("Done.").to_dict()},
    ]
    path = tmp_path / "trajectory.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    model = build_model(f"replay:{path}", ModelConfig())
    first = model.complete(ASK, [VIEW])
    assert first.tool_calls == (call,)
    assert first.usage == Usage(input_tokens=900, output_tokens=40, cached_tokens=800)
    assert first.cost_usd == 0.0
    assert first.stop_reason == "tool_use"
    assert model.complete(ASK, [VIEW]).message.content == "Done."
    with pytest.raises(ScriptError, match="2 recorded"):
        model.complete(ASK, [VIEW])


def test_replay_rejects_a_broken_line(tmp_path: Path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"type": "completion"}\n')
    with pytest.raises(ScriptError, match=r"t\.jsonl:1"):
        ReplayModel.from_file(path)


def test_completion_round_trips_through_json():
    bad = ToolCall("c1", "view", {}, parse_error="not JSON", raw_arguments="{x")
    original = _recorded("text", (ToolCall("c0", "run", {"command": "ls"}), bad))
    assert Completion.from_dict(json.loads(json.dumps(original.to_dict()))) == original
    message = Message("tool", "out", tool_call_id="c0", name="run", cache=True, is_error=True)
    assert Message.from_dict(message.to_dict()) == message
