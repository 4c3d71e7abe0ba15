"""Benchmark: the repo map before the first model call on a synthetic 5,000-file repo, old vs new.

Generates 100 packages x 50 Python modules, each defining the same six class and function names
and calling them (the worst case for a file-to-file reference graph), then times `repo_map` with
an issue-like focus, each case in a fresh process as `devagent solve` would run it:
cold (empty tag cache), warm (nothing changed) and after a one-file change. The same cases run
against the ranking code of a baseline commit (exported with `git archive`) and against this
checkout, in one run, and print as a table with ratios. The old ranking's memory grows with the
square of the files (about 1 GB at 1,000 files, so some 23 GB at 5,000), so by default it runs
on 2,000 files, beside the new one on 2,000 and on 5,000.

    python bench/firstcall_bench.py [--packages 100] [--modules 50] [--baseline REV]
        [--baseline-packages 40 (0: skip the old ranking)] [--solve]

--solve adds the wall time from starting `devagent solve` to its first model call (a local
OpenAI-protocol server that refuses the call) for a new repo, warm and after a one-file commit,
beside a bare `docker run --rm devagent/base:latest true`.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "70598e3"
"""The last commit with the file-to-file reference graph (cost: definers x referrers per name)."""
FOCUS = "Record in pkg_012/mod_07.py loses data: process() returns before validate runs"
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip

MODULE = '''"""Module {pkg}.{mod}."""

from pkg_{pkg:03d} import mod_{other:02d}


class Config:
    debug = False


class Handler:
    retries = 3


class Record:
    fields = ()


def load(item):
    return Record() if item is None else process(item)


def process(item):
    return mod_{other:02d}.validate(load(item)), Handler()


def validate(item):
    return Config() if item else process(item)
'''


def make_synthetic_repo(root: Path, packages: int, modules: int) -> Path:
    """`packages` x `modules` modules, each defining NAMES and calling them (and a sibling's)."""
    for pkg in range(packages):
        folder = root / f"pkg_{pkg:03d}"
        folder.mkdir(parents=True)
        for mod in range(modules):
            text = MODULE.format(pkg=pkg, mod=mod, other=(mod + 1) % modules)
            path = folder / f"mod_{mod:02d}.py"
            path.write_text(text)
            os.utime(path, (time.time() - 3600,) * 2)  # an old checkout: mtimes are trusted
    return root


def change_one_file(root: Path) -> None:
    files = sorted(root.rglob("*.py"))
    victim = files[len(files) // 2]
    victim.write_text(victim.read_text() + "\n\ndef bench_added_function():\n    return load(1)\n")


def child(source: Path, repo: Path, cache: Path) -> None:
    """Time one repo_map call with code from `source`; print JSON (seconds, parsed, map)."""
    sys.path.insert(0, str(source))
    from devagent.tools.base import ToolContext
    from devagent.tools.repomap import REPO_MAP
    from sandbox.local import LocalSandbox

    ctx = ToolContext(workspace=repo, sandbox=LocalSandbox(repo), cache_dir=cache)
    started, cpu_started = time.perf_counter(), time.process_time()
    obs = REPO_MAP({"focus": FOCUS, "max_tokens": 1024}, ctx)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    parsed = obs.data["index"]["parsed"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "parsed": parsed, "peak_mb": peak_mb}))


def run_child(source: Path, repo: Path, cache: Path) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", str(source), str(repo), str(cache)]
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


Result = dict[str, dict[str, object]]
"""case -> {seconds, parsed, peak_mb}."""


def measure(source: Path, workdir: Path, packages: int, modules: int) -> Result:
    """Cold, warm and one-file-change maps of a fresh synthetic repo, with code from `source`."""
    repo = make_synthetic_repo(workdir / "repo", packages, modules)
    cache = workdir / "cache"
    result = {"cold": run_child(source, repo, cache)}
    warm = [run_child(source, repo, cache) for _ in range(3)]
    result["warm"] = min(warm, key=lambda run: float(run["seconds"]))  # type: ignore[arg-type]
    change_one_file(repo)
    result["one-file change"] = run_child(source, repo, cache)
    return result


def export_baseline(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "devagent", "sandbox"],
        capture_output=True, check=True,
    )  # fmt: skip
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def report(columns: list[tuple[str, Result]], ratios: list[tuple[str, int, int]]) -> None:
    """One row per case: wall and CPU seconds and peak memory per column, then old/new ratios
    (of wall time)."""
    print("repo map before the first model call, synthetic Python repos (files in the headers)")
    print("(each case in a fresh process; warm: best of 3; focus: an issue-like sentence)")
    heads = [f"{label + ' s':>14}{'cpu s':>8}{'MB':>6}" for label, _ in columns]
    print(f"{'case':16}" + "".join(heads) + "".join(f"{label:>14}" for label, _, _ in ratios))
    for case in columns[0][1]:
        cells = []
        for _, result in columns:
            row = result[case]
            cells.append(f"{row['seconds']:14.3f}{row['cpu']:8.3f}{row['peak_mb']:6d}")
        for _, old, new in ratios:
            old_s, new_s = (float(columns[i][1][case]["seconds"]) for i in (old, new))  # type: ignore[arg-type]
            cells.append(f"{old_s / new_s:13.1f}x")
        print(f"{case:16}" + "".join(cells))
    parsed = ", ".join(
        f"{label} " + "/".join(str(row["parsed"]) for row in result.values())
        for label, result in columns
    )
    print(f"files parsed (cold/warm/one-file change): {parsed}")


class FirstCallServer(http.server.ThreadingHTTPServer):
    """A local OpenAI-protocol endpoint that notes when the first request arrives and refuses it
    (HTTP 400, which ends the run without retries)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RefuseHandler)
        self.arrivals: list[float] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _RefuseHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.arrivals.append(time.monotonic())  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"error": {"message": "bench: stop", "type": "invalid_request_error"}})
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def git_repo(root: Path, packages: int, modules: int) -> Path:
    make_synthetic_repo(root, packages, modules)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "synthetic"]):
        subprocess.run(["git", "-C", str(root), *command], check=True, env=GIT_ENV)
    return root


def seconds_to_first_call(server: FirstCallServer, repo: Path, workdir: Path) -> float:
    """Wall time from starting `devagent solve` to the model server seeing its first request."""
    issue = workdir / "issue.md"
    issue.write_text(f"# Bug\n\n{FOCUS}\n")
    command = [sys.executable, "-c", "from devagent.cli import main; main()", "solve", str(issue),
               "--repo", str(repo), "--model", "openai:bench", "--base-url", server.url,
               "--test", "true", "--max-steps", "1", "--out", str(workdir / "out")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEVAGENT_CACHE_DIR": str(workdir / "cache")}
    server.arrivals.clear()
    started = time.monotonic()
    subprocess.run(command, env=env, capture_output=True, check=False, timeout=1800)
    if not server.arrivals:
        raise RuntimeError(f"devagent solve never called the model: {' '.join(command)}")
    return server.arrivals[0] - started


def measure_solve(workdir: Path, packages: int, modules: int) -> list[tuple[str, float]]:
    """Time to the first model call: a new repo (its image is cached: a repo without manifests
    runs on devagent/base; its tags are not), warm, after a one-file commit, and the floor."""
    server = FirstCallServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        repo = git_repo(workdir / "repo", packages, modules)
        rows = [
            ("new repo (image cached, tags cold)", seconds_to_first_call(server, repo, workdir))
        ]
        rows.append(("warm", seconds_to_first_call(server, repo, workdir)))
        change_one_file(repo)
        subprocess.run(["git", "-C", str(repo), "commit", "-qam", "one"], check=True, env=GIT_ENV)
        rows.append(("one-file change", seconds_to_first_call(server, repo, workdir)))
    finally:
        server.shutdown()
    started = time.monotonic()
    subprocess.run(["docker", "run", "--rm", "devagent/base:latest", "true"], check=True)
    rows.append(("floor: docker run --rm base true", time.monotonic() - started))
    return rows


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*map(Path, sys.argv[2:5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=100)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old ranking")
    parser.add_argument(
        "--baseline-packages", type=int, default=40,
        help="packages for the old-vs-new comparison (the old ranking's memory grows with the "
        "square of the files: about 1 GB at 1,000 files, 23 GB at 5,000); 0 skips it",
    )  # fmt: skip
    parser.add_argument(
        "--solve", action="store_true",
        help="also time `devagent solve` to its first model call (needs Docker and devagent/base)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firstcall-bench-") as tmp:
        work = Path(tmp)
        size = args.packages * args.modules
        columns = [(f"new@{size}", measure(ROOT, work / "new", args.packages, args.modules))]
        ratios = compare(args, work, columns) if args.baseline_packages else []
        report(columns, ratios)
        print(f"old = devagent at {args.baseline} (git archive); new = this checkout")
        if args.solve:
            print(f"\ndevagent solve to the first model call, new code, {size} files")
            for case, seconds in measure_solve(work / "solve", args.packages, args.modules):
                print(f"{case:34}{seconds:9.2f} s")


def compare(
    args: argparse.Namespace, work: Path, columns: list[tuple[str, Result]]
) -> list[tuple[str, int, int]]:
    """Add old and new columns at the baseline size to `columns`; return the ratio to print."""
    files = args.baseline_packages * args.modules
    source = export_baseline(args.baseline, work / "baseline")
    if files != args.packages * args.modules:
        new = measure(ROOT, work / "new-small", args.baseline_packages, args.modules)
        columns.append((f"new@{files}", new))
    old = measure(source, work / "old", args.baseline_packages, args.modules)
    columns.append((f"old@{files}", old))
    return [(f"old/new@{files}", len(columns) - 1, len(columns) - 2)]


if __name__ == "__main__":
    main()
