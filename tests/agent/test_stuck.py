"""The loop watch on its own: each pattern, its threshold, the ladder, and healthy runs."""

from __future__ import annotations

from collections.abc import Iterable

from devagent.agent.steprecords import NO_CALL, may_change_files, step_record
from devagent.agent.stuck import (
    Action,
    Detection,
    StepRecord,
    StuckConfig,
    StuckDetector,
    digest,
    report_section,
)
from devagent.llm.types import ToolCall
from devagent.tools.base import Observation
from tests.agent.fakes import fake_tools

BASE = digest("")


def act(name: str, args: str = "{}", outcome: str = "ok", **kw: bool) -> Action:
    return Action(name, args, outcome, **kw)


def view(path: str, text: str = "") -> Action:
    return act("view", f'{{"path": "{path}"}}', text or f"contents of {path}")


def feed(detector: StuckDetector, steps: Iterable[StepRecord]) -> list[Detection | None]:
    return [detector.feed(step) for step in steps]


def steps(*actions: Action, patch: str | None = None) -> list[StepRecord]:
    return [StepRecord((a,), patch) for a in actions]


def test_the_same_call_with_the_same_result_is_a_repeat_at_the_threshold() -> None:
    found = feed(StuckDetector(), steps(*[act("run", '{"command": "ls"}', "a b")] * 3))
    assert found[:2] == [None, None]
    assert found[2] is not None
    assert (found[2].pattern, found[2].count, found[2].response) == ("repeat", 3, "nudge")
    assert '`run` {"command": "ls"} 3 times' in found[2].detail


def test_the_same_call_with_a_new_result_is_no_repeat() -> None:
    actions = [act("run", '{"command": "ls"}', f"listing {i}") for i in range(5)]
    assert feed(StuckDetector(), steps(*actions)) == [None] * 5


def test_thresholds_come_from_the_config() -> None:
    detector = StuckDetector(StuckConfig(repeat=5))
    found = feed(detector, steps(*[act("run")] * 5))
    assert found[:4] == [None] * 4
    assert found[4] is not None and found[4].count == 5


def test_two_calls_alternating_with_the_same_results() -> None:
    a, b = view("a.py"), view("b.py")
    found = feed(StuckDetector(), steps(a, b, a, b, a, b))
    assert found[:5] == [None] * 5
    assert found[5] is not None and found[5].pattern == "alternation"
    assert "alternating between `view`" in found[5].detail


def test_the_same_error_from_different_calls_with_other_calls_between() -> None:
    error = "$ pytest {}\nE   ImportError: cannot import name 'add'\n[exit code 1; <duration>]"
    actions = []
    for i in range(4):
        actions += [view(f"f{i}.py"), act("run_tests", str(i), error.format(i), ok=False)]
    found = feed(StuckDetector(), steps(*actions))
    assert found[:7] == [None] * 7
    assert found[7] is not None and found[7].pattern == "same_error"
    assert "ImportError: cannot import name 'add'" in found[7].detail


def test_different_errors_are_not_the_same_error() -> None:
    actions = [act("run", str(i), f"error {i}", ok=False) for i in range(6)]
    assert feed(StuckDetector(), steps(*actions)) == [None] * 6


def test_malformed_calls_in_a_row_and_a_good_call_resets_them() -> None:
    bad = [act("edit", str(i), f"bad {i}", ok=False, malformed=True) for i in range(5)]
    found = feed(StuckDetector(), steps(bad[0], bad[1], view("x"), bad[2], bad[3], bad[4]))
    assert found[:5] == [None] * 5
    assert found[5] is not None and (found[5].pattern, found[5].count) == ("malformed", 3)


def test_edits_undone_back_to_an_earlier_state() -> None:
    detector = StuckDetector(StuckConfig(undone_edits=2), start_patch=BASE)
    states = ["p1", BASE, "p2", "p3", "p2"]
    found = [
        detector.feed(StepRecord((act("edit", str(i), f"edited {i}"),), s))
        for i, s in enumerate(states)
    ]
    assert found[:4] == [None] * 4
    assert found[4] is not None and (found[4].pattern, found[4].count) == ("undone_edits", 2)


def test_many_steps_without_a_file_change_or_a_new_test_result() -> None:
    detector = StuckDetector(StuckConfig(no_progress_steps=5))
    found = feed(detector, steps(*[view(f"f{i}.py") for i in range(5)], patch=BASE))
    assert found[:4] == [None] * 4
    assert found[4] is not None and found[4].pattern == "no_progress"
    assert found[4].detail == "5 steps without a file change or a new test result"


def test_new_test_results_and_file_changes_are_progress() -> None:
    detector = StuckDetector(StuckConfig(no_progress_steps=3), start_patch=BASE)
    records = []
    for i in range(8):
        records += steps(view(f"f{i}.py"), patch=None if i % 2 else f"p{i}")
        records += steps(act("run_tests", "{}", f"{i} failed", ok=False, test_result=True))
    assert feed(detector, records) == [None] * 16


def test_the_ladder_nudges_then_restarts_then_stops_and_each_needs_a_new_pattern() -> None:
    detector = StuckDetector()
    found = feed(detector, steps(*[act("run")] * 9))
    responses = [(i, f.response) for i, f in enumerate(found) if f is not None]
    assert responses == [(2, "nudge"), (5, "fresh_context"), (8, "stop")]
    assert [d.number for d in detector.detections] == [1, 2, 3]


def test_the_last_rung_repeats() -> None:
    detector = StuckDetector(StuckConfig(ladder=("nudge",)))
    found = feed(detector, steps(*[act("run")] * 9))
    assert [f.response for f in found if f is not None] == ["nudge"] * 3


def test_disabled_watch_sees_nothing() -> None:
    detector = StuckDetector(StuckConfig(enabled=False))
    assert feed(detector, steps(*[act("run")] * 10)) == [None] * 10


def test_a_healthy_solve_is_not_flagged() -> None:
    detector = StuckDetector(start_patch=BASE)
    records = [
        *steps(act("repo_map"), view("calc.py"), act("search", '"add"', "calc.py:1")),
        *steps(view("test_calc.py"), act("plan", "[1]", "plan updated")),
        *steps(act("replace", "1", "replaced 1 line"), patch="p1"),
        *steps(act("run_tests", "{}", "1 failed: E assert 6 == 5", ok=False, test_result=True)),
        *steps(view("calc.py", "contents v2")),
        *steps(act("replace", "2", "replaced 1 line"), patch="p2"),
        *steps(act("run_tests", "{}", "2 passed", test_result=True)),
        *steps(act("submit", "{}", "checks passed", test_result=True)),
    ]
    assert feed(detector, records) == [None] * len(records)
    assert detector.detections == []


def test_viewing_the_same_file_between_edits_is_not_a_repeat() -> None:
    detector = StuckDetector(start_patch=BASE)
    records = []
    for i in range(6):
        records += steps(view("calc.py", f"contents v{i}"))
        records += steps(act("replace", str(i), "replaced 1 line"), patch=f"p{i}")
    assert feed(detector, records) == [None] * 12


def test_report_section_lists_the_detections() -> None:
    detector = StuckDetector()
    feed(detector, steps(*[act("run", "{}")] * 3))
    lines = report_section([d.to_dict() for d in detector.detections])
    assert lines[0] == "## Loop checks"
    assert lines[2].startswith("1. repeat: `run` {} 3 times") and lines[2].endswith("-> nudge")
    assert report_section([]) == []


def test_step_records_from_the_loops_calls() -> None:
    tools = fake_tools()
    run = ToolCall("1", "run", {"command": "pytest", "timeout": 5})
    bad_args = ToolCall("2", "run", {"cmd": "ls"})
    unknown = ToolCall("3", "rnu", {"command": "ls"})
    garbled = ToolCall("4", "run", {}, parse_error="invalid JSON", raw_arguments="{")
    seen = [(c, Observation.failure("took 1.5s")) for c in (run, bad_args, unknown, garbled)]
    record = step_record(seen, tools, "p1")
    assert [a.malformed for a in record.actions] == [False, True, True, True]
    assert record.actions[0].arguments == '{"command": "pytest", "timeout": 5}'
    assert record.actions[0].outcome == "took <duration>"
    assert record.patch == "p1"
    assert step_record([], tools, None) == StepRecord((NO_CALL,), None)
    assert may_change_files(seen)
    view = ToolCall("5", "view", {"path": "x"})
    assert not may_change_files([(view, Observation("x"))])


def test_a_start_known_after_the_detector_was_made_counts_like_one_given_at_once() -> None:
    late = StuckDetector(StuckConfig(undone_edits=2))
    late.start_at(BASE)
    late.start_at("ignored: the start is given once")
    states = ["p1", BASE, "p2", "p3", "p2"]
    found = [
        late.feed(StepRecord((act("edit", str(i), f"edited {i}"),), s))
        for i, s in enumerate(states)
    ]
    assert found[:4] == [None] * 4
    assert found[4] is not None and (found[4].pattern, found[4].count) == ("undone_edits", 2)
