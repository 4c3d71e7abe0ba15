"""The price of gVisor: the same sandbox work under runc and runsc in one run, as ratios.

  python perf/runtime_bench.py [--image IMG] [--starts N] [-n N] [--json PATH]

Per runtime: start-to-ready of a DockerSandbox (and its close), session command latency of
`true` and of `python3 -c pass` (p50/p90), a one-shot command, and a file-heavy command (every
file under /usr listed). The last column is runsc / runc.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sandbox.client import docker_client
from sandbox.config import DEFAULT_IMAGE, SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.runtime import probe_runtime

RUNTIMES = ("runc", "runsc")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], object], n: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(n):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def config(image: str, runtime: str) -> SandboxConfig:
    return SandboxConfig(image=image, runtime=None if runtime == "runc" else runtime)


def starts(image: str, runtime: str, n: int) -> tuple[list[float], list[float]]:
    """Start-to-ready and close of `n` sandboxes, in ms."""
    ready, closed = [], []
    for _ in range(n):
        began = time.perf_counter()
        sb = DockerSandbox(config(image, runtime)).start()
        ready.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        sb.close()
        closed.append((time.perf_counter() - began) * 1000)
    return ready, closed


def commands(image: str, runtime: str, n: int) -> dict[str, list[float]]:
    with DockerSandbox(config(image, runtime)) as sb:

        def run(command: str, session: bool = True) -> Callable[[], object]:
            return lambda: sb.exec(command, session=session, timeout=120)

        return {
            "session `true`": timed(run("true"), n),
            "session `python3 -c pass`": timed(run("python3 -c pass"), max(5, n // 4)),
            "one-shot `true`": timed(run("true", session=False), max(5, n // 4)),
            "list /usr (find)": timed(run("find /usr -xdev | wc -l"), 3),
        }


def measure(image: str, runtime: str, n_starts: int, n: int) -> dict[str, list[float]]:
    ready, closed = starts(image, runtime, n_starts)
    return {"start to ready": ready, "close": closed, **commands(image, runtime, n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("-n", type=int, default=100, help="session commands per runtime")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    probe = probe_runtime(docker_client(), args.image, "runsc")
    if not probe.ok:
        raise SystemExit(f"runsc cannot run a sandbox here: {probe.problem}")
    results = {rt: measure(args.image, rt, args.starts, args.n) for rt in RUNTIMES}
    table = Table(title=f"runc vs runsc ({' '.join(probe.args)}), ms")
    for column in ("what", "runc p50", "runc p90", "runsc p50", "runsc p90", "p50 ratio"):
        table.add_column(column, justify="right" if column != "what" else "left")
    report = {}
    for what in results["runc"]:
        a, b = results["runc"][what], results["runsc"][what]
        ratio = pct(b, 0.5) / max(pct(a, 0.5), 1e-6)
        table.add_row(
            what,
            *(f"{pct(v, q):.1f}" for v in (a, b) for q in (0.5, 0.9)),
            f"{ratio:.1f}x",
        )
        report[what] = {
            "runc_p50": pct(a, 0.5),
            "runc_p90": pct(a, 0.9),
            "runsc_p50": pct(b, 0.5),
            "runsc_p90": pct(b, 0.9),
            "ratio_p50": ratio,
        }
    Console().print(table)
    if args.json:
        args.json.write_text(json.dumps({"runsc_args": probe.args, "results": report}, indent=2))


if __name__ == "__main__":
    main()
