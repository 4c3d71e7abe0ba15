"""Shared pieces of the chat tests: a tiny repo, scripted replies, a fake person."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.redact import Redactor
from devagent.agent.trajectory import Trajectory
from devagent.chat.approval import Decision
from devagent.chat.session import ChatSession
from devagent.config import ChatConfig
from devagent.llm.scripted import ScriptedModel
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation
from devagent.tools.registry import build_tools
from devagent.workspace import Workspace
from sandbox.local import LocalSandbox
from tests.support import git

BUGGY = "def add(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n"
TESTS = (
    "import unittest\n\nfrom calc import add\n\n\n"
    "class AddTest(unittest.TestCase):\n"
    "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n"
)
SECRET = "sk-test-0123456789abcdef"
TEST_CMD = "python3 -B -m unittest -q"
FIX_CALL = {"name": "replace", "arguments": {"path": "calc.py", "old": "a - b", "new": "a + b"}}


def tiny_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "calc.py").write_text(BUGGY)
    (root / "test_calc.py").write_text(TESTS)
    (root / ".gitignore").write_text("__pycache__/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def reply(content: str = "", *calls: dict[str, Any]) -> dict[str, Any]:
    return {"content": content, "tool_calls": list(calls)}


@dataclass
class FakePerson:
    """A `ChatUI` that answers approvals from a list and remembers what it was shown."""

    answers: list[Decision] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    asked_commands: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    tools: list[tuple[str, bool]] = field(default_factory=list)

    def show_assistant(self, text: str) -> None:
        self.said.append(text)

    def tool_started(self, call: ToolCall) -> None:
        self.started.append(call.name)

    def show_tool(self, call: ToolCall, observation: Observation) -> None:
        self.tools.append((call.name, observation.ok))

    def approve_edit(self, call: ToolCall, diff: str) -> Decision:
        self.diffs.append(diff)
        return self.answers.pop(0)

    def approve_command(self, call: ToolCall, concern: str) -> Decision:
        self.asked_commands.append(str(call.arguments.get("command")))
        return self.answers.pop(0)


def local_session(
    tmp_path: Path, replies: list[dict[str, Any]], path: Path | None = None, **config: Any
) -> tuple[ChatSession, Workspace, list[dict[str, Any]]]:
    """A session over a real workspace of the tiny repo, commands run on the host; its
    trajectory in memory, or also in the file `path`."""
    repo = tiny_repo(tmp_path / "repo")
    workspace = Workspace.create(repo, tmp_path / "ws")
    trajectory = Trajectory(path, Redactor([SECRET]))
    session = ChatSession(
        ScriptedModel.from_replies(replies), build_tools(), LocalSandbox(workspace.tree),
        Budget(BudgetConfig(max_steps=None)), workspace, trajectory=trajectory,
        config=ChatConfig(test_command=TEST_CMD, **config),
    )  # fmt: skip
    return session, workspace, trajectory.records
