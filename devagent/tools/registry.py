"""Which tools exist: `build_tools` returns them by their stable names."""

from __future__ import annotations

from devagent.errors import DevagentError
from devagent.tools.base import Tool
from devagent.tools.edit import EDIT_TOOLS
from devagent.tools.findsymbol import FIND_SYMBOL
from devagent.tools.repomap import REPO_MAP
from devagent.tools.run import RUN, RUN_TESTS
from devagent.tools.search import SEARCH
from devagent.tools.view import VIEW

ALL_TOOLS: tuple[Tool, ...] = (VIEW, SEARCH, FIND_SYMBOL, REPO_MAP, *EDIT_TOOLS, RUN, RUN_TESTS)
"""Every tool, in the order of the design's tool table (read, edit, run)."""


class UnknownToolError(DevagentError):
    """A configuration asked for a tool that does not exist."""


def all_tools() -> dict[str, Tool]:
    """Every tool by name, in the order of the design's tool table."""
    return {tool.name: tool for tool in ALL_TOOLS}


def build_tools(names: list[str] | None = None) -> dict[str, Tool]:
    """The tools called `names` (all available tools when None), in the order asked."""
    available = all_tools()
    if names is None:
        return available
    unknown = [name for name in names if name not in available]
    if unknown:
        error = UnknownToolError(
            f"unknown tool(s) {', '.join(unknown)}; available: {', '.join(available)}"
        )
        error.hint = "check the `tools` list in devagent.toml"
        raise error
    return {name: available[name] for name in names}
