"""The turn loop without a terminal: approvals, rejections, redirects, undo, command checks."""

from __future__ import annotations

from pathlib import Path

from devagent.agent.replay import load_recording
from devagent.chat.approval import NO, YES, Decision
from devagent.chat.commands import CommandEnv, run_command
from devagent.chat.replay import replay_session
from devagent.chat.turn import INTERRUPTED, REJECTED_EDIT
from devagent.llm.types import Message
from devagent.tools.registry import build_tools
from sandbox.local import LocalSandbox
from tests.chat.helpers import (
    BUGGY,
    FIX_CALL,
    FIXED,
    SECRET,
    TEST_CMD,
    FakePerson,
    local_session,
    reply,
)


def test_approved_edit_lands_and_shows_its_diff(tmp_path: Path) -> None:
    session, ws, _ = local_session(tmp_path, [reply("fixing", FIX_CALL), reply("Fixed `add`.")])
    person = FakePerson(answers=[YES])
    result = session.turn("add is wrong", person)
    assert result.status == "answered"
    assert (ws.tree / "calc.py").read_text() == FIXED
    assert "-    return a - b\n+    return a + b" in person.diffs[0]
    assert person.said == ["fixing", "Fixed `add`."]
    assert result.usage.output_tokens > 0


def test_rejected_edit_leaves_the_workspace_and_tells_the_model(tmp_path: Path) -> None:
    session, ws, _ = local_session(tmp_path, [reply("", FIX_CALL), reply("OK, what then?")])
    session.turn("add is wrong", FakePerson(answers=[NO]))
    assert (ws.tree / "calc.py").read_text() == BUGGY
    assert ws.diff() == ""
    tool_message = session.messages[2]
    assert (tool_message.role, tool_message.content) == ("tool", REJECTED_EDIT)
    assert tool_message.is_error


def test_edit_answer_replaces_the_rest_of_the_turn(tmp_path: Path) -> None:
    create = {"name": "create", "arguments": {"path": "notes.md", "content": "x\n"}}
    replies = [reply("", FIX_CALL, create), reply("Will do.")]
    session, ws, _ = local_session(tmp_path, replies)
    result = session.turn("fix", FakePerson(answers=[Decision("edit", "only add a docstring")]))
    assert (result.status, result.instruction) == ("redirected", "only add a docstring")
    assert ws.diff() == ""
    assert [m.role for m in session.messages] == ["user", "assistant", "tool", "tool"]


def test_undo_reverts_approved_changes_one_at_a_time(tmp_path: Path) -> None:
    create = {"name": "create", "arguments": {"path": "notes.md", "content": "x\n"}}
    replies = [reply("", FIX_CALL), reply("", create), reply("done")]
    session, ws, _ = local_session(tmp_path, replies, auto=True)
    session.turn("fix and note", FakePerson())
    assert ws.changed_files() == ["calc.py", "notes.md"]
    assert session.undo()
    assert ws.changed_files() == ["calc.py"]
    assert session.undo()
    assert ws.changed_files() == []
    assert not session.undo()


def test_network_command_asks_first_and_is_not_run_when_declined(tmp_path: Path) -> None:
    call = {"name": "run", "arguments": {"command": "pip install requests > installed.txt"}}
    session, ws, _ = local_session(tmp_path, [reply("", call), reply("skipped")])
    person = FakePerson(answers=[NO])
    session.turn("install requests", person)
    assert person.asked_commands == ["pip install requests > installed.txt"]
    assert not (ws.tree / "installed.txt").exists()


def test_plain_command_runs_without_asking_and_its_changes_are_approved(tmp_path: Path) -> None:
    call = {"name": "run", "arguments": {"command": "echo hello > out.txt"}}
    session, ws, _ = local_session(tmp_path, [reply("", call), reply("ran")])
    person = FakePerson(answers=[YES])
    session.turn("say hello", person)
    assert person.asked_commands == []
    assert "+++ b/out.txt\n@@ -0,0 +1 @@\n+hello" in person.diffs[0]
    assert (ws.tree / "out.txt").read_text() == "hello\n"
    assert session.undo()
    assert not (ws.tree / "out.txt").exists()


def test_rejected_command_changes_are_put_back(tmp_path: Path) -> None:
    call = {"name": "run", "arguments": {"command": "sed -i s/-/+/ calc.py && rm test_calc.py"}}
    session, ws, _ = local_session(tmp_path, [reply("", call), reply("ok")])
    person = FakePerson(answers=[NO])
    session.turn("fix it with sed", person)
    assert "+    return a + b" in person.diffs[0]
    assert "diff --git a/test_calc.py b/test_calc.py\ndeleted file mode" in person.diffs[0]
    assert ws.diff() == ""
    assert session.messages[2].content == REJECTED_EDIT


def test_interrupt_during_approval_reverts_and_closes_the_calls(tmp_path: Path) -> None:
    session, ws, records = local_session(tmp_path, [reply("", FIX_CALL)])

    class CtrlC(FakePerson):
        def approve_edit(self, call, diff):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    result = session.turn("fix", CtrlC())
    assert result.status == "interrupted"
    assert ws.diff() == ""
    assert session.messages[-1].role == "tool"
    assert "Interrupted" in session.messages[-1].content
    assert (records[-1]["type"], records[-1]["text"]) == ("note", "turn interrupted by the person")


def test_a_chat_trajectory_loads_as_a_solve_recording(tmp_path: Path) -> None:
    path = tmp_path / "trajectory.jsonl"
    replies = [reply("fixing", FIX_CALL), reply("Fixed `add`.")]
    session, _, _ = local_session(tmp_path, replies, path=path)
    session.turn("add is wrong", FakePerson(answers=[YES]))
    recording = load_recording(path)
    assert recording.task.test_command == TEST_CMD
    assert [c.message.content for c in recording.completions] == ["fixing", "Fixed `add`."]
    assert [(o["name"], o["ok"]) for o in recording.observations] == [("replace", True)]
    assert "Replaced 1 occurrence" in recording.observations[0]["text"]


def test_a_recorded_chat_replays_to_the_same_observations(tmp_path: Path) -> None:
    path = tmp_path / "trajectory.jsonl"
    create = {"name": "create", "arguments": {"path": "notes.md", "content": "x\n"}}
    replies = [reply("", FIX_CALL), reply("", create), reply("fixed; no notes"),
               reply("", FIX_CALL), reply("fixed again")]  # fmt: skip
    session, ws, _ = local_session(tmp_path / "a", replies, path=path)
    env = CommandEnv(session, tmp_path / "a" / "repo", "20260101-000000-abcdef", ws.base,
                     build_model=lambda spec: session.model)  # fmt: skip
    session.turn("fix add", FakePerson(answers=[YES, NO]))
    run_command("/run echo '# more' >> calc.py", env)
    run_command("/undo", env)
    session.turn("fix it again", FakePerson(answers=[YES]))

    _, fresh, _ = local_session(tmp_path / "b", [])
    report = replay_session(path, build_tools(), LocalSandbox(fresh.tree), fresh)
    assert (report.reproduced, report.compared) == (True, 3)
    assert (report.result.status, report.result.patch) == ("answered", ws.diff())


def test_a_model_failure_ends_the_turn_not_the_session(tmp_path: Path) -> None:
    session, _, _ = local_session(tmp_path, [reply("one")])
    session.turn("first", FakePerson())
    result = session.turn("second", FakePerson())  # the script has no reply left
    assert result.status == "failed"
    assert "ScriptError" in result.reason
    assert [m.role for m in session.messages] == ["user", "assistant", "user", "assistant"]


def test_a_resumed_history_is_sent_to_the_model(tmp_path: Path) -> None:
    session, _, _ = local_session(tmp_path, [reply("We fixed add.")])
    session.messages = [Message("user", "fix add"), Message("assistant", "Fixed.")]
    session.turn("what did we do?", FakePerson())
    sent = session.model.requests[0]  # type: ignore[attr-defined]
    assert [(m.role, m.content) for m in sent[1:]] == [
        ("user", "fix add"),
        ("assistant", "Fixed."),
        ("user", "what did we do?"),
    ]
    assert sent[0].role == "system"


class _StuckSandbox(LocalSandbox):
    def exec(self, command, **kwargs):  # type: ignore[no-untyped-def, override]
        raise KeyboardInterrupt  # Ctrl-C while the command runs


def test_interrupted_command_gets_a_fresh_sandbox(tmp_path: Path) -> None:
    call = {"name": "run", "arguments": {"command": "sleep 30"}}
    session, ws, _ = local_session(tmp_path, [reply("", call)])
    fresh = LocalSandbox(ws.tree)
    session.ctx.sandbox = _StuckSandbox(ws.tree)
    session.restart_sandbox = lambda: fresh
    result = session.turn("run it", FakePerson())
    assert result.status == "interrupted"
    assert session.ctx.sandbox is fresh
    assert [m.role for m in session.messages] == ["user", "assistant", "tool"]


def test_ctrl_c_during_a_command_ends_the_turn_and_puts_its_changes_back(tmp_path: Path) -> None:
    call = {"name": "run", "arguments": {"command": "echo half > out.txt && sleep 30"}}
    create = {"name": "create", "arguments": {"path": "notes.md", "content": "x\n"}}
    session, ws, _ = local_session(tmp_path, [reply("", call, create)])

    class CtrlCMidCommand(LocalSandbox):
        def exec(self, command, **kwargs):  # type: ignore[no-untyped-def, override]
            session.io.stop.set()  # what the SIGINT handler does while a command runs
            return super().exec("echo half > out.txt", **kwargs)  # a watcher stopped it

    sandbox = session.ctx.sandbox = CtrlCMidCommand(ws.tree)
    person = FakePerson()
    result = session.turn("run it", person)
    assert result.status == "interrupted"
    assert (person.diffs, ws.diff()) == ([], "")  # not asked; nothing it wrote stays
    assert session.ctx.sandbox is sandbox  # the same sandbox goes on
    assert [m.content.split("\n")[0] for m in session.messages[2:]] == [
        INTERRUPTED,
        "Not run: the run was stopped.",
    ]


def test_secrets_in_tool_output_never_reach_the_model(tmp_path: Path) -> None:
    call = {"name": "run", "arguments": {"command": f"echo key={SECRET}"}}
    session, _, records = local_session(tmp_path, [reply("", call), reply("done")])
    session.turn("show the key", FakePerson())
    sent = "\n".join(m.content for m in session.model.requests[1])  # type: ignore[attr-defined]
    assert "key=[REDACTED]" in sent
    assert SECRET not in sent
    assert SECRET not in str(records)


def test_a_chat_has_no_loop_watch(tmp_path: Path) -> None:
    view = {"name": "view", "arguments": {"path": "calc.py"}}
    replies = [reply("", view)] * 6 + [reply("It subtracts.")]
    session, _, records = local_session(tmp_path, replies)
    result = session.turn("what does add do?", FakePerson())
    assert result.status == "answered"
    assert [r for r in records if r["type"] == "stuck"] == []
    assert all("Loop check" not in m.content for m in session.messages)
