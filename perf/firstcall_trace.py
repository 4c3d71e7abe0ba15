"""Trace one `devagent solve` to its first model call: every Docker API call, with its thread,
start and duration, and how many each thread made before the first call.

The run is the firstcall benchmark's (perf/firstcall_bench.py): the code under --code (default
this checkout), a local OpenAI-protocol server that notes the first request and refuses it, the
cache under --work (run it twice on the same --work for a warm run). Docker calls are seen by
wrapping `requests.Session.send` in the child, which writes one JSON line per call.

    python perf/firstcall_trace.py REPO --work DIR [--code DIR] [--timeline]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import firstcall_bench as bench  # the benchmark's server and issue

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, os, sys, threading, time
import requests
out = open(os.environ["TRACE_FILE"], "w", buffering=1)
lock = threading.Lock()
send = requests.Session.send
def traced(self, request, **kwargs):
    began = time.monotonic()
    try:
        return send(self, request, **kwargs)
    finally:
        line = json.dumps({"began": began, "took": time.monotonic() - began,
                           "thread": threading.current_thread().name,
                           "method": request.method, "url": request.path_url})
        with lock:
            out.write(line + "\\n")
requests.Session.send = traced
sys.argv = ["devagent", *sys.argv[1:]]
from devagent.entry import main
sys.exit(main())
"""
KINDS = [
    ("version", r"^/version"), ("ping", r"/_ping$"), ("info", r"/info$"),
    ("image inspect", r"/images/.+/json$"), ("image tag", r"/images/.+/tag$"),
    ("volume list", r"/volumes$"), ("volume inspect", r"/volumes/[^/]+$"),
    ("container create", r"/containers/create$"), ("container start", r"/containers/.+/start$"),
    ("exec", r"/exec"), ("archive", r"/archive$"),
]  # fmt: skip


def kind(path: str) -> str:
    path = path.split("?")[0]
    return next((name for name, pattern in KINDS if re.search(pattern, path)), "other")


def run(code: Path, repo: Path, work: Path, trace: Path) -> float:
    server = bench.FirstCallServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    work.mkdir(parents=True, exist_ok=True)
    (work / "issue.md").write_text(f"# Bug\n\n{bench.FOCUS}\n")
    argv = [sys.executable, "-c", CHILD, "solve", str(work / "issue.md"), "--repo", str(repo),
            "--model", "openai:bench", "--base-url", server.url, "--test", "true",
            "--max-steps", "1", "--out", str(work / "out")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(code), "DEVAGENT_CACHE_DIR": str(work / "cache"),
           "TRACE_FILE": str(trace)}  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(argv, env=env, cwd=work, capture_output=True, check=False, timeout=3600)
    server.shutdown()
    if not server.arrivals:
        raise SystemExit("devagent solve never called the model")
    return server.arrivals[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="cache and output (reused)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the devagent checkout to run")
    parser.add_argument("--timeline", action="store_true", help="print every call")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.jsonl"
        started = time.monotonic()
        first = run(args.code.resolve(), args.repo.resolve(), args.work.resolve(), trace)
        calls = [json.loads(line) for line in trace.read_text().splitlines()]
    before = [c for c in calls if c["began"] <= first]
    print(f"first model call after {first - started:.2f} s; {len(before)} Docker API calls")
    if args.timeline:
        for c in before:
            print(f"{c['began'] - started:7.3f} {c['took'] * 1000:6.1f} ms {c['thread'][:24]:24}"
                  f" {c['method']:6} {c['url'][:90]}")  # fmt: skip
    counts = collections.Counter((c["thread"], kind(c["url"])) for c in before)
    for (thread, name), n in sorted(counts.items()):
        print(f"  {thread[:28]:28} {name:18} {n}")


if __name__ == "__main__":
    main()
