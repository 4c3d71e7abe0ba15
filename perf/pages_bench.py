"""What a run page weighs and how long it takes to write, by run length.

For each length, a made-up run folder (devagent.pages.sample: every record type, two sub-agent
lanes, long observations every fifth step) is written once, then its page is written `--repeat`
times with a redactor pass; prints the trajectory's size, the page's size (raw and gzipped), and
the median and worst time to write it. Also the import time of the page code, and how long each
chart takes to draw at 100 points.

    python perf/pages_bench.py [--steps 10 100 1000] [--repeat 7]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devagent.agent.redact import Redactor  # noqa: E402
from devagent.pages.charts import bar_chart, line_chart  # noqa: E402
from devagent.pages.run import write_run_page  # noqa: E402
from devagent.pages.sample import write_sample_run  # noqa: E402


def _import_seconds() -> float:
    code = (
        "import time; t = time.perf_counter(); import devagent.pages.run; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return float(out.stdout)


def _row(steps: int, repeat: int, root: Path) -> str:
    run_dir = write_sample_run(root / f"run{steps}", steps=steps)
    redactor = Redactor(["sk-sample-secret-1234"])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        page = write_run_page(run_dir, redact=redactor.text)
        times.append(time.perf_counter() - start)
    data = page.read_bytes()
    trajectory = (run_dir / "trajectory.jsonl").stat().st_size
    return (f"{steps:>6} {trajectory / 1024:>10.0f} {len(data) / 1024:>9.0f} "
            f"{len(gzip.compress(data)) / 1024:>8.0f} {statistics.median(times) * 1000:>10.0f} "
            f"{max(times) * 1000:>8.0f}")  # fmt: skip


def _chart_ms(repeat: int) -> tuple[float, float]:
    values = [float(i * i % 97) for i in range(100)]
    start = time.perf_counter()
    for _ in range(repeat):
        line_chart({"a": values, "b": values[::-1]}, title="t", marks={40: "stuck"})
    line = (time.perf_counter() - start) / repeat * 1000
    start = time.perf_counter()
    for _ in range(repeat):
        bar_chart([str(i) for i in range(100)], values, title="t")
    return line, (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"import devagent.pages.run: {_import_seconds() * 1000:.0f} ms (fresh interpreter)")
    line, bar = _chart_ms(50)
    print(f"charts at 100 points: line (2 series) {line:.1f} ms, bar {bar:.1f} ms")
    heads = ("steps", 6), ("traj KB", 10), ("page KB", 9), ("gzip KB", 8), ("median ms", 10)
    print(" ".join(f"{name:>{width}}" for name, width in heads), f"{'max ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for steps in args.steps:
            print(_row(steps, args.repeat, Path(tmp)))


if __name__ == "__main__":
    main()
