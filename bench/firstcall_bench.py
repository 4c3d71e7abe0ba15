"""Benchmark: the repo map before the first model call on a synthetic 5,000-file repo, old vs new.

Generates 100 packages x 50 Python modules, each defining the same six class and function names
and calling them (the worst case for a file-to-file reference graph), then times `repo_map` with
an issue-like focus, each case in a fresh process as `devagent solve` would run it:
cold (empty tag cache), warm (nothing changed) and after a one-file change. The same cases run
against the ranking code of a baseline commit (exported with `git archive`) and against this
checkout, in one run, and print as a table with ratios.

    python bench/firstcall_bench.py [--packages 100] [--modules 50] [--baseline REV | --no-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "70598e3"
"""The last commit with the file-to-file reference graph (cost: definers x referrers per name)."""
FOCUS = "Record.save in pkg_042/mod_07.py loses data: process() returns before validate runs"
NAMES = ("Config", "Handler", "Record", "load", "process", "validate")

MODULE = '''"""Module {pkg}.{mod}."""

from pkg_{pkg:03d} import mod_{other:02d}


class Config:
    debug = False


class Handler:
    def handle(self, item):
        return process(item)


class Record:
    def save(self):
        return validate(load(self))


def load(item):
    return Record() if item is None else Handler().handle(item)


def process(item):
    return mod_{other:02d}.validate(load(item))


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
    print(json.dumps({"seconds": seconds, "parsed": index["parsed"], "text": obs.text}))


def run_child(source: Path, repo: Path, cache: Path) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", str(source), str(repo), str(cache)]
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def measure(source: Path, workdir: Path, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    """Cold, warm and one-file-change maps of a fresh synthetic repo, with code from `source`."""
    repo = make_synthetic_repo(workdir / "repo", args.packages, args.modules)
    cache = workdir / "cache"
    result = {"cold": run_child(source, repo, cache), "warm": run_child(source, repo, cache)}
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


def report(files: int, new: dict[str, dict[str, object]], old: dict | None, rev: str) -> None:
    print(f"repo map before the first model call: synthetic repo, {files} Python files")
    print("(each case in a fresh process; focus = an issue-like sentence; 1024-token map)")
    head = f"{'case':18}{'new s':>10}{'parsed':>8}"
    print(head + (f"{'old s':>10}{'parsed':>8}{'old/new':>10}" if old else ""))
    for case, ours in new.items():
        line = f"{case:18}{ours['seconds']:10.3f}{ours['parsed']:8d}"
        if old:
            theirs = old[case]
            ratio = float(theirs["seconds"]) / float(ours["seconds"])  # type: ignore[arg-type]
            line += f"{theirs['seconds']:10.3f}{theirs['parsed']:8d}{ratio:9.1f}x"
        print(line)
    if old:
        print(f"old = ranking code at {rev}; new = this checkout")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*map(Path, sys.argv[2:5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=100)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old ranking")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old ranking")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firstcall-bench-") as tmp:
        new = measure(ROOT, Path(tmp) / "new", args)
        old = None
        if not args.no_baseline:
            source = export_baseline(args.baseline, Path(tmp) / "baseline")
            old = measure(source, Path(tmp) / "old", args)
        report(args.packages * args.modules, new, old, args.baseline)


if __name__ == "__main__":
    main()
