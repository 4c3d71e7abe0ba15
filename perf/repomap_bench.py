"""Benchmark: cold and warm repo-map time on a real sdist, beside Aider's RepoMap in the same run.

Downloads the source distribution with pip into a temporary directory, builds devagent's map
cold (empty cache) and warm (cache filled), then a map after a one-file change, and, when a
virtualenv with aider-chat exists (default /tmp/aider-venv), Aider's RepoMap on the same files.
Targets: our cold <= 0.5x Aider's cold; our warm <= 0.05x our cold.

    python perf/repomap_bench.py [--package requests==2.32.3] [--aider-python PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devagent.tools.base import ToolContext
from devagent.tools.repomap import REPO_MAP
from devagent.tools.walk import walk_files
from sandbox.local import LocalSandbox

AIDER_SETUP = "python3 -m venv /tmp/aider-venv && /tmp/aider-venv/bin/pip install aider-chat"
WARM_RUNS = 5
PROBE = Path(__file__).resolve().parent / "aider_repomap_probe.py"


def fetch_sdist(spec: str, into: Path) -> Path:
    """Download and unpack the sdist of `spec`; return the unpacked source root."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         spec, "-d", str(into)],
        check=True, capture_output=True,
    )  # fmt: skip
    archive = next(into.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into / "src", filter="data")
    return next((into / "src").iterdir())


def time_ours(root: Path, cache: Path, max_tokens: int) -> dict[str, float]:
    ctx = ToolContext(workspace=root, sandbox=LocalSandbox(root), cache_dir=cache)
    args = {"max_tokens": max_tokens}
    result: dict[str, float] = {}
    started = time.perf_counter()
    obs = REPO_MAP(args, ctx)
    result["cold"] = time.perf_counter() - started
    result["cold_parsed"] = obs.data["index"]["parsed"]
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        obs = REPO_MAP(args, ctx)
        warm.append(time.perf_counter() - started)
    result["warm"] = statistics.median(warm)
    result["warm_parsed"] = obs.data["index"]["parsed"]
    result["chars"], result["tokens"] = len(obs.text), obs.data["tokens"]
    result["files"] = obs.data["index"]["files"]
    victim = next(p for p in walk_files(root) if p.suffix == ".py")
    victim.write_text(victim.read_text() + "\n\ndef bench_added_function():\n    pass\n")
    started = time.perf_counter()
    obs = REPO_MAP(args, ctx)
    result["one_change"] = time.perf_counter() - started
    result["one_change_parsed"] = obs.data["index"]["parsed"]
    return result


def time_aider(aider_python: Path, root: Path, max_tokens: int) -> dict[str, float] | str:
    if not aider_python.exists():
        return f"no aider venv at {aider_python}; create one with: {AIDER_SETUP}"
    listing = root.parent / "files.txt"
    listing.write_text("\n".join(p.relative_to(root).as_posix() for p in walk_files(root)))
    proc = subprocess.run(
        [str(aider_python), str(PROBE), str(root), str(listing), str(max_tokens)],
        capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return "aider probe failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def report(spec: str, ours: dict[str, float], aider: dict[str, float] | str) -> None:
    print(f"repo map benchmark: {spec}, {int(ours['files'])} source files indexed")
    print(
        f"(warm: median of {WARM_RUNS} runs; 1-change: map after appending a function to one file)"
    )
    print(f"{'':22}{'cold s':>9}{'warm s':>9}{'1-change s':>12}{'map chars':>11}")
    print(
        f"{'devagent repo_map':22}{ours['cold']:9.3f}{ours['warm']:9.3f}"
        f"{ours['one_change']:12.3f}{int(ours['chars']):11d}"
    )
    print(
        f"  parsed files: cold {int(ours['cold_parsed'])}, warm {int(ours['warm_parsed'])}, "
        f"after one change {int(ours['one_change_parsed'])}; map ~{int(ours['tokens'])} tokens"
    )
    warm_ratio = ours["warm"] / ours["cold"]
    if isinstance(aider, str):
        print(f"aider RepoMap: not run ({aider})")
    else:
        name, chars = "aider RepoMap", int(aider["chars"])
        print(f"{name:22}{aider['cold']:9.3f}{aider['warm']:9.3f}{'-':>12}{chars:11d}")
        cold_ratio = ours["cold"] / aider["cold"]
        verdict = "met" if cold_ratio <= 0.5 else "MISSED"
        print(f"cold ratio ours/aider: {cold_ratio:.3f} (target <= 0.5: {verdict})")
    verdict = "met" if warm_ratio <= 0.05 else "MISSED"
    print(f"warm ratio ours warm/ours cold: {warm_ratio:.3f} (target <= 0.05: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="requests==2.32.3")
    parser.add_argument("--aider-python", type=Path, default=Path("/tmp/aider-venv/bin/python"))
    parser.add_argument("--max-tokens", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="repomap-bench-") as tmp:
        root = fetch_sdist(args.package, Path(tmp))
        aider = time_aider(args.aider_python, root, args.max_tokens)
        ours = time_ours(root, Path(tmp) / "cache", args.max_tokens)
        report(args.package, ours, aider)


if __name__ == "__main__":
    main()
