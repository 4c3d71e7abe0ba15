"""Sandbox speed, each figure beside a floor measured in the same run (ratios, not absolutes).

  python perf/sandbox_bench.py [--image IMG] [-n N] [--json PATH]

(a) start-to-ready of a DockerSandbox vs `docker run --rm IMAGE true`;
(b) per-command `true` p50/p95 through the persistent session and the one-shot mode, vs a bare
    persistent bash over one exec socket with a sentinel, the SDK's exec_create+start+inspect,
    and a host subprocess; 50 KB of output through the session vs the bare bash (each figure
    and its floor taken alternately, so load from elsewhere falls on both);
(c) host memory growth while a command floods 1 GiB of output.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sandbox.client import docker_client
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.frames import FrameSocket

FIFTY_KB = "head -c 50000 /dev/zero | tr '\\0' a"


def timed(fn: Callable[[], object], n: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def timed_pair(
    fn_a: Callable[[], object], fn_b: Callable[[], object], n: int
) -> tuple[list[float], list[float]]:
    """Time `fn_a` and its floor `fn_b` alternately (a, b, a, b, ...), so that load from other
    processes falls on both alike and their ratio holds."""
    a: list[float] = []
    b: list[float] = []
    fn_a()  # warm-up
    fn_b()
    for _ in range(n):
        for fn, out in ((fn_a, a), (fn_b, b)):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return a, b


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class BareShell:
    """The floor: a bash over one exec socket, a sentinel after each command, nothing else."""

    def __init__(self, client, container_id: str) -> None:
        exec_id = client.api.exec_create(container_id, ["bash"], stdin=True, user="1000")["Id"]
        raw = client.api.exec_start(exec_id, socket=True)
        self.io = FrameSocket(raw._sock)

    def run(self, command: str) -> bytes:
        self.io.send(f"{command}; echo __END__\n".encode())
        buf = b""
        while not buf.endswith(b"__END__\n"):
            buf += self.io.recv(time.monotonic() + 30)
        return buf


def sdk_exec(client, container_id: str) -> None:
    exec_id = client.api.exec_create(container_id, ["true"], user="1000")["Id"]
    client.api.exec_start(exec_id)
    client.api.exec_inspect(exec_id)


def docker_run_true(image: str) -> None:
    if shutil.which("docker"):
        subprocess.run(["docker", "run", "--rm", image, "true"], check=True, capture_output=True)
    else:
        docker_client().containers.run(image, "true", remove=True)


def start_sandbox(image: str, ws: Path) -> None:
    with DockerSandbox(SandboxConfig(image=image, workspace=ws)) as sb:
        sb.exec("true")


def flood_growth_mib(sb: DockerSandbox) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = sb.exec("yes | head -c 1G", timeout=600)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return grown, result.dropped_bytes


def measure(image: str, n: int) -> dict[str, dict[str, float]]:
    client = docker_client()
    ws = Path(tempfile.mkdtemp(prefix="devagent-bench-"))
    rows: dict[str, list[float]] = {}
    rows["start: DockerSandbox start-to-ready"] = timed(
        lambda: start_sandbox(image, ws), max(5, n // 20)
    )
    rows["start floor: docker run --rm IMAGE true"] = timed(
        lambda: docker_run_true(image), max(5, n // 20)
    )
    with DockerSandbox(SandboxConfig(image=image, workspace=ws), client=client) as sb:
        bare = BareShell(client, sb.container.id)
        rows["true: session exec"], rows["true floor: bare bash + sentinel"] = timed_pair(
            lambda: sb.exec("true"), lambda: bare.run("true"), n
        )
        rows["true: one-shot exec"], rows["true floor: SDK exec create+start+inspect"] = timed_pair(
            lambda: sb.exec("true", session=False),
            lambda: sdk_exec(client, sb.container.id),
            max(20, n // 10),
        )
        rows["true floor: host subprocess.run"] = timed(lambda: subprocess.run(["true"]), n)
        rows["50KB: session exec"], rows["50KB floor: bare bash + sentinel"] = timed_pair(
            lambda: sb.exec(FIFTY_KB), lambda: bare.run(FIFTY_KB), n // 2
        )
        growth, dropped = flood_growth_mib(sb)
    shutil.rmtree(ws, ignore_errors=True)
    stats = {
        k: {"p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95), "n": len(v)} for k, v in rows.items()
    }
    stats["flood 1 GiB: host RSS growth"] = {"mib": growth, "dropped_bytes": dropped}
    return stats


RATIOS = [
    (
        "session true / bare bash floor",
        "true: session exec",
        "true floor: bare bash + sentinel",
        3.0,
    ),
    (
        "one-shot true / SDK exec floor",
        "true: one-shot exec",
        "true floor: SDK exec create+start+inspect",
        1.3,
    ),
    (
        "start-to-ready / docker run --rm",
        "start: DockerSandbox start-to-ready",
        "start floor: docker run --rm IMAGE true",
        1.5,
    ),
    (
        "50KB session / bare bash floor",
        "50KB: session exec",
        "50KB floor: bare bash + sentinel",
        3.0,
    ),
]


def report(stats: dict, console: Console) -> dict[str, float]:
    table = Table(title="sandbox latency (ms)")
    for col in ("measure", "p50", "p95", "n"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for name, row in stats.items():
        if "p50_ms" in row:
            table.add_row(name, f"{row['p50_ms']:.2f}", f"{row['p95_ms']:.2f}", str(row["n"]))
    console.print(table)
    ratios = Table(title="ratios of p50 (same run)")
    for col in ("ratio", "value", "target", "met"):
        ratios.add_column(col)
    out = {}
    for label, a, b, target in RATIOS:
        value = stats[a]["p50_ms"] / stats[b]["p50_ms"]
        out[label] = value
        ratios.add_row(label, f"{value:.2f}x", f"<= {target}x", "yes" if value <= target else "NO")
    flood = stats["flood 1 GiB: host RSS growth"]
    ratios.add_row(
        "flood 1 GiB host RSS growth",
        f"{flood['mib']:.1f} MiB",
        "< 50 MiB",
        "yes" if flood["mib"] < 50 else "NO",
    )
    console.print(ratios)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--image", default="devagent/base:latest")
    parser.add_argument("-n", type=int, default=200, help="samples per per-command figure")
    parser.add_argument("--json", type=Path, default=Path("perf/out/sandbox_bench.json"))
    args = parser.parse_args()
    console = Console()
    stats = measure(args.image, args.n)
    ratios = report(stats, console)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"stats": stats, "ratios": ratios}, indent=2))
    console.print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
