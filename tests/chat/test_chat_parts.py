"""The pure parts of chat: answers, command concerns, edit previews, input, history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devagent.agent.redact import Redactor
from devagent.chat.approval import NO, YES, Decision, command_concern, parse_answer
from devagent.chat.changes import (
    candidate_paths,
    changed_sections,
    give_to_tree_owner,
    read_contents,
    unified_diff,
)
from devagent.chat.repl import read_message
from devagent.chat.store import (
    SessionState,
    SessionStore,
    SessionStoreError,
    new_session_id,
)
from devagent.llm.types import Message, ToolCall


@pytest.mark.parametrize(
    ("answer", "decision"),
    [("y", YES), ("YES ", YES), ("n", NO), ("no", NO), ("e", Decision("edit")), ("maybe", None)],
)
def test_parse_answer(answer: str, decision: Decision | None) -> None:
    assert parse_answer(answer) == decision


@pytest.mark.parametrize(
    "command",
    ["pip install requests", "python -m pip install -e .", "npm install", "curl -sO x",
     "git fetch origin", "apt-get update", "cd x && wget y"],
)  # fmt: skip
def test_network_commands_are_flagged(command: str) -> None:
    assert "network" in (command_concern(command, None, 120) or "")


@pytest.mark.parametrize("command", ["pytest -q", "pip list", "git diff", "ls curly/"])
def test_local_commands_are_not_flagged(command: str) -> None:
    assert command_concern(command, None, 120) is None


def test_long_timeout_is_flagged() -> None:
    assert command_concern("make", 900, 120) == "it asks for a 900s timeout, above the 120s limit"
    assert command_concern("make", 60, 120) is None


def test_candidate_paths_of_each_edit_tool() -> None:
    patch = "--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    assert candidate_paths(ToolCall("1", "apply_patch", {"patch": patch})) == ["src/x.py"]
    assert candidate_paths(ToolCall("2", "replace", {"path": "/workspace/a.py"})) == ["a.py"]
    assert candidate_paths(ToolCall("3", "apply_patch", {"patch": "nonsense"})) == []


def test_unified_diff_of_a_change_a_creation_and_a_deletion() -> None:
    diff = unified_diff({"a": "1\n", "new": None, "gone": "x\n"}, {"a": "2\n", "new": "n\n"})
    assert "--- a/a\n+++ b/a\n@@ -1 +1 @@\n-1\n+2\n" in diff
    assert "--- /dev/null\n+++ b/new\n" in diff
    assert "--- a/gone\n+++ /dev/null\n" in diff


def test_read_contents_refuses_paths_outside_the_tree(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "secret").write_text("s")
    (tmp_path / "tree" / "f").write_text("f")
    assert read_contents(tmp_path / "tree", ["f", "../secret", "missing"]) == {
        "f": "f",
        "../secret": None,
        "missing": None,
    }


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["hello"], "hello"),
        (["first \\", "second"], "first \nsecond"),
        (['"""', "a", "", "b", '"""'], "a\n\nb"),
    ],
)
def test_read_message_multi_line(lines: list[str], message: str) -> None:
    feed = iter(lines)
    assert read_message(lambda _prompt: next(feed)) == message


def test_store_round_trip_and_trajectory_carry_over(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    state = SessionState(id=new_session_id(), repo="/r", base="abc", model="scripted:x")
    state.patch, state.undo_points = "diff", ["", "p1"]
    state.messages = [Message("user", "fix add").to_dict()]
    store.save(state)
    assert store.load(state.id) == state
    with store.open_trajectory(state.id, Redactor()) as trajectory:
        trajectory.write({"type": "user", "text": "one"})
    with store.open_trajectory(state.id, Redactor()) as trajectory:
        trajectory.write({"type": "user", "text": "two"})
        assert [r["text"] for r in trajectory.records] == ["one", "two"]
    assert store.ids() == [state.id]


def test_store_refuses_unknown_and_malformed_ids(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with pytest.raises(SessionStoreError, match="not a chat session id"):
        store.load("../../etc")
    with pytest.raises(SessionStoreError, match="no saved chat session"):
        store.load("20260101-000000-abcdef")


@pytest.mark.skipif(os.geteuid() != 0, reason="changing file owners needs root")
def test_written_files_go_back_to_the_tree_owner(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "new" / "dir").mkdir(parents=True)
    (tree / "new" / "dir" / "f.py").write_text("x")
    (tree / "outside").symlink_to(tmp_path)
    os.chown(tree, 1000, 1000)
    give_to_tree_owner(tree, ["new/dir/f.py", "outside"])
    owners = {p: (tree / p).lstat().st_uid for p in ("new", "new/dir", "new/dir/f.py", "outside")}
    assert owners == {"new": 1000, "new/dir": 1000, "new/dir/f.py": 1000, "outside": 1000}
    assert tmp_path.stat().st_uid == 0


def test_package_exports_exactly_its_public_names() -> None:
    import devagent.chat as chat

    public = {name for name in vars(chat) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(chat, name)).__name__ == "module"}
    assert set(chat.__all__) == public - modules


def test_changed_sections_names_only_the_files_that_moved() -> None:
    a = "diff --git a/x b/x\n-1\n+2\n"
    b = "diff --git a/y b/y\n-y\n+z\n"
    b2 = "diff --git a/y b/y\n-y\n+w\n"
    assert changed_sections(a + b, a + b2) == b2
    assert changed_sections(a, a + b) == b
    assert changed_sections(a + b, b) == "diff --git a/x b/x\n(back to its original content)\n"
    assert changed_sections(a, a) == ""
