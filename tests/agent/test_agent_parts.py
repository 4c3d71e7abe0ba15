"""The loop's parts on plain values: budget, context, checks, prompts, serialization, redaction."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.checks import CheckResult, failing_ids, score
from devagent.agent.context import Context, ContextConfig
from devagent.agent.errors import BudgetExhausted
from devagent.agent.prompts import PROMPTS_DIR, render
from devagent.agent.redact import MASK, Redactor, secret_values_from_env
from devagent.agent.text import normalize_for_compare, trim
from devagent.agent.trajectory import Trajectory
from devagent.llm.types import Completion, Message, ToolCall, Usage
from tests.llm.fakes import FakeClock


def test_budget_raises_with_the_kind_that_ran_out() -> None:
    budget = Budget(BudgetConfig(max_steps=None, max_tokens=100, max_usd=1.0))
    budget.record(Usage(input_tokens=60, output_tokens=40), 0.5)
    with pytest.raises(BudgetExhausted) as info:
        budget.check()
    assert (info.value.kind, info.value.used, info.value.limit) == ("tokens", 100, 100)


def test_time_budget_follows_the_clock() -> None:
    clock = FakeClock()
    budget = Budget(BudgetConfig(max_steps=None, max_time_s=30), clock=clock)
    budget.check()
    clock.now += 31
    with pytest.raises(BudgetExhausted, match="time budget exhausted"):
        budget.check()


def test_near_end_fires_once() -> None:
    budget = Budget(BudgetConfig(max_steps=10, wrap_up_at=0.5))
    seen = []
    for _ in range(8):
        budget.record(Usage(), 0.0)
        seen.append(budget.near_end())
    assert seen == [False, False, False, False, True, False, False, False]


def test_carved_budget_is_a_share_of_what_remains_and_charges_the_parent() -> None:
    clock = FakeClock()
    parent = Budget(BudgetConfig(max_steps=21, max_tokens=1000, max_time_s=100), clock=clock)
    parent.record(Usage(input_tokens=200), 0.0)
    child = parent.carve(0.5)
    limits = child.config
    assert (limits.max_steps, limits.max_tokens, limits.max_time_s) == (10, 400, 50)
    child.record(Usage(output_tokens=50), 0.25)
    assert (parent.steps, parent.tokens, parent.usd) == (2, 250, 0.25)
    assert parent.snapshot()["tokens"] == {"used": 250, "limit": 1000}


def test_trim_keeps_head_and_tail_and_marks_the_cut() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    out = trim(text, 100)
    assert out.startswith("line 0\n") and out.endswith("line 999\n")
    assert f"[... {len(text) - 100} characters trimmed ...]" in out
    assert trim("short", 100) == "short"


def _turn(context: Context, i: int, size: int = 10) -> None:
    call = ToolCall(f"c{i}", "run", {"command": f"echo {i}"})
    context.add_assistant(Message("assistant", f"turn {i}", tool_calls=(call,)))
    context.add_observation(call, f"obs {i} " + "x" * size)


def test_old_observations_are_elided_beyond_the_window() -> None:
    context = Context("sys", "issue", ContextConfig(observation_window=2))
    for i in range(4):
        _turn(context, i, size=500)
    tools = [m for m in context.messages() if m.role == "tool"]
    assert [m.content.startswith("[older observation elided") for m in tools] == [
        True,
        True,
        False,
        False,
    ]
    assert tools[0].tool_call_id == "c0"
    assert context.messages()[1].cache is True


def test_long_observation_is_trimmed_in_the_context() -> None:
    context = Context("sys", "issue", ContextConfig(observation_limit=300))
    _turn(context, 0, size=5000)
    assert "characters trimmed" in context.history[-1].content
    assert len(context.history[-1].content) < 400


def test_compaction_summarizes_older_turns_at_a_turn_boundary() -> None:
    context = Context("sys", "issue", ContextConfig(keep_recent_turns=2))
    for i in range(5):
        _turn(context, i)
    seen: list[list[Message]] = []

    def summarize(messages: list[Message]) -> str:
        seen.append(messages)
        return "did turns 0-2"

    assert context.compact(summarize) == 3
    assert len(seen[0]) == 6 and seen[0][0].content == "turn 0"
    assert context.history[0].role == "user" and "did turns 0-2" in context.history[0].content
    assert context.history[1].content == "turn 3"
    assert context.compact(summarize) == 0


def test_near_limit_uses_the_estimate() -> None:
    context = Context("s", "i", ContextConfig(context_limit_tokens=1000, summarize_at=0.5))
    assert not context.near_limit()
    _turn(context, 0, size=2400)
    assert context.near_limit()


PYTEST_OUT = """\
FAILED tests/test_a.py::test_one - AssertionError: boom
ERROR tests/test_b.py::test_two - ImportError
tests/test_c.py::test_three FAILED
"""


def test_failing_ids_from_common_runners() -> None:
    assert failing_ids(PYTEST_OUT) == (
        "tests/test_a.py::test_one",
        "tests/test_b.py::test_two",
        "tests/test_c.py::test_three",
    )
    assert failing_ids("FAIL: test_x (pkg.tests.T)\n") == ("test_x (pkg.tests.T)",)
    assert failing_ids("--- FAIL: TestParse (0.00s)\n") == ("TestParse",)
    assert failing_ids("test parse::works ... FAILED\n") == ("parse::works",)
    assert failing_ids("all good\n") == ()


def test_score_prefers_more_passing_then_fewer_failures() -> None:
    def result(passed: bool, ids: tuple[str, ...] = ()) -> CheckResult:
        return CheckResult("c", passed, 0 if passed else 1, "", ids)

    assert score([result(True), result(False, ("a",))]) > score([result(False, ("a", "b"))] * 2)
    assert score([result(False, ("a",))]) > score([result(False, ("a", "b"))])


TEMPLATES = sorted(p.name for p in PROMPTS_DIR.glob("*.j2") if "{{" in p.read_text())


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_prompt_fails_on_a_missing_variable(template: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render(template)


def test_check_feedback_names_failing_tests() -> None:
    failed = [CheckResult("pytest -q", False, 1, "E   assert 1 == 2", ("t.py::test_x",))]
    text = render("check_feedback.j2", results=failed, failed=failed)
    assert "- t.py::test_x" in text and "E   assert 1 == 2" in text and "exit 1" in text


def test_completion_round_trips_through_a_dict() -> None:
    call = ToolCall("c1", "run", {"command": "ls"}, raw_arguments='{"command":"ls"}')
    completion = Completion(
        Message("assistant", "hi", tool_calls=(call,)),
        usage=Usage(3, 4, 1, 2),
        cost_usd=0.5,
        stop_reason="tool_use",
        latency_s=1.5,
        raw_id="r",
        model="m",
    )
    data = completion.to_dict()
    assert data["message"]["tool_calls"][0]["arguments"] == {"command": "ls"}
    assert Completion.from_dict(data) == completion


def test_redactor_masks_secret_values_everywhere() -> None:
    env = {"OPENAI_API_KEY": "sk-abcdef123456", "GH_TOKEN": "ghp_zzzzzz", "HOME": "/root", "X": "1"}
    secrets = secret_values_from_env(env)
    assert sorted(secrets) == ["ghp_zzzzzz", "sk-abcdef123456"]
    redactor = Redactor([*secrets, "abc"])
    value = {"a": ["key sk-abcdef123456!", {"ghp_zzzzzz": 1}], "b": 2, "c": "abc"}
    assert redactor.value(value) == {"a": [f"key {MASK}!", {MASK: 1}], "b": 2, "c": "abc"}


def test_normalize_masks_durations_and_addresses() -> None:
    a = normalize_for_compare("1 passed in 0.02s at 0x7f0a1b2c3d4e")
    assert a == normalize_for_compare("1 passed in 1.73s at 0x7f99aa00bb11")


def test_package_exports_exactly_its_public_names() -> None:
    import devagent.agent as agent

    public = {name for name in vars(agent) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(agent, name)).__name__ == "module"}
    assert set(agent.__all__) == public - modules
    assert all(getattr(agent, name) is not None for name in agent.__all__)


def test_trajectory_redacts_inside_values_it_has_to_stringify(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with Trajectory(path, Redactor(["hunter2hunter2"])) as trajectory:
        trajectory.write({"type": "note", "data": Path("/home/hunter2hunter2/x")})
    assert "hunter2hunter2" not in path.read_text() and MASK in path.read_text()


def test_failing_ids_from_text_keep_parameters_with_spaces() -> None:
    out = (
        "FAILED tests/t.py::test_p[a b] - AssertionError: x - y\n"
        "ERROR tests/t.py::TestK::test_q[1 - 2]\n"
        "tests/t.py::test_r[c d] FAILED                   [ 50%]\n"
    )
    assert failing_ids(out) == (
        "tests/t.py::test_p[a b]",
        "tests/t.py::TestK::test_q[1 - 2]",
        "tests/t.py::test_r[c d]",
    )
