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
        [--baseline-packages 40 (0: skip the old ranking)]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "70598e3"
"""The last commit with the file-to-file reference graph (cost: definers x referrers per name)."""
FOCUS = "Record in pkg_012/mod_07.py loses data: process() returns before validate runs"
NAMES = ("Config", "Handler", "Record", "load", "process", "validate")

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
    started = time.perf_counter()
    obs = REPO_MAP({"focus": FOCUS, "max_tokens": 1024}, ctx)
    seconds = time.perf_counter() - started
    index = obs.data["index"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": seconds, "parsed": index["parsed"], "peak_mb": peak_mb}))


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
    """One row per case: seconds (and peak memory) per column, then old/new ratios."""
    print("repo map before the first model call, synthetic Python repos (files in the headers)")
    print("(each case in a fresh process; warm: best of 3; focus: an issue-like sentence)")
    heads = [f"{label + ' s':>14}{'MB':>6}" for label, _ in columns]
    print(f"{'case':16}" + "".join(heads) + "".join(f"{label:>14}" for label, _, _ in ratios))
    for case in columns[0][1]:
        cells = [f"{float(r[case]['seconds']):14.3f}{r[case]['peak_mb']:6d}" for _, r in columns]  # type: ignore[arg-type]
        for _, old, new in ratios:
            old_s, new_s = (float(columns[i][1][case]["seconds"]) for i in (old, new))  # type: ignore[arg-type]
            cells.append(f"{old_s / new_s:13.1f}x")
        print(f"{case:16}" + "".join(cells))
    print("parsed files: cold all, warm 0, one-file change 1 (both versions)")


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firstcall-bench-") as tmp:
        work = Path(tmp)
        size = args.packages * args.modules
        columns = [(f"new@{size}", measure(ROOT, work / "new", args.packages, args.modules))]
        ratios = []
        if args.baseline_packages:
            small = args.baseline_packages * args.modules
            source = export_baseline(args.baseline, work / "baseline")
            if small != size:
                columns.append(
                    (
                        f"new@{small}",
                        measure(ROOT, work / "new-small", args.baseline_packages, args.modules),
                    )
                )
            columns.append(
                (
                    f"old@{small}",
                    measure(source, work / "old", args.baseline_packages, args.modules),
                )
            )
            ratios.append((f"old/new@{small}", len(columns) - 1, len(columns) - 2))
        report(columns, ratios)
        print(f"old = ranking code at {args.baseline} (git archive); new = this checkout")


if __name__ == "__main__":
    main()
