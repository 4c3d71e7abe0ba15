"""What the model is sent of a long chat."""

from __future__ import annotations

from devagent.chat.context import visible_history
from devagent.llm.types import Message, ToolCall


def _turn(n: int, size: int) -> list[Message]:
    call = ToolCall(f"c{n}", "view", {"path": "f"})
    return [
        Message("user", f"question {n}"),
        Message("assistant", "", tool_calls=(call,)),
        Message("tool", "x" * size, tool_call_id=f"c{n}", name="view"),
        Message("assistant", f"answer {n}"),
    ]


def test_short_history_is_sent_as_is() -> None:
    messages = _turn(1, 50) + _turn(2, 50)
    assert visible_history(messages) == messages


def test_old_long_tool_results_are_elided() -> None:
    messages = _turn(1, 5000) + _turn(2, 5000)
    shown = visible_history(messages, window=1)
    assert shown[2].content.startswith("[older tool result elided (5000 characters)")
    assert (shown[2].tool_call_id, shown[6].content) == ("c1", "x" * 5000)


def test_oldest_whole_turns_are_left_out_beyond_the_limit() -> None:
    messages = _turn(1, 4000) + _turn(2, 4000) + _turn(3, 4000)
    shown = visible_history(messages, window=3, limit_tokens=1500)
    assert shown[0].content == "[2 earlier turn(s) of this conversation left out for space]"
    assert [m.content for m in shown[2:] if m.role == "user"] == ["question 3"]
    assert shown[-1].content == "answer 3"


def test_the_last_turn_is_always_kept() -> None:
    messages = _turn(1, 40_000)
    assert visible_history(messages, window=1, limit_tokens=1000) == messages
