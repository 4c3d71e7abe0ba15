"""A made-up run folder of any length, for the page tests, the demo of the pages and
perf/pages_bench.py: every record type the run page shows, sub-agent lanes, a stuck detection,
a budget warning, a failing then a passing check, and a secret the page must not show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLE_PATCH = "\n".join(
    ["diff --git a/calc.py b/calc.py", "index 1111111..2222222 100644", "--- a/calc.py",
     "+++ b/calc.py", "@@ -1,4 +1,5 @@", " def add(a, b):", "-    return a - b",
     "+    # was a - b: <the bug> & its fix", "+    return a + b", " ", " def sub(a, b):", ""]
)  # fmt: skip
CHECK = "python -m pytest -q tests/test_calc.py"
FAILING = ("tests/test_calc.py::test_add", "tests/test_calc.py::test_add_negative")


def _check(passed: bool) -> dict[str, Any]:
    return {"command": CHECK, "passed": passed, "exit_code": 0 if passed else 1,
            "output_tail": "2 passed" if passed else "F.F\n2 failed, 1 passed",
            "failing_ids": [] if passed else list(FAILING), "timed_out": False,
            "duration_s": 1.5}  # fmt: skip


class _Records:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.ts = 1_790_000_000.0

    def add(self, kind: str, agent: str, step: int, wait: float = 0.05, **fields: Any) -> None:
        self.ts += wait
        self.records.append({"type": kind, "agent": agent, "step": step, **fields, "ts": self.ts})

    def step(self, agent: str, step: int, secret: str) -> None:
        self.add("request", agent, step, messages=[])
        context = 2_000 + 180 * len(self.records)
        args = {"path": "calc.py"} if step % 3 != 2 else {"command": "pytest -q"}
        call = {
            "id": f"c-{agent}-{step}",
            "name": ("view", "search", "run")[step % 3],
            "arguments": args,
        }
        usage = {"input_tokens": context, "output_tokens": 60 + step % 7 * 20, "cached_tokens": 0}
        completion = {"message": {"role": "assistant", "content": f"Step {step + 1}: looking.",
                      "tool_calls": [call]}, "usage": usage, "cost_usd": context * 3e-6,
                      "latency_s": 1.2}  # fmt: skip
        self.add("completion", agent, step, wait=1.0 + step % 4 * 0.6, completion=completion)
        self.add("tool_call", agent, step + 1, call=call)
        lines = 40 if step % 5 == 0 else 3
        text = "\n".join(f"calc.py:{i}: line {i} <tag> & more" for i in range(lines))
        if step == 3:
            text += f"\nAPI_KEY={secret}"
        took = 4.0 if step % 3 == 2 else 0.2
        self.add("observation", agent, step + 1, wait=took, tool_call_id=call["id"],
                 name=call["name"], ok=step % 11 != 0, text=text, duration_s=took)  # fmt: skip


def sample_records(steps: int = 100, secret: str = "sk-sample-secret-1234") -> list[dict[str, Any]]:
    """The records of a run of `steps` main-agent steps (plus two sub-agents' 3 steps each)."""
    r = _Records()
    meta = {"repo": "/src/calc", "base": "4ec323f2420f0ef7c7d298c60d7ee149d6246941",
            "image": "devagent/env:sample", "model": "scripted:sample"}  # fmt: skip
    r.add("meta", "0", 0, meta=meta)
    r.add("start", "0", 0, task={"issue": "# `add` subtracts\n\n`add(2, 2)` returns 0 <sic>."})
    for step in range(steps):
        r.step("0", step, secret)
        if step == steps // 3:
            r.add("stuck", "0", step + 1, number=1, pattern="repeated_action",
                  detail="the same `view calc.py` 3 times", response="nudge")  # fmt: skip
        if step == steps // 2:
            for lane in ("0.1", "0.2"):
                for sub in range(3):
                    r.step(lane, sub, secret)
        if step == steps * 2 // 3:
            r.add("check", "0", step + 1, result=_check(False))
        if step == steps - 5:
            r.add("note", "0", step + 1, text="Budget warning: the run is close to its limits.")
    r.add("check", "0", steps, result=_check(True))
    return r.records


def write_sample_run(
    run_dir: Path, steps: int = 100, secret: str = "sk-sample-secret-1234"
) -> Path:
    """trajectory.jsonl, result.json and patch.diff of a made-up solved run in `run_dir`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    records = sample_records(steps, secret)
    with (run_dir / "trajectory.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)
    completions = [r["completion"] for r in records if r["type"] == "completion"]
    result = {
        "status": "solved", "reason": "the goal checks passed",
        "summary": "`add` now adds.", "steps": steps,
        "usage": {"total_tokens": sum(c["usage"]["input_tokens"] + c["usage"]["output_tokens"]
                                      for c in completions)},
        "cost_usd": sum(c["cost_usd"] for c in completions),
        "duration_s": records[-1]["ts"] - records[0]["ts"], "checks": [_check(True)],
    }  # fmt: skip
    (run_dir / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (run_dir / "patch.diff").write_text(SAMPLE_PATCH, encoding="utf-8")
    return run_dir
