import pytest

from devagent.tools.registry import UnknownToolError, build_tools

READ_RUN = ["view", "search", "find_symbol", "repo_map", "run", "run_tests"]


def test_all_tools_include_read_and_run_with_object_schemas() -> None:
    tools = build_tools()
    assert [name for name in tools if name in READ_RUN] == READ_RUN
    for name, tool in tools.items():
        assert tool.name == name
        assert tool.parameters["type"] == "object"
        assert tool.description


def test_selection_keeps_the_requested_order() -> None:
    assert list(build_tools(["run", "view"])) == ["run", "view"]


def test_unknown_tool_names_the_available_ones() -> None:
    with pytest.raises(UnknownToolError, match="unknown tool\\(s\\) teleport; available: view"):
        build_tools(["view", "teleport"])
