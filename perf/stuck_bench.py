"""The loop watch on scripted runs: looping runs must be detected, nudged and stopped; healthy
runs must not be flagged (false positives: zero).

Each run is the real agent loop on a tiny git repo (LocalSandbox) driven by a scripted model
that plays a fixed opening and then cycles through a few turns for ever (a summary request
gets a plain text answer). Prints one row per run: the loop checks (pattern@step->response),
the run's status and steps, the version of calc.py its patch keeps (a run that made a partial
fix, submitted it, broke it and then looped must keep "half"), and whether it matched what was
expected.

    python perf/stuck_bench.py [--max-steps 60]
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devagent.agent.budget import Budget, BudgetConfig  # noqa: E402
from devagent.agent.forkpatch import sandbox_diff  # noqa: E402
from devagent.agent.loop import Agent  # noqa: E402
from devagent.agent.seams import AgentIO  # noqa: E402
from devagent.agent.task import RunResult, Task  # noqa: E402
from devagent.agent.trajectory import Trajectory, read_trajectory  # noqa: E402
from devagent.llm.types import Completion, Message, ToolCall, Usage  # noqa: E402
from sandbox.local import LocalSandbox  # noqa: E402
from tests.agent.fakes import (  # noqa: E402
    BROKEN_CALC,
    BUGGY_CALC,
    CHECK,
    FIXED_CALC,
    fake_tools,
    reset_to,
    tiny_repo,
)

Turn = Callable[[int], ToolCall]
"""Builds the n-th call of the run (n counts every call, for unique ids and varying args)."""
HALF_CALC = BUGGY_CALC.replace("b\n", "b  # half\n", 1)
PY = shlex.quote(sys.executable)


def run(command: str) -> Turn:
    return lambda n: ToolCall(f"c{n}", "run", {"command": command})


def write(content: str) -> Turn:
    return lambda n: ToolCall(f"c{n}", "write_file", {"path": "calc.py", "content": content})


def submit(n: int) -> ToolCall:
    return ToolCall(f"c{n}", "submit", {"summary": "done"})


def garbled(n: int) -> ToolCall:
    raw = '{"path": "calc.py", "content": "def add(a, b' + "x" * (n % 7)
    return ToolCall(f"c{n}", "write_file", {}, parse_error="invalid JSON", raw_arguments=raw)


def failing_import(n: int) -> ToolCall:
    """A different command each time that fails with the same error."""
    return ToolCall(f"c{n}", "run", {"command": f"{PY} -B -c 'import calc; calc.mul({n})'"})


class CyclingModel:
    """Plays `opening`, then `cycle` for ever; a summary request gets a short text."""

    name = "bench:cycling"

    def __init__(self, opening: Sequence[Turn], cycle: Sequence[Turn]) -> None:
        self.turns = itertools.chain(opening, itertools.cycle(cycle) if cycle else ())
        self.calls = itertools.count()

    def complete(self, messages: list[Message], tools: Any, **_: Any) -> Completion:
        usage = Usage(input_tokens=100, output_tokens=10)
        if not tools:
            return Completion(Message("assistant", "Tried the same thing; it failed."), usage)
        turn = next(self.turns, submit)
        return Completion(Message("assistant", "", tool_calls=(turn(next(self.calls)),)), usage)


@dataclass(frozen=True)
class Scenario:
    name: str
    looping: bool
    opening: Sequence[Turn]
    cycle: Sequence[Turn]


READS = [
    run(c)
    for c in ("ls", "cat calc.py", "grep -n def calc.py", "git log --oneline", "wc -l calc.py")
]
SCENARIOS = [
    Scenario("repeat", True, [run("cat calc.py")], [run("cat calc.py")]),
    Scenario("A/B alternation", True, [], [run("cat calc.py"), run("cat test_calc.py")]),
    Scenario("same error", True, [], [failing_import]),
    Scenario("malformed calls", True, [], [garbled]),
    Scenario("undone edits", True, [], [write(HALF_CALC), write(BUGGY_CALC)]),
    Scenario("no progress", True, [], READS),
    Scenario("same failing submit", True, [write(BROKEN_CALC)], [submit]),
    Scenario(
        "loop after a partial fix",
        True,
        [write(HALF_CALC), submit, write(BROKEN_CALC)],
        [run("cat calc.py")],
    ),
    Scenario("healthy: direct fix", False, [run("cat calc.py"), write(FIXED_CALC), submit], []),
    Scenario(
        "healthy: explore, retry, fix",
        False,
        [
            *READS,
            run("cat test_calc.py"),
            run(f"{PY} -B -c 'import calc; print(calc.add(2, 3))'"),
            write(BROKEN_CALC),
            run(f"{PY} -B -c 'import calc; print(calc.add(2, 3))'"),
            submit,
            run("cat calc.py"),
            write(HALF_CALC),
            run("cat calc.py"),
            write(FIXED_CALC),
            run(f"{PY} -B -c 'import calc; print(calc.add(2, 3))'"),
            submit,
        ],
        [],
    ),
    Scenario(
        "healthy: long exploration",
        False,
        [*READS, *[run(f"sed -n {i},{i + 2}p calc.py") for i in range(1, 9)], write(FIXED_CALC)],
        [],
    ),
]


def play(scenario: Scenario, tmp: Path, max_steps: int) -> RunResult:
    repo = tiny_repo(tmp / "repo")
    sandbox = LocalSandbox(repo)
    io = AgentIO(
        workspace=repo,
        patch_fn=partial(sandbox_diff, sandbox),
        restore_fn=partial(reset_to, repo),
        trajectory=Trajectory(tmp / "out" / "trajectory.jsonl"),
    )
    model = CyclingModel(scenario.opening, scenario.cycle)
    budget = Budget(BudgetConfig(max_steps=max_steps))
    agent = Agent(model, fake_tools(), sandbox, budget, io=io)
    return agent.run(Task(issue="`add` subtracts instead of adding.", checks=(CHECK,)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-steps", type=int, default=60)
    args = parser.parse_args()
    header = (
        f"{'run':28s} {'loop checks (pattern@step->response)':76s} {'status':7s} steps patch  ok"
    )
    print(header)
    print("-" * len(header))
    wrong = 0
    for scenario in SCENARIOS:
        with tempfile.TemporaryDirectory(prefix="stuck-bench-") as tmp:
            result = play(scenario, Path(tmp), args.max_steps)
            steps = [s["step"] for s in _stuck_records(result)]
        checks = ", ".join(
            f"{d['pattern']}@{step}->{d['response']}"
            for d, step in zip(result.stuck, steps, strict=True)
        )
        responses = [d["response"] for d in result.stuck]
        if scenario.looping:
            ok = responses == ["nudge", "fresh_context", "stop"] and result.status == "stuck"
        else:
            ok = not responses and result.status != "stuck"
        wrong += not ok
        print(
            f"{scenario.name:28s} {checks or '-':76s} {result.status:7s} {result.steps:5d} "
            f"{_kept(result.patch):6s} {'yes' if ok else 'NO'}"
        )
    looping = sum(s.looping for s in SCENARIOS)
    print(
        f"\n{looping} looping runs, {len(SCENARIOS) - looping} healthy runs; "
        f"{wrong} not as expected"
    )
    return 1 if wrong else 0


def _kept(patch: str) -> str:
    """Which version of calc.py the run's patch holds (by its new `add` line)."""
    for label, text in (("half", HALF_CALC), ("broken", BROKEN_CALC), ("fixed", FIXED_CALC)):
        if f"+{text.splitlines()[1]}\n" in patch:
            return label
    return "none" if not patch.strip() else "other"


def _stuck_records(result: RunResult) -> list[dict[str, Any]]:
    assert result.trajectory_path is not None
    return [r for r in read_trajectory(result.trajectory_path) if r["type"] == "stuck"]


if __name__ == "__main__":
    sys.exit(main())
