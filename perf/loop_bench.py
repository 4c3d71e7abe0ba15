"""Harness overhead per step of the agent loop, beside the sandbox's own exec time.

A scripted model (no latency) drives 50 `run` steps on a tiny git repo, then submits. For each
step: the wall time between two model calls, minus the model's own time, minus the time the
sandbox spent executing the command = the harness overhead (context building, dispatch, budget,
redaction, trajectory writing with a flush per record). Target: p50 under 10 ms.

    python perf/loop_bench.py [--steps 50] [--sandbox local|docker] [--image IMG]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devagent.agent.budget import Budget, BudgetConfig  # noqa: E402
from devagent.agent.config import AgentConfig  # noqa: E402
from devagent.agent.forkpatch import sandbox_diff  # noqa: E402
from devagent.agent.loop import Agent  # noqa: E402
from devagent.agent.redact import Redactor  # noqa: E402
from devagent.agent.seams import AgentIO  # noqa: E402
from devagent.agent.stuck import StuckConfig  # noqa: E402
from devagent.agent.task import Task  # noqa: E402
from devagent.agent.trajectory import Trajectory  # noqa: E402
from devagent.llm.types import Completion, Message, ToolCall, Usage  # noqa: E402
from sandbox.local import LocalSandbox  # noqa: E402
from tests.agent.fakes import fake_tools, tiny_repo  # noqa: E402

COMMANDS = ("ls -la", "cat calc.py", "grep -n def calc.py test_calc.py", "git status --short")


class TimedModel:
    """Scripted `run` steps then `submit`; records when each call started and how long it took."""

    name = "bench:scripted"

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.calls: list[tuple[float, float]] = []

    def complete(self, messages: list[Message], tools: Any, **_: Any) -> Completion:
        started = time.perf_counter()
        n = len(self.calls)
        if n < self.steps:
            call = ToolCall(f"c{n}", "run", {"command": COMMANDS[n % len(COMMANDS)]})
        else:
            call = ToolCall(f"c{n}", "submit", {"summary": "done"})
        reply = Completion(
            Message("assistant", f"step {n}: looking around", tool_calls=(call,)),
            usage=Usage(input_tokens=2000 + 50 * n, output_tokens=40),
        )
        self.calls.append((started, time.perf_counter() - started))
        return reply


class TimedSandbox:
    """Forwards to a sandbox and records how long each `exec` took, as seen from the host."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.execs: list[tuple[float, float]] = []

    def exec(self, command: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = self.inner.exec(command, **kwargs)
        self.execs.append((started, time.perf_counter() - started))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def open_sandbox(kind: str, repo: Path, image: str) -> Any:
    if kind == "local":
        return LocalSandbox(repo)
    from sandbox.docker import DockerSandbox, SandboxConfig  # the lead's backend

    return DockerSandbox(SandboxConfig(image=image, workspace=repo)).start()


def per_step(model: TimedModel, sandbox: TimedSandbox) -> tuple[list[float], list[float]]:
    """(overhead, exec time) per step, in ms."""
    overheads, execs = [], []
    for (start, model_s), (nxt, _) in zip(model.calls, model.calls[1:], strict=False):
        exec_s = sum(d for t, d in sandbox.execs if start <= t < nxt)
        execs.append(exec_s * 1000)
        overheads.append((nxt - start - model_s - exec_s) * 1000)
    return overheads, execs


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--sandbox", choices=("local", "docker"), default="local")
    parser.add_argument("--image", default="devagent/base:latest")
    parser.add_argument("--no-watch", action="store_true", help="switch the loop watch off")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loop-bench-") as tmp:
        repo = tiny_repo(Path(tmp) / "repo")
        sandbox = TimedSandbox(open_sandbox(args.sandbox, repo, args.image))
        model = TimedModel(args.steps)
        redactor = Redactor(["sk-bench-secret-0001", "ghp_benchsecret0002", "hunter2hunter2"])
        io = AgentIO(
            workspace=repo,
            patch_fn=partial(sandbox_diff, sandbox),
            trajectory=Trajectory(Path(tmp) / "out" / "trajectory.jsonl", redactor),
        )
        budget = Budget(BudgetConfig(max_steps=args.steps + 5))
        # The model only looks around: the loop watch stays on (its cost is part of the
        # overhead), with the no-progress check beyond the run so that it does not stop it.
        stuck = StuckConfig(enabled=not args.no_watch, no_progress_steps=args.steps + 10)
        config = AgentConfig(stuck=stuck)
        try:
            agent = Agent(model, fake_tools(), sandbox, budget, io=io, config=config)
            result = agent.run(Task(issue="bench"))
        finally:
            sandbox.close()
        size = io.trajectory.path.stat().st_size if io.trajectory.path else 0
    overheads, execs = per_step(model, sandbox)
    print(f"loop bench: {len(overheads)} steps on {args.sandbox} sandbox, status {result.status}")
    print(f"  trajectory: {size / 1024:.0f} KiB")
    for label, values in (("harness overhead", overheads), ("sandbox exec", execs)):
        p50, p95, mean = statistics.median(values), pct(values, 0.95), statistics.mean(values)
        print(
            f"  {label:17s} ms/step  p50 {p50:7.2f}  p95 {p95:7.2f}  "
            f"max {max(values):7.2f}  mean {mean:7.2f}"
        )
    verdict = "OK" if statistics.median(overheads) < 10 else "OVER TARGET"
    print(f"  target: overhead p50 < 10 ms -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
