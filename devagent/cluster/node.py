"""One Ray node of devagent's cluster on this machine: `ray start` with the right resources,
ports and token, run as a child devagent can stop again by its process id.

`start_argv` is the pure part. The node runs as `ray start --block` in a session of its own;
its pid and start time are kept in the state folder, so that `stop` ends that process group
and nothing else (never `ray stop`, which ends every Ray process of the machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from devagent.cluster import SANDBOX_RESOURCE, ClusterError
from sandbox.lifecycle import process_start_time

HEAD_PORT = 6379
FIXED_PORTS = {
    "--object-manager-port": 8076,
    "--node-manager-port": 8077,
    "--runtime-env-agent-port": 8078,
    "--dashboard-agent-grpc-port": 8079,
    "--metrics-export-port": 8080,
    "--dashboard-agent-listen-port": 52365,
    "--min-worker-port": 10002,
    "--max-worker-port": 19999,
}
"""Every port a node listens on, fixed so that a firewall can name them (README, "Many
machines"); the head also listens on its GCS port and the Ray client's 10001."""
CLIENT_PORT = 10001
READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
RECORD = "node.json"


@dataclass(frozen=True)
class NodePlan:
    """What `ray start` is asked for."""

    node_ip: str
    """The address the node advertises to the others (never 0.0.0.0)."""
    sandboxes: int
    cpus: int
    temp_dir: Path
    """Ray's session folder (sockets, logs)."""
    head_address: str = ""
    """HOST:PORT of the head to join; "" for the head itself."""
    port: int = HEAD_PORT
    """The head's GCS port; 0 for free ports everywhere (tests, several nodes on one machine)."""
    object_store_bytes: int | None = None
    dashboard: bool = False
    """Ray's dashboard on 127.0.0.1:8265 (reach it through an ssh tunnel)."""

    @property
    def head(self) -> bool:
        return not self.head_address


def start_argv(ray: str, plan: NodePlan) -> list[str]:
    """The `ray start` command line for `plan`. Pure."""
    argv = [ray, "start", "--block", "--disable-usage-stats", "--log-style", "record"]
    argv += ["--node-ip-address", plan.node_ip, "--num-cpus", str(plan.cpus)]
    argv += ["--resources", json.dumps({SANDBOX_RESOURCE: plan.sandboxes})]
    argv += ["--temp-dir", str(plan.temp_dir)]
    if plan.object_store_bytes:
        argv += ["--object-store-memory", str(plan.object_store_bytes)]
    if plan.head:
        argv += ["--head", "--port", str(plan.port)]
        argv += ["--include-dashboard", "true" if plan.dashboard else "false"]
        argv += ["--dashboard-host", "127.0.0.1"]
    else:
        argv += ["--address", plan.head_address]
    if plan.port != 0:
        for flag, port in FIXED_PORTS.items():
            argv += [flag, str(port)]
        if plan.head:
            argv += ["--ray-client-server-port", str(CLIENT_PORT)]
    return argv


def ray_command() -> str:
    """The `ray` of devagent's own environment (the nodes must all run the same Ray)."""
    beside = Path(sys.executable).parent / "ray"
    found = str(beside) if beside.is_file() else shutil.which("ray")
    if not found:
        raise ClusterError("the ray command is missing: pip install 'ray[default]' beside devagent")
    return found


@dataclass(frozen=True)
class NodeRecord:
    """The node this machine runs for devagent, as kept in `<state>/node.json`."""

    pid: int
    start: str
    """The process's start time (a recycled pid is not our node)."""
    address: str
    """The cluster's GCS address, HOST:PORT."""
    head: bool
    temp_dir: str
    log: str
    token: str = ""
    """The token file the node's Ray processes read (for `status` on this machine)."""

    def alive(self) -> bool:
        return bool(self.start) and process_start_time(self.pid) == self.start


def read_record(state: Path) -> NodeRecord | None:
    try:
        return NodeRecord(**json.loads((state / RECORD).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def start_node(plan: NodePlan, state: Path, env: Mapping[str, str]) -> NodeRecord:
    """Start the node and wait until Ray says it runs; its record. `env` is the environment
    of every Ray process of the node (the token's path included, never the token)."""
    token = env.get("RAY_AUTH_TOKEN_PATH", "")
    running = read_record(state)
    if running and running.alive():
        raise ClusterError(
            f"a devagent node already runs here (pid {running.pid}, cluster {running.address}); "
            "`devagent cluster down` first"
        )
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    plan.temp_dir.mkdir(parents=True, exist_ok=True)
    address_file = plan.temp_dir / "ray_current_cluster"
    address_file.unlink(missing_ok=True)
    log_path = state / "ray.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            start_argv(ray_command(), plan),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    start = process_start_time(proc.pid)
    record = NodeRecord(proc.pid, start, "", plan.head, str(plan.temp_dir), str(log_path), token)
    (state / RECORD).write_text(json.dumps(asdict(record)))
    address = _wait_ready(proc, address_file, log_path)
    record = NodeRecord(**{**asdict(record), "address": address})
    (state / RECORD).write_text(json.dumps(asdict(record)))
    return record


def _wait_ready(proc: subprocess.Popen[bytes], address_file: Path, log: Path) -> str:
    """The cluster address, once `ray start` has written it; the log's tail if Ray gives up."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise ClusterError(f"ray start failed (exit {proc.returncode}); its log {log}:\n{tail}")
        if address_file.is_file() and address_file.read_text().strip():
            return address_file.read_text().strip()
        time.sleep(0.2)
    _end(proc.pid)
    raise ClusterError(f"the node did not start within {READY_TIMEOUT_S:g}s; see {log}")


def stop_node(state: Path) -> NodeRecord | None:
    """Stop the node this machine runs for devagent (SIGTERM: Ray drains and ends its
    processes; SIGKILL to its process group after STOP_TIMEOUT_S); None when none runs."""
    record = read_record(state)
    if record is None:
        return None
    if record.alive():
        _end(record.pid)
    (state / RECORD).unlink(missing_ok=True)
    return record


def _end(pid: int) -> None:
    start = process_start_time(pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while process_start_time(pid) == start and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    if process_start_time(pid) == start:
        os.killpg(pid, signal.SIGKILL)


def _reap(pid: int) -> None:
    """Collect our own child's exit status (a zombie keeps its /proc entry)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
