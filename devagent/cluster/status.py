"""What a running cluster offers: its nodes, their sandbox slots, and the env images each has.

`gather` connects to the cluster as a Ray driver (the token's path in the environment), asks
Ray for its nodes and resources, and runs one tiny task pinned to each live node that lists
the devagent images of that node's Docker daemon. `summary` is the pure part.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from devagent.cluster import SANDBOX_RESOURCE, ClusterError

log = logging.getLogger(__name__)

IMAGES_TIMEOUT_S = 60.0
HEAD_RESOURCE = "node:__internal_head__"
"""The resource Ray gives its head node only."""


@dataclass(frozen=True)
class NodeStatus:
    """One node as `devagent cluster status` shows it."""

    node_id: str
    address: str
    alive: bool
    head: bool
    sandboxes_total: int
    sandboxes_free: int
    cpus: float
    images: list[str] = field(default_factory=list)
    """devagent images (base, env, envdeps) on the node's Docker daemon."""
    images_error: str = ""
    """Why the images could not be listed ('' when they were)."""


@dataclass(frozen=True)
class ClusterStatus:
    address: str
    nodes: list[NodeStatus]

    @property
    def sandboxes_total(self) -> int:
        return sum(n.sandboxes_total for n in self.nodes if n.alive)

    @property
    def sandboxes_free(self) -> int:
        return sum(n.sandboxes_free for n in self.nodes if n.alive)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "sandboxes_total": self.sandboxes_total,
            "sandboxes_free": self.sandboxes_free,
            "nodes": [asdict(n) for n in self.nodes],
        }


def summary(ray_nodes: list[dict[str, Any]], free: dict[str, dict[str, float]]) -> list[NodeStatus]:
    """Nodes from `ray.nodes()` and the free resources per node id. Pure."""
    out = []
    for node in ray_nodes:
        node_id = str(node.get("NodeID", ""))
        total = node.get("Resources") or {}
        alive = bool(node.get("Alive"))
        available = free.get(node_id, {}) if alive else {}
        address = str(node.get("NodeManagerAddress", ""))
        out.append(
            NodeStatus(
                node_id=node_id,
                address=address,
                alive=alive,
                head=bool(total.get(HEAD_RESOURCE)),
                sandboxes_total=int(total.get(SANDBOX_RESOURCE, 0)),
                sandboxes_free=int(available.get(SANDBOX_RESOURCE, 0)),
                cpus=float(total.get("CPU", 0)),
            )
        )
    return sorted(out, key=lambda n: (not n.head, not n.alive, n.address))


def node_images() -> list[str]:
    """The devagent image tags of this machine's Docker daemon (runs on a cluster node)."""
    from sandbox.client import docker_client

    client = docker_client(timeout=30)
    try:
        tags = [t for image in client.images.list() for t in image.tags]
    finally:
        client.close()
    return sorted(t for t in tags if t.startswith(("devagent/base:", "devagent/env")))


def gather(address: str) -> ClusterStatus:
    """Connect to the cluster at `address` (HOST:PORT) and describe it; disconnects after."""
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(
            "Ray is not installed: pip install 'ray[default]' beside devagent"
        ) from exc

    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, its own errors
        raise ClusterError(f"cannot reach the cluster at {address}: {exc}") from exc
    try:
        from ray._private.state import available_resources_per_node

        nodes = summary(ray.nodes(), available_resources_per_node())
        return ClusterStatus(address, _with_images(nodes))
    finally:
        ray.shutdown()


def _with_images(nodes: list[NodeStatus]) -> list[NodeStatus]:
    """Each live node with its images, listed by a task pinned to it (no CPU asked, so that a
    busy node answers too)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    remote = ray.remote(num_cpus=0, max_retries=0)(node_images)
    pending = {
        n.node_id: remote.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(n.node_id, soft=False)
        ).remote()
        for n in nodes
        if n.alive
    }
    out = []
    for node in nodes:
        if node.node_id not in pending:
            out.append(node)
            continue
        try:
            images = ray.get(pending[node.node_id], timeout=IMAGES_TIMEOUT_S)
            out.append(NodeStatus(**{**asdict(node), "images": images}))
        except Exception as exc:  # a node's Docker or worker failing is shown, not raised
            first = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
            out.append(NodeStatus(**{**asdict(node), "images_error": first[0][:200]}))
    return out
