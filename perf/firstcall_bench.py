"""Benchmark: the repo map before the first model call on a synthetic 5,000-file repo, old vs new.

Generates 100 packages x 50 Python modules, each defining the same six class and function names
and calling them (the worst case for a file-to-file reference graph), then times `repo_map` with
an issue-like focus, each case in a fresh process as `devagent solve` would run it:
cold (empty tag cache), warm (nothing changed) and after a one-file change. The same cases run
against the ranking code of a baseline commit (exported with `git archive`) and against this
checkout, in one run, and print as a table with ratios. The old ranking's memory grows with the
square of the files (about 1 GB at 1,000 files, so some 23 GB at 5,000), so by default it runs
on 2,000 files, beside the new one on 2,000 and on 5,000.

    python perf/firstcall_bench.py [--packages 100] [--modules 50] [--baseline REV]
        [--baseline-packages 40 (0: skip the old ranking)] [--solve]

--solve adds the wall time from starting `devagent solve` to its first model call (a local
OpenAI-protocol server notes the request and refuses it), before (devagent at --solve-baseline,
from `git archive`) and after (this checkout), in the same run, on the synthetic repo, Django's
source distribution and a tasks/real project's: a new repo with a new image (its manifests made
new, so both image layers are built), a new repo whose image is cached, warm, and after a
one-file commit (these two --rounds times, before and after taking turns; min/median shown);
beside the floor, a bare `docker run --rm devagent/base:latest true`. A kept workspace's first
map is the one an earlier run kept for the same commit and issue (the same map), and after a
one-file change the earlier run's map with a notice naming the changed files when the fresh one
(made in a child process) is late; the table says in how many one-file runs the first request
carried that notice.

    python perf/firstcall_bench.py --no-map --solve [--django 5.1.4] [--real-task ID]
        [--rounds 5] [--repos synthetic,django,real] [--solve-baseline REV]
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from argparse import Namespace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "70598e3"
"""The last commit with the file-to-file reference graph (cost: definers x referrers per name)."""
SOLVE_BASELINE = "9e3b92c"
"""Before kept workspaces, the background model client, the overlapped sandbox start and the
project layer keyed by what an install reads (every run cloned and hashed the whole tree)."""
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


KEPT_MAP_NOTICE = b"made by an earlier run at commit"
"""In a first request that shows an earlier run's map because the fresh one was late."""


class FirstCallServer(http.server.ThreadingHTTPServer):
    """A local OpenAI-protocol endpoint that notes when the first request arrives and refuses it
    (HTTP 400, which ends the run without retries)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RefuseHandler)
        self.arrivals: list[float] = []
        self.kept_map: list[bool] = []
        """Per request: whether it carried an earlier run's map (devagent.firstmap's notice)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _RefuseHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.arrivals.append(time.monotonic())  # type: ignore[attr-defined]
        request = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.kept_map.append(KEPT_MAP_NOTICE in request)  # type: ignore[attr-defined]
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
    commit_all(root, "synthetic")
    return root


def commit_all(root: Path, message: str, date: str | None = None) -> None:
    env = {**GIT_ENV, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
    if not (root / ".git").exists():
        subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "add", "-A", "-f"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", message], check=True, env=env)


def sdist_repo(root: Path, project: str, version: str) -> Path:
    """`project==version`'s source distribution from PyPI as a one-commit repository dated at
    its upload (what the environment is resolved as of)."""
    from devagent.bench.sdist import unpack_release

    release = unpack_release(project, version, root)
    commit_all(root, f"{project} {version}", release.upload_time)
    return root


def seconds_to_first_call(server: FirstCallServer, code: Path, repo: Path, work: Path) -> float:
    """Wall time from starting `devagent solve` (the code under `code`) to the model server
    seeing its first request."""
    work.mkdir(parents=True, exist_ok=True)
    issue = work / "issue.md"
    issue.write_text(f"# Bug\n\n{FOCUS}\n")
    command = [sys.executable, "-c", ENTRY, "solve", str(issue),
               "--repo", str(repo), "--model", "openai:bench", "--base-url", server.url,
               "--test", "true", "--max-steps", "1", "--out", str(work / "out")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(code), "DEVAGENT_CACHE_DIR": str(work / "cache")}
    # as installed: the code's bytecode is written once and read after (with the variable set,
    # every start compiled the changed or exported modules again, 0.1-0.3 s more for one side)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    server.arrivals.clear()
    server.kept_map.clear()
    started = time.monotonic()
    # cwd: `python -c` puts the working directory first on sys.path, so run from a checkout it
    # would import that checkout's devagent instead of `code`'s
    done = subprocess.run(
        command, env=env, cwd=work, capture_output=True, check=False, timeout=3600
    )
    if not server.arrivals:
        tail = (
            done.stderr.decode(errors="replace")[-2000:]
            + done.stdout.decode(errors="replace")[-2000:]
        )
        raise RuntimeError(f"devagent solve never called the model ({code}):\n{tail}")
    return server.arrivals[0] - started


def touch_manifest(repo: Path, nonce: str) -> None:
    """Make the repository's manifests new (a comment), so that no image of it exists yet."""
    for name in ("pyproject.toml", "setup.py", "requirements.txt"):
        path = repo / name
        if path.is_file():
            path.write_text(path.read_text() + f"\n# first-call bench {nonce}\n")
            return


def edit_one_module(repo: Path, round_: int) -> None:
    """Change one Python module inside a package (not the top level), as a fix would."""
    modules = sorted(
        p for p in repo.rglob("*.py")
        if p.parent != repo and p.name != "__init__.py" and ".git" not in p.parts
    )  # fmt: skip
    victim = modules[len(modules) // 2]
    victim.write_text(
        victim.read_text() + f"\n\ndef bench_added_{round_}():\n    return {round_}\n"
    )


ENTRY = (
    "import importlib, importlib.util, sys\n"
    "name = 'devagent.entry' if importlib.util.find_spec('devagent.entry') else 'devagent.cli'\n"
    "sys.exit(importlib.import_module(name).main())"
)
"""What the `devagent` console script runs: `devagent.entry:main` (which, in some commits, starts
the SDK's import before the CLI loads), or `devagent.cli:main` in commits older than it."""

KEPT = "kept map shown"
"""SolveRow key: per one-file round, 1.0 when its first request showed an earlier run's map."""

SolveRow = dict[str, list[float] | None]
"""case -> seconds of each round (None: does not apply)."""

CASES = (
    "new repo, new image",
    "new repo, image cached",
    "warm",
    "one-file change",
)


def measure_solve(
    server: FirstCallServer, codes: dict[str, Path], source: Path, work: Path, args: Namespace
) -> dict[str, SolveRow]:
    """The four cases for each code version (label -> code) on its own copy of `source`; the
    warm and one-file-change runs alternate between the versions, round by round, so that a
    busy machine weighs on both alike. With a `manifests` source, each copy's manifests are
    made new first, so its images are built from nothing (the deps layer too)."""
    rows: dict[str, SolveRow] = {label: {} for label in codes}

    def run(label: str, repo: Path, case: str) -> float:
        return seconds_to_first_call(server, codes[label], repo, work / f"{label}-{case}")

    kept = {}
    for label in codes:
        repo = work / f"{label}-repo"
        shutil.copytree(source, repo, symlinks=True)
        rows[label][CASES[0]] = None
        if args.manifests:
            touch_manifest(repo, f"{label}-{time.time_ns()}")
            commit_all(repo, "new manifests")
            rows[label][CASES[0]] = [run(label, repo, "a")]
            shutil.rmtree(work / f"{label}-a" / "cache")  # next: a new repo whose image exists
        kept[label] = work / f"{label}-repo2"
        shutil.copytree(repo, kept[label], symlinks=True)
        rows[label][CASES[1]] = [run(label, kept[label], "b")]
        rows[label][CASES[2]], rows[label][CASES[3]] = [], []
    for _ in range(args.rounds):
        for label in codes:
            rows[label][CASES[2]].append(run(label, kept[label], "b"))  # type: ignore[union-attr]
    for round_ in range(args.rounds):
        for label in codes:
            edit_one_module(kept[label], round_)
            commit_all(kept[label], f"one file {round_}")
            rows[label][CASES[3]].append(run(label, kept[label], "b"))  # type: ignore[union-attr]
            rows[label].setdefault(KEPT, []).append(float(server.kept_map[0]))  # type: ignore[union-attr]
    return rows


def floor_seconds() -> float:
    """The best of 3 bare `docker run --rm devagent/base:latest true`."""
    best = float("inf")
    for _ in range(3):
        started = time.monotonic()
        subprocess.run(["docker", "run", "--rm", "devagent/base:latest", "true"], check=True)
        best = min(best, time.monotonic() - started)
    return best


def solve_table(args: argparse.Namespace, work: Path) -> None:
    """Time to the first model call, before (the baseline commit) and after (this checkout)."""
    from devagent.bench.realtask import load_real_task

    wanted = set(args.repos.split(","))
    repos = []
    if "synthetic" in wanted:
        synthetic = git_repo(work / "src-synthetic", args.packages, args.modules)
        repos.append((f"synthetic {args.packages * args.modules} files", synthetic, False))
    if "django" in wanted:
        django = sdist_repo(work / "src-django", "django", args.django)
        repos.append((f"Django {args.django}", django, True))
    if "real" in wanted:
        task = load_real_task(ROOT / "tasks" / "real" / f"{args.real_task}.toml")
        real = sdist_repo(work / "src-real", task.project, task.base_version)
        repos.append((f"{task.project} {task.base_version} (tasks/real)", real, True))
    before = export_baseline(args.solve_baseline, work / "before-code")
    server = FirstCallServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rows: list[tuple[str, SolveRow, SolveRow]] = []
    try:
        for name, source, manifests in repos:
            print(f"  measuring {name} ...", file=sys.stderr, flush=True)
            slug = name.split()[0].lower()
            case = Namespace(rounds=args.rounds, manifests=manifests)
            measured = measure_solve(
                server, {"old": before, "new": ROOT}, source, work / slug, case
            )
            rows.append((name, measured["old"], measured["new"]))
    finally:
        server.shutdown()
    floor = floor_seconds()
    files = {
        name: sum(1 for _ in source.rglob("*") if ".git" not in _.parts)
        for name, source, _ in repos
    }
    print(f"\ndevagent solve to its first model call (s); before = {args.solve_baseline}, "
          f"after = this checkout; floor: docker run --rm base true = {floor:.2f} s")  # fmt: skip
    print(f"  (warm and one-file change: min/median of {args.rounds} runs; ratio of medians)")
    print(f"  {'case':26}{'before':>12}{'after':>12}{'ratio':>8}")
    for name, old, new in rows:
        print(f"{name} ({files[name]} files)")
        for case in CASES:
            o, n = old[case], new[case]
            if o is not None and n is not None:
                ratio = statistics.median(o) / statistics.median(n)
                print(f"  {case:26}{spread(o):>12}{spread(n):>12}{ratio:7.1f}x")
        shown = [f"{int(sum(r.get(KEPT) or []))}/{len(r.get(KEPT) or [])}" for r in (old, new)]
        print(f"  {'one-file: ' + KEPT:26}{shown[0]:>12}{shown[1]:>12}")


def spread(seconds: list[float]) -> str:
    """One run's seconds, or the min/median of several."""
    if len(seconds) == 1:
        return f"{seconds[0]:.2f}"
    return f"{min(seconds):.2f}/{statistics.median(seconds):.2f}"


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
        help="also time `devagent solve` to its first model call, before and after, on the "
        "synthetic repo, Django's sdist and a tasks/real project (needs Docker and PyPI)",
    )  # fmt: skip
    parser.add_argument("--solve-baseline", default=SOLVE_BASELINE, help="git revision (before)")
    parser.add_argument("--django", default="5.1.4", help="Django release for --solve")
    parser.add_argument("--real-task", default="attrs-field-transformer-generator")
    parser.add_argument("--no-map", action="store_true", help="skip the repo-map table")
    parser.add_argument(
        "--rounds", type=int, default=5, help="--solve: runs of the warm and one-file cases"
    )
    parser.add_argument(
        "--repos", default="synthetic,django,real",
        help="--solve: which of synthetic, django, real to measure (comma-separated)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firstcall-bench-") as tmp:
        work = Path(tmp)
        size = args.packages * args.modules
        if not args.no_map:
            columns = [(f"new@{size}", measure(ROOT, work / "new", args.packages, args.modules))]
            ratios = compare(args, work, columns) if args.baseline_packages else []
            report(columns, ratios)
            print(f"old = devagent at {args.baseline} (git archive); new = this checkout")
        if args.solve:
            solve_table(args, work / "solve")


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
