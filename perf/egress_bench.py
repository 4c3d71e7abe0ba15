"""The egress allowlist's cost, each figure beside the full network measured in the same run.

  python perf/egress_bench.py [--image IMG] [-n ROUNDS] [--package NAME==VERSION] [--json PATH]

(a) start-to-ready of a sandbox with `network='allow'` (internal network + squid container)
    vs `network='bridge'`, alternating round by round;
(b) the same `pip install --no-deps --target` of a small package, through the proxy to the
    `registries` preset vs straight over the bridge, alternating round by round (pip's cache off,
    so every round downloads).
Only the package registries are contacted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sandbox.client import docker_client
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.egress import registry_rules
from sandbox.egressimage import ensure_egress_image
from sandbox.hostconfig import DEFAULT_CA_BUNDLE, read_host_config

IMAGE_CA = "/etc/ssl/certs/devagent-ca.crt"


def _config(image: str, network: str, allow: tuple[str, ...]) -> SandboxConfig:
    mounts = {str(DEFAULT_CA_BUNDLE): IMAGE_CA} if DEFAULT_CA_BUNDLE.is_file() else {}
    env = {"PIP_CERT": IMAGE_CA, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return SandboxConfig(
        image=image,
        network=network,  # type: ignore[arg-type]
        allow=allow if network == "allow" else (),
        extra_mounts=mounts,
        env=env,
    )


def _round(config: SandboxConfig, client: Any, package: str) -> tuple[float, float]:
    """Seconds to a started sandbox, and seconds of the pip install in it."""
    start = time.perf_counter()
    with DockerSandbox(config, client=client) as sb:
        started = time.perf_counter() - start
        command = f"pip install -q --no-deps --no-compile --target /tmp/t {package}"
        result = sb.exec(command, timeout=300)
        if not result.ok:
            raise SystemExit(f"pip failed ({config.network}):\n{result.output}")
        return started, result.duration_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="devagent/base:latest")
    parser.add_argument("-n", "--rounds", type=int, default=5)
    parser.add_argument("--package", default="iniconfig==2.0.0")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    client = docker_client()
    ensure_egress_image(client)
    allow = tuple(str(rule) for rule in registry_rules(read_host_config()))
    configs = {
        "bridge": _config(args.image, "bridge", ()),
        "allow": _config(args.image, "allow", allow),
    }
    for config in configs.values():  # warm-up: images in the page cache, pip's first import
        _round(config, client, args.package)
    figures: dict[str, dict[str, list[float]]] = {k: {"start": [], "pip": []} for k in configs}
    for _ in range(args.rounds):
        for name, config in configs.items():
            started, pip = _round(config, client, args.package)
            figures[name]["start"].append(started)
            figures[name]["pip"].append(pip)
    report(figures, args.package, allow)
    if args.json:
        args.json.write_text(json.dumps({"package": args.package, "figures": figures}, indent=2))


Figures = dict[str, dict[str, list[float]]]


def report(figures: Figures, package: str, allow: tuple[str, ...]) -> None:
    table = Table(title=f"egress allowlist ({', '.join(allow)}) vs bridge, {package}")
    for column in ("figure", "bridge median s", "allow median s", "ratio", "allow - bridge s"):
        table.add_column(column)
    for figure in ("start", "pip"):
        bridge = statistics.median(figures["bridge"][figure])
        allow_s = statistics.median(figures["allow"][figure])
        table.add_row(
            figure,
            f"{bridge:.3f}",
            f"{allow_s:.3f}",
            f"{allow_s / bridge:.2f}",
            f"{allow_s - bridge:+.3f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
