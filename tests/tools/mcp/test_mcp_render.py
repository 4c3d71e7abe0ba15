"""How MCP tools and their results read to the model."""

from __future__ import annotations

from devagent.tools.mcp.render import (
    clip,
    description,
    name_problem,
    object_schema,
    result_text,
    tool_name,
)


def test_tool_names_join_server_and_tool() -> None:
    assert tool_name("calc", "add") == "mcp__calc__add"
    assert name_problem("calc", "add") is None
    assert "characters" in str(name_problem("calc", "a.b"))
    assert "longer than 64" in str(name_problem("calc", "x" * 60))


def test_descriptions_say_the_server_and_are_bounded() -> None:
    assert description("calc", "Add\n  two.") == "[MCP server calc] Add two."
    assert len(description("calc", "y" * 5000)) < 1100


def test_a_schema_that_is_not_an_object_schema_becomes_any_object() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    assert object_schema(schema) == schema
    assert object_schema({"type": "string"}) == {"type": "object"}


def test_result_text_joins_blocks_and_describes_what_it_does_not_show() -> None:
    result = {
        "content": [
            {"type": "text", "text": "5"},
            {"type": "image", "data": "AAAA", "mimeType": "image/png"},
            {"type": "resource", "resource": {"uri": "file:///a", "text": "body"}},
        ]
    }
    assert result_text(result) == "5\n[image: image/png, 3 bytes, not shown]\nbody"
    assert result_text({"content": [], "structuredContent": {"n": 1}}) == '{"n": 1}'
    assert result_text({}) == "(no content)"


def test_a_huge_result_is_clipped_to_the_cap_with_a_note() -> None:
    text = clip("h" * 100 + "x" * 1_000_000 + "t" * 100, limit=12_000)
    assert len(text) == 12_000
    assert text.startswith("h" * 100) and text.endswith("t" * 100)
    assert "1,000,200 chars in all, the middle cut: the tool output cap is 12,000" in text
