"""The price of gVisor: the same sandbox work under runc and runsc in one run, as ratios.

  python perf/runtime_bench.py [--image IMG] [--starts N] [-n N] [--json PATH]

Per runtime: start-to-ready of a DockerSandbox (and its close), session command latency of
`true` and of `python3 -c pass` (p50/p90), a one-shot command, and a file-heavy command (every
file under /usr listed). The runtimes take turns, round by round, so that the load of a shared
machine weighs on both alike. The last column is runsc / runc.
"""

from __future__ import annotations

import argparse
import functools
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


def config(image: str, runtime: str) -> SandboxConfig:
    return SandboxConfig(image=image, runtime=None if runtime == "runc" else runtime)


def once(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def starts(image: str, n: int, out: dict[str, dict[str, list[float]]]) -> None:
    """Start-to-ready and close of `n` sandboxes per runtime, the runtimes taking turns."""
    for _ in range(n):
        for rt in RUNTIMES:
            began = time.perf_counter()
            sb = DockerSandbox(config(image, rt)).start()
            out[rt]["start to ready"].append((time.perf_counter() - began) * 1000)
            out[rt]["close"].append(once(sb.close))


COMMANDS = {
    "session `true`": ("true", True, 1),
    "session `python3 -c pass`": ("python3 -c pass", True, 4),
    "one-shot `true`": ("true", False, 4),
    "list /usr (find)": ("find /usr -xdev | wc -l", True, 20),
}
"""what -> (command, session, run it once every N rounds)."""


def commands(image: str, n: int, out: dict[str, dict[str, list[float]]]) -> None:
    """`n` rounds; in each, every command under one runtime then the other (alternating)."""
    with DockerSandbox(config(image, "runc")) as a, DockerSandbox(config(image, "runsc")) as b:
        boxes = {"runc": a, "runsc": b}
        for what, (command, session, every) in COMMANDS.items():
            for sb in boxes.values():  # warm-up
                sb.exec(command, session=session, timeout=120)
            for i in range(n):
                if i % every:
                    continue
                for rt in RUNTIMES if i % 2 == 0 else RUNTIMES[::-1]:
                    run = functools.partial(boxes[rt].exec, command, session=session, timeout=120)
                    out[rt][what].append(once(run))


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
    results: dict[str, dict[str, list[float]]] = {
        rt: {what: [] for what in ("start to ready", "close", *COMMANDS)} for rt in RUNTIMES
    }
    starts(args.image, args.starts, results)
    commands(args.image, args.n, results)
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
