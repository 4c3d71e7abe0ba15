"""Parallel attempts: the wall time of `solve --attempts N` with the attempts at once against the
same N attempts one after another, measured in one run on a bundled task.

The task is tasks/lru-cache-eviction; every attempt plays the demo's scripted replies
(examples/demo/lru-cache-eviction.scripted.yaml): it searches, reads, runs a reproduction,
patches, runs the test suite in its sandbox and submits, and the harness then runs the goal
check in the attempt's sandbox. Both modes go through the whole pipeline (private clone,
environment image, sandbox, repo map, N forks, checks, the kept patch); an untimed warm-up run
builds or finds the environment image first.

A scripted model answers at once, so that measurement is sandbox-bound (and this machine may
have few cores). Real attempts wait on the model most of the time: the second measurement
drives the same replies through the real OpenAI SDK against a local OpenAI-compatible server
that answers each request after `--latency` seconds (default 1 s). Prints one row per mode
and the ratio sequential / parallel.

    python perf/attempts_bench.py [--attempts 4] [--latency 1.0] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devagent.agent.config import AgentConfig  # noqa: E402
from devagent.llm.factory import build_model, model_config_from_env  # noqa: E402
from devagent.llm.scripted import ScriptedModel  # noqa: E402
from devagent.llm.types import Model  # noqa: E402
from devagent.pipeline import SolveOptions, SolveOutcome, run_pipeline  # noqa: E402

TASK = ROOT / "tasks" / "lru-cache-eviction"
SCRIPT = ROOT / "examples" / "demo" / "lru-cache-eviction.scripted.yaml"
CHECK = "python -m pytest -q tests/test_lru.py"


def task_repo(scratch: Path) -> Path:
    """The task's files as a one-commit git repository."""
    repo = scratch / "repo"
    shutil.copytree(TASK / "repo", repo)
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "lru"]):
        subprocess.run(["git", *identity, *args], cwd=repo, check=True)
    return repo


def solve(repo: Path, out: Path, model: Model, attempts: int, parallel: bool) -> SolveOutcome:
    return run_pipeline(
        SolveOptions(
            issue=(TASK / "issue.md").read_text(),
            repo=repo,
            out=out,
            model=model,
            checks=[CHECK],
            budget={"max_steps": 20 * attempts, "max_usd": None},
            agent=AgentConfig(attempts=attempts, attempts_in_parallel=parallel),
        )
    )


# -- a slow OpenAI-compatible server ---------------------------------------------------------


def wire_reply(reply: dict[str, Any], step: int) -> dict[str, Any]:
    """A chat.completions response carrying one scripted reply."""
    calls = [
        {
            "id": f"call-{step}-{i}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))},
        }
        for i, c in enumerate(reply.get("tool_calls", []))
    ]
    message = {"role": "assistant", "content": reply.get("content", ""), "tool_calls": calls}
    return {
        "id": f"bench-{step}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "bench",
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050},
    }


@contextmanager
def slow_server(replies: list[dict[str, Any]], latency: float) -> Iterator[str]:
    """A server answering reply k to a conversation holding k assistant messages (so any
    number of attempts can talk to it at once), each after `latency` seconds."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            step = sum(m.get("role") == "assistant" for m in body["messages"])
            time.sleep(latency)
            data = json.dumps(wire_reply(replies[min(step, len(replies) - 1)], step)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


# -- the measurement -------------------------------------------------------------------------


def timed(run: Callable[[], SolveOutcome]) -> tuple[float, SolveOutcome]:
    started = time.perf_counter()
    outcome = run()
    return time.perf_counter() - started, outcome


def compare(
    label: str, repo: Path, scratch: Path, model: Callable[[], Model], n: int, repeat: int
) -> float:
    """Time both modes (alternating, `repeat` times each); print them; the ratio of medians."""
    walls: dict[bool, list[float]] = {True: [], False: []}
    attempts_walls: dict[bool, list[float]] = {True: [], False: []}
    for round_ in range(repeat):
        for parallel in (False, True):
            out = scratch / f"{label}-{'par' if parallel else 'seq'}-{round_}"
            wall, outcome = timed(lambda: solve(repo, out, model(), n, parallel))  # noqa: B023
            result = outcome.result
            kept = [a["label"] for a in result.attempts if a["chosen"]]
            if result.status != "solved" or len(result.attempts) != n:
                raise SystemExit(f"{label}: the run did not solve the task: {result.reason}")
            walls[parallel].append(wall)
            attempts_walls[parallel].append(result.duration_s)
            print(
                f"  {label:<22} {'parallel' if parallel else 'sequential':<10} "
                f"run {wall:6.1f}s  attempts {result.duration_s:6.1f}s  "
                f"steps {result.steps:3d}  kept {kept[0]}"
            )
    seq, par = statistics.median(walls[False]), statistics.median(walls[True])
    seq_a, par_a = statistics.median(attempts_walls[False]), statistics.median(attempts_walls[True])
    print(
        f"{label}: {n} sequential attempts {seq:.1f}s, --attempts {n} in parallel {par:.1f}s: "
        f"ratio {seq / par:.2f}x (the attempts phase alone: {seq_a:.1f}s vs {par_a:.1f}s, "
        f"{seq_a / par_a:.2f}x)"
    )
    return seq / par


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=4)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per model reply")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of both modes")
    args = parser.parse_args()
    replies = yaml.safe_load(SCRIPT.read_text())
    scratch = Path(tempfile.mkdtemp(prefix="devagent-attempts-bench-"))
    try:
        repo = task_repo(scratch)
        print("warm-up (environment image, untimed)...")
        solve(repo, scratch / "warm-up", ScriptedModel.from_file(SCRIPT), 1, True)
        compare(
            "scripted (no latency)",
            repo,
            scratch,
            lambda: ScriptedModel.from_file(SCRIPT),
            args.attempts,
            args.repeat,
        )
        with slow_server(replies, args.latency) as url:
            config = model_config_from_env({}, base_url=url)
            compare(
                f"model server ({args.latency:g}s/reply)",
                repo,
                scratch,
                lambda: build_model("openai:bench", config),
                args.attempts,
                args.repeat,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
