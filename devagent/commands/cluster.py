"""`devagent cluster`: start, join, stop and inspect the Ray cluster bench runs spread over."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from devagent.commands.flags import epilog

EXAMPLES = """
devagent cluster up --head                         this machine is the head (port 6379)
devagent cluster join 10.0.0.5:6379                another machine (its token file copied)
devagent cluster join 10.0.0.5:6379 --token-file /run/secrets/devagent-token
devagent cluster status --json                     nodes, free sandbox slots, images per node
devagent bench --executor ray --address 10.0.0.5:6379 tasks/
devagent cluster down                              stop this machine's node"""


def _node_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandboxes", type=int, default=None, metavar="N",
        help="sandbox slots this node offers (default: from its cores and memory)",
    )  # fmt: skip
    parser.add_argument("--ip", default=None, help="the address this node advertises")
    parser.add_argument(
        "--temp-dir", type=Path, default=Path(f"/tmp/devagent-ray-{os.getuid()}"),
        help="Ray's session folder (sockets, logs)",
    )  # fmt: skip
    parser.add_argument(
        "--object-store-memory", type=int, default=None, metavar="BYTES",
        help="Ray's object store (default: Ray's, 30%% of memory)",
    )  # fmt: skip


def add_parser(sub: Any) -> None:
    cluster = sub.add_parser(
        "cluster", help="run bench on many machines (a Ray cluster)", epilog=epilog(EXAMPLES)
    )
    actions = cluster.add_subparsers(dest="cluster_command", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="start this machine as the head node")
    up.add_argument("--head", action="store_true", help="start the head node (required)")
    up.add_argument(
        "--port", type=int, default=6379,
        help="the head's port (0: free ports everywhere, for tests)",
    )  # fmt: skip
    up.add_argument("--dashboard", action="store_true", help="Ray's dashboard on 127.0.0.1:8265")
    _node_flags(up)
    join = actions.add_parser("join", help="add this machine to a cluster")
    join.add_argument("address", help="the head's HOST:PORT")
    join.add_argument(
        "--token-file", type=Path, default=None,
        help="the head's token file, copied here (default: the state folder's token; "
        "or set DEVAGENT_CLUSTER_TOKEN)",
    )  # fmt: skip
    join.add_argument(
        "--free-ports", action="store_true",
        help="any free ports instead of the fixed ones (a second node on one machine, tests)",
    )  # fmt: skip
    _node_flags(join)
    actions.add_parser("down", help="stop this machine's node")
    status = actions.add_parser("status", help="nodes, sandbox slots, images per node")
    status.add_argument("--json", action="store_true", help="print the status as JSON on stdout")
    status.add_argument("--address", default=None, help="the head's HOST:PORT (default: ours)")


def run(args: argparse.Namespace, console: Console, err_console: Console) -> int:
    from devagent.config import load_settings

    state = load_settings({}, None).cache_dir / "cluster"
    if args.cluster_command == "down":
        return down(state, console)
    if args.cluster_command == "status":
        return status(args, state, console)
    return start(args, state, console, err_console)


def down(state: Path, console: Console) -> int:
    from devagent.cluster.node import stop_node

    record = stop_node(state)
    if record is None:
        console.print("no devagent node runs on this machine")
    else:
        console.print(f"stopped this machine's node of {record.address} (pid {record.pid})")
    return 0


def status(args: argparse.Namespace, state: Path, console: Console) -> int:
    from devagent.cluster import ClusterError
    from devagent.cluster.node import read_record
    from devagent.cluster.status import gather
    from devagent.cluster.token import ray_auth_env, read_token

    record = read_record(state)
    address = args.address or (record.address if record else "")
    if not address:
        raise ClusterError("no devagent node runs here: give --address HEAD:PORT")
    token = Path(record.token) if record and record.token else state / "token"
    read_token(token)
    os.environ.update(ray_auth_env(token))  # before Ray is imported: the driver authenticates
    report = gather(address)
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
        return 0
    console.print(
        f"cluster {report.address}: {report.sandboxes_free}/{report.sandboxes_total} "
        "sandbox slots free"
    )
    for node in report.nodes:
        role = "head" if node.head else "node"
        if not node.alive:
            console.print(f"  {role} {node.address}  [red]dead[/]")
            continue
        images = node.images_error or f"{len(node.images)} devagent image(s)"
        console.print(
            f"  {role} {node.address}  alive  {node.sandboxes_free}/{node.sandboxes_total} "
            f"slots free, {node.cpus:g} CPUs, {images}"
        )
    return 0


def start(args: argparse.Namespace, state: Path, console: Console, err_console: Console) -> int:
    """`up --head` or `join`: check Docker and the base image, then start the node."""
    from devagent.cluster import ClusterError
    from devagent.cluster.node import HEAD_PORT, NodePlan, start_node
    from devagent.cluster.token import (
        TOKEN_ENV,
        check_token,
        new_token,
        ray_auth_env,
        read_token,
        write_token,
    )

    head = args.cluster_command == "up"
    if head and not args.head:
        raise ClusterError("`cluster up` starts a head node: add --head (other machines: join)")
    given = os.environ.get(TOKEN_ENV, "").strip()
    if not head and given:
        check_token(given, where=TOKEN_ENV)  # the token is checked before anything starts
    elif not head:
        read_token(args.token_file or state / "token")
    cpus, sandboxes = _ready_machine(args, err_console)
    if head or given:
        token = write_token(state / "token", given if given and not head else new_token())
    else:
        token = args.token_file or state / "token"
    plan = NodePlan(
        node_ip=args.ip or _local_ip("" if head else args.address),
        sandboxes=sandboxes,
        cpus=cpus,
        temp_dir=args.temp_dir,
        head_address="" if head else args.address,
        port=args.port if head else (0 if args.free_ports else HEAD_PORT),
        object_store_bytes=args.object_store_memory,
        dashboard=head and args.dashboard,
    )
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV} | ray_auth_env(token)
    record = start_node(plan, state, env)
    role = "head node" if head else "node"
    console.print(f"{role} up: cluster {record.address}, {sandboxes} sandbox slot(s), {cpus} CPUs")
    if head:
        console.print(f"token: {token} (copy it to the other machines' same path, mode 600)")
        console.print(f"other machines: devagent cluster join {record.address}")
        console.print(f"bench: devagent bench --executor ray --address {record.address} tasks/")
    return 0


def _ready_machine(args: argparse.Namespace, err_console: Console) -> tuple[int, int]:
    """Docker answers and the base image is here (pulled or built): this machine's cores and
    its sandbox slots. Nothing of Ray is started before this passes."""
    from devagent.cluster import ClusterError
    from devagent.cluster.slots import GIB, sandbox_slots
    from devagent.commands.progress import SetupProgress
    from devagent.config import host_environ, load_settings
    from sandbox.client import docker_client
    from sandbox.hostconfig import read_host_config
    from sandbox.images import ensure_base_image

    client = docker_client(timeout=30)
    info = client.info()
    cores, memory = int(info.get("NCPU") or os.cpu_count() or 1), int(info.get("MemTotal") or 0)
    host = read_host_config(environ=host_environ(load_settings({}, None), os.environ))
    with SetupProgress(err_console, verbose=getattr(args, "verbose", False)) as say:
        ensure_base_image(client=client, host=host, on_progress=say)
    sandboxes = args.sandboxes if args.sandboxes is not None else sandbox_slots(cores, memory)
    if sandboxes < 1:
        raise ClusterError(
            f"this machine has room for no sandbox ({cores} cores, {memory / GIB:.1f} GiB); "
            "give --sandboxes N to offer some anyway"
        )
    return cores, sandboxes


def _local_ip(head_address: str) -> str:
    """The address this machine reaches the head (or the outside) from; no packet is sent."""
    import socket

    target = head_address.rpartition(":")[0] or "192.0.2.1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((target, 9))
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostbyname(socket.gethostname())
