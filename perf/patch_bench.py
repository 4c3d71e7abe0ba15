"""Benchmark apply_patch against git apply and GNU patch on perturbed real diffs.

The corpus is built at run time: file-by-file diffs between consecutive releases of real
packages (source distributions fetched with `pip download`, cached under --cache-dir), each
perturbed the ways models get diffs wrong, plus deliberately ambiguous cases (the hunk's
before-block duplicated elsewhere in the file, line numbers pointing at neither copy).

For every case and tool: "applied" means the tool reported success; "wrong" means it reported
success but the file differs from the true post-image (wrong place, mangled lines or endings).
On ambiguous cases the right answer is to refuse; any application there is counted as a guess.
Dropped/invented-context cases get recounted `@@` headers (so the baselines are not failed by the
counts alone) and keep at least one non-blank context line per hunk. Our tool is timed in
process (parse + match, no file I/O); the baselines include their process start-up.

    python perf/patch_bench.py            # full corpus (first run downloads 17 sdists)
    python perf/patch_bench.py --quick    # fewer releases and cases, well under a minute
"""

from __future__ import annotations

import argparse
import difflib
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from devagent.tools.diffparse import PatchFormatError, parse_patch
from devagent.tools.patch import apply_file_patches
from perf.perturb import PERTURBATIONS, make_ambiguous

RELEASES = {
    "requests": ["2.26.0", "2.28.2", "2.31.0", "2.32.3"],
    "click": ["8.0.4", "8.1.3", "8.1.7"],
    "flask": ["2.3.3", "3.0.0"],
    "jinja2": ["3.0.3", "3.1.2", "3.1.4"],
    "urllib3": ["1.26.18", "2.0.7", "2.2.1"],
    "markdown": ["3.4.4", "3.5.2"],
}
QUICK_RELEASES = {"requests": ["2.31.0", "2.32.3"], "click": ["8.1.3", "8.1.7"]}
TEXT_SUFFIXES = {".py", ".pyi", ".rst", ".md", ".txt", ".toml", ".cfg", ".ini", ".html", ".js"}


@dataclass(frozen=True)
class Case:
    path: str
    before: str
    after: str | None
    """The true post-image; None for an ambiguous case (the right answer is to refuse)."""
    diff: str
    kind: str


def fetch(releases: dict[str, list[str]], cache: Path) -> dict[str, list[Path]]:
    """Extracted source trees per package, oldest first (downloads what the cache lacks)."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = [(name, version) for name, versions in releases.items() for version in versions]
    with ThreadPoolExecutor(max_workers=6) as pool:
        trees = list(pool.map(lambda nv: _fetch_one(*nv, cache), wanted))
    out: dict[str, list[Path]] = defaultdict(list)
    for (name, _), tree in zip(wanted, trees, strict=True):
        out[name].append(tree)
    return out


def _fetch_one(name: str, version: str, cache: Path) -> Path:
    tree = cache / f"{name}-{version}"
    if tree.is_dir():
        return tree
    download = cache / "sdists"
    found = list(download.glob(f"{name}-{version}.tar.gz")) + list(
        download.glob(f"{name.capitalize()}-{version}.tar.gz")
    )
    if not found:
        _pip_download(f"{name}=={version}", download)
        found = [
            p for p in download.glob("*.tar.gz") if p.name.lower() == f"{name}-{version}.tar.gz"
        ]
    with tempfile.TemporaryDirectory(dir=cache) as tmp, tarfile.open(found[0]) as tar:
        tar.extractall(tmp, filter="data")
        (top,) = Path(tmp).iterdir()
        top.rename(tree)
    return tree


def _pip_download(requirement: str, dest: Path) -> None:
    """Fetch one sdist. Without build isolation first: pip then reads the metadata with the
    setuptools already installed instead of building every build dependency from source."""
    base = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
    for extra in (["--no-build-isolation"], []):
        proc = subprocess.run([*base, *extra, requirement, "-d", str(dest)], capture_output=True)
        if proc.returncode == 0:
            return
    raise SystemExit(f"pip download {requirement} failed:\n{proc.stderr.decode()[-2000:]}")


def real_diffs(trees: dict[str, list[Path]]) -> list[Case]:
    cases = []
    for versions in trees.values():
        for old, new in itertools.pairwise(versions):
            cases.extend(_pair_diffs(old, new))
    return cases


def _pair_diffs(old: Path, new: Path) -> list[Case]:
    cases = []
    for path in sorted(p for p in old.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file()):
        rel = path.relative_to(old).as_posix()
        other = new / rel
        if not other.is_file():
            continue
        before, after = _text(path), _text(other)
        if before is None or after is None or before == after:
            continue
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True), after.splitlines(keepends=True),
                f"a/{rel}", f"b/{rel}", n=3,
            )
        )  # fmt: skip
        cases.append(Case(rel, before, after, diff, "clean"))
    return cases


def _text(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    ok = text.endswith("\n") and "\r" not in text and "\t" not in text
    return text if ok else None


def ours(case: Case, scratch: Path) -> str | None:
    """Our result text for the case's file, or None when apply_patch refused."""
    try:
        result = apply_file_patches(parse_patch(case.diff), {case.path: case.before})
    except PatchFormatError:
        return None
    if not result.ok or set(result.contents) != {case.path}:
        return None
    return result.contents[case.path]


def external(command: list[str]) -> Callable[[Case, Path], str | None]:
    def run(case: Case, scratch: Path) -> str | None:
        shutil.rmtree(scratch, ignore_errors=True)
        target = scratch / case.path
        target.parent.mkdir(parents=True)
        target.write_bytes(case.before.encode())
        (scratch / ".bench.diff").write_bytes(case.diff.encode())
        proc = subprocess.run(command, cwd=scratch, capture_output=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not target.is_file():
            return None
        return target.read_bytes().decode("utf-8", "replace")

    return run


TOOLS: dict[str, Callable[[Case, Path], str | None]] = {
    "devagent apply_patch": ours,
    "git apply": external(["git", "apply", "-p1", ".bench.diff"]),
    "git apply --recount -C1": external(["git", "apply", "-p1", "--recount", "-C1", ".bench.diff"]),
    "patch --fuzz=3": external(
        [
            "patch",
            "-p1",
            "--fuzz=3",
            "--batch",
            "--forward",
            "--no-backup-if-mismatch",
            "--reject-file=-",
            "-i",
            ".bench.diff",
        ]
    ),
}


def build_corpus(clean: list[Case], limit: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    rng.shuffle(clean)
    base = clean[:limit]
    cases = list(base)
    for name, perturb in PERTURBATIONS.items():
        for case in base:
            diff, before, after = perturb(case.diff, case.before, case.after or "", rng)
            cases.append(replace(case, diff=diff, before=before, after=after, kind=name))
    for case in base:
        ambiguous = make_ambiguous(case.diff, case.before, rng)
        if ambiguous is not None:
            cases.append(replace(case, diff=ambiguous[0], before=ambiguous[1], after=None,
                                 kind="ambiguous"))  # fmt: skip
    return cases


def evaluate(cases: list[Case], workers: int) -> dict[str, Counter[tuple[str, str]]]:
    """Per tool, counts of (case kind, outcome) with outcome 'ok', 'wrong' or 'refused'."""
    root = Path(tempfile.mkdtemp(prefix="patch-bench-"))
    tallies: dict[str, Counter[tuple[str, str]]] = {name: Counter() for name in TOOLS}

    def one(index: int) -> list[tuple[str, str, str, float]]:
        case, scratch = cases[index], root / f"w{index}"
        out = []
        for name, tool in TOOLS.items():
            started = time.perf_counter()
            result = tool(case, scratch)
            elapsed = time.perf_counter() - started
            outcome = "refused" if result is None else "ok" if result == case.after else "wrong"
            out.append((name, case.kind, outcome, elapsed))
        shutil.rmtree(scratch, ignore_errors=True)
        return out

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for rows in pool.map(one, range(len(cases))):
            for name, kind, outcome, elapsed in rows:
                tallies[name][(kind, outcome)] += 1
                tallies[name][("time", "ms")] += elapsed * 1000  # type: ignore[assignment]
    shutil.rmtree(root, ignore_errors=True)
    return tallies


def report(cases: list[Case], tallies: dict[str, Counter[tuple[str, str]]]) -> str:
    kinds = list(dict.fromkeys(case.kind for case in cases if case.after is not None))
    sizes = Counter(case.kind for case in cases)
    unambiguous = sum(sizes[k] for k in kinds)
    width = max(len(k) for k in [*kinds, "ambiguous"]) + 2
    head = f"{'case kind':<{width}}{'n':>6}" + "".join(f"{name:>26}" for name in TOOLS)
    lines = [head, "-" * len(head)]
    for kind in kinds:
        cells = "".join(
            f"{tallies[n][(kind, 'ok')]:>20} ok/{tallies[n][(kind, 'wrong')]:>2}w" for n in TOOLS
        )
        lines.append(f"{kind:<{width}}{sizes[kind]:>6}{cells}")
    lines.append("-" * len(head))
    rate = "".join(
        f"{100 * sum(tallies[n][(k, 'ok')] for k in kinds) / unambiguous:>25.1f}%" for n in TOOLS
    )
    wrong = "".join(f"{sum(tallies[n][(k, 'wrong')] for k in kinds):>26}" for n in TOOLS)
    amb = "".join(
        f"{tallies[n][('ambiguous', 'refused')]:>16} refused/{sizes['ambiguous']:>1}" for n in TOOLS
    )
    lines.append(f"{'apply rate':<{width}}{unambiguous:>6}{rate}")
    lines.append(f"{'wrong results':<{width}}{'':>6}{wrong}")
    lines.append(f"{'ambiguous':<{width}}{sizes['ambiguous']:>6}{amb}")
    per_case = "".join(f"{tallies[n][('time', 'ms')] / len(cases):>23.2f} ms" for n in TOOLS)
    lines.append(f"{'mean time/case':<{width}}{len(cases):>6}{per_case}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer releases and diffs")
    parser.add_argument("--limit", type=int, default=None, help="real diffs to use")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache/devagent-bench")
    args = parser.parse_args()
    started = time.monotonic()
    trees = fetch(QUICK_RELEASES if args.quick else RELEASES, args.cache_dir)
    clean = real_diffs(trees)
    limit = args.limit or (60 if args.quick else 400)
    cases = build_corpus(clean, limit, args.seed)
    print(f"{min(limit, len(clean))} real file diffs (of {len(clean)}), {len(cases)} cases")
    print(report(cases, evaluate(cases, args.workers)))
    print(f"took {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
