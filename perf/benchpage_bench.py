"""Benchmark: what the bench page weighs and how long it takes to write, for a 100-task bench
(made-up outcomes, `devagent.pages.benchsample`), cold (a fresh process: imports included)
and warm; and the same for the comparison page of two such benches.

    python perf/benchpage_bench.py [--tasks 100]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devagent.pages.bench import write_bench_page
from devagent.pages.benchsample import sample_outcomes
from devagent.pages.compare import compare_runs, write_compare_page

COLD = """
import sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
from devagent.pages.bench import write_bench_page
from devagent.pages.benchsample import sample_outcomes
from pathlib import Path
write_bench_page(Path({out!r}), sample_outcomes({n}), model="m", wall_s=3600.0, jobs=4)
print(time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100)
    n = parser.parse_args().tasks
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        colds = [
            float(
                subprocess.check_output(
                    [sys.executable, "-c", COLD.format(root=root, out=tmp, n=n)]
                )
            )
            for _ in range(3)
        ]
        outcomes = sample_outcomes(n)
        warm = []
        for _ in range(5):
            started = time.perf_counter()
            page = write_bench_page(out, outcomes, model="m", wall_s=3600.0, jobs=4)
            warm.append(time.perf_counter() - started)
        size = page.stat().st_size
        gz = len(gzip.compress(page.read_bytes()))
        started = time.perf_counter()
        other = sample_outcomes(n, seed=1)
        compared = write_compare_page(out / "compare.html", compare_runs(outcomes, other))
        compare_s = time.perf_counter() - started
        print(f"bench page, {n} tasks: {size / 1024:.0f} KiB ({gz / 1024:.0f} KiB gzipped)")
        print(f"  write, cold process (imports included): median {statistics.median(colds):.2f} s")
        print(f"  write, warm: median {statistics.median(warm):.3f} s")
        print(
            f"compare page, {n} + {n} tasks: {compared.stat().st_size / 1024:.0f} KiB, "
            f"written in {compare_s:.3f} s"
        )


if __name__ == "__main__":
    main()
