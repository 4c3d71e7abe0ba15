"""`EgressProxy`: the internal network and squid container that are a sandbox's only way out.

The sandbox joins an internal network (no route out, and no address of the host on it) created for
it; the proxy container sits on that network and on Docker's default bridge, and forwards only
what the allowlist names (sandbox.egress renders its configuration). Both carry the creator's
labels and are registered for removal at exit, so `lifecycle.gc` removes what a killed run left.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from sandbox import lifecycle
from sandbox.egress import (
    BLOCKED_NETWORKS,
    PROXY_PORT,
    EgressEvent,
    EgressRule,
    deny_pages,
    parse_log_line,
    squid_conf,
)
from sandbox.errors import SandboxStartError

log = logging.getLogger(__name__)

READY_LINE = "Accepting HTTP Socket connections"
_START = (
    "mkdir -p /tmp/squid && cp -r /usr/share/squid/errors/templates /tmp/squid/errors"
    ' && printf "%s" "$DEVAGENT_SQUID_CONF" > /tmp/squid/squid.conf'
    ' && printf "%s" "$DEVAGENT_NOT_LISTED" > /tmp/squid/errors/ERR_NOT_LISTED'
    ' && printf "%s" "$DEVAGENT_BLOCKED" > /tmp/squid/errors/ERR_BLOCKED'
    " && exec squid -N -f /tmp/squid/squid.conf"
)


_BLOCKED = [ipaddress.ip_network(net) for net in BLOCKED_NETWORKS]


def host_addresses(fib_trie: Path = Path("/proc/net/fib_trie")) -> list[str]:
    """This host's own IPv4 addresses outside the ranges refused anyway (e.g. a public eth0
    address), read from the kernel's routing table; [] where it cannot be read. (Where the
    Docker daemon runs on another machine, that machine's addresses are not among them.)"""
    try:
        lines = fib_trie.read_text().splitlines()
    except OSError:
        return []
    found: list[str] = []
    for before, line in itertools.pairwise(lines):
        if "/32 host LOCAL" in line:
            address = before.strip().removeprefix("|-- ").strip()
            ip = ipaddress.ip_address(address)
            if address not in found and not any(ip in net for net in _BLOCKED):
                found.append(address)
    return found


@dataclass(frozen=True)
class EgressSpec:
    """What one proxy forwards, and where its connections are logged."""

    rules: Sequence[EgressRule]
    allow_text: str
    """The list as the person wrote it, for messages (`allow:registries`)."""
    image: str
    log_path: Path | None = None
    labels: dict[str, str] | None = None


class EgressProxy:
    """An internal network and its squid container; `close()` removes both."""

    def __init__(self, client: docker.DockerClient, session_id: str, spec: EgressSpec) -> None:
        self.client = client
        self.session_id = session_id
        self.spec = spec
        self.network_name = f"devagent-egress-{session_id}"
        self.address = ""
        """The proxy's address on the internal network (set by `start`)."""
        self._network: Any = None
        self._container: Any = None
        self._seen = 0

    def start(self) -> None:
        """Create the network and start the proxy (not waiting for it: see `wait_ready`)."""
        labels = {**(self.spec.labels or {}), **lifecycle.creator_labels(self.session_id)}
        try:
            self._network = self.client.networks.create(
                self.network_name,
                driver="bridge",
                internal=True,
                labels=labels,
                # no address of the host on this bridge: the sandbox cannot reach the host
                options={"com.docker.network.bridge.inhibit_ipv4": "true"},
            )
            lifecycle.register(self._network.id, self.close)
            subnet = self._network.attrs["IPAM"]["Config"][0]["Subnet"]
            self._container = self.client.containers.create(**self._create_kwargs(subnet, labels))
            self.client.networks.get("bridge").connect(self._container)
            self._container.start()
            self._container.reload()
            networks = self._container.attrs["NetworkSettings"]["Networks"]
            self.address = networks[self.network_name]["IPAddress"]
        except (docker.errors.APIError, KeyError, IndexError) as exc:
            self.close()
            raise SandboxStartError(f"could not start the egress proxy: {exc}") from exc

    def _create_kwargs(self, subnet: str, labels: dict[str, str]) -> dict[str, Any]:
        pages = deny_pages(self.spec.allow_text)
        conf = squid_conf(self.spec.rules, client_network=subnet, blocked=host_addresses())
        return {
            "image": self.spec.image,
            "command": ["sh", "-c", _START],
            "name": f"{self.network_name}-proxy",
            "environment": {
                "DEVAGENT_SQUID_CONF": conf,
                "DEVAGENT_NOT_LISTED": pages["ERR_NOT_LISTED"],
                "DEVAGENT_BLOCKED": pages["ERR_BLOCKED"],
            },
            "labels": labels,
            "network": self.network_name,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "read_only": True,
            "tmpfs": {"/tmp": "rw,nosuid,nodev,size=64m"},
            "pids_limit": 256,
            "mem_limit": "256m",
        }

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Return once squid accepts connections; `SandboxStartError` when it exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                text = self._container.logs(stdout=False, stderr=True).decode(errors="replace")
                self._container.reload()
            except docker.errors.APIError as exc:
                raise SandboxStartError(f"the egress proxy went away: {exc}") from exc
            if READY_LINE in text:
                return
            if self._container.status not in ("created", "running"):
                tail = "\n".join(text.splitlines()[-5:])
                raise SandboxStartError(f"the egress proxy did not start:\n{tail}")
            time.sleep(0.05)
        raise SandboxStartError(f"the egress proxy was not ready within {timeout:g}s")

    def env(self) -> dict[str, str]:
        """The variables that point HTTP clients (pip, npm, curl, git, requests) at the proxy."""
        url = f"http://{self.address}:{PROXY_PORT}"
        names = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "PIP_PROXY")
        values = dict.fromkeys(names, url)
        values |= {"npm_config_proxy": url, "npm_config_https_proxy": url}
        return values | {"NO_PROXY": "", "no_proxy": ""}

    def poll(self) -> list[EgressEvent]:
        """The connections logged since the last poll, appended to the spec's log file."""
        if self._container is None:
            return []
        try:
            raw = self._container.logs(stdout=True, stderr=False)
        except docker.errors.APIError as exc:
            log.debug("egress proxy log unreadable: %s", exc)
            return []
        lines = raw.decode(errors="replace").splitlines()
        events = [e for e in map(parse_log_line, lines[self._seen :]) if e is not None]
        self._seen = len(lines)
        if events and self.spec.log_path is not None:
            with self.spec.log_path.open("a") as f:
                f.writelines(event.to_json() + "\n" for event in events)
        return events

    def close(self) -> None:
        """Log what is left, remove the proxy and the network; a no-op once done."""
        if self._container is not None:
            self.poll()
            self._remove_container()
        if self._network is not None:
            network_id = self._network.id
            remove_network(self._network)
            lifecycle.unregister(network_id)
            self._network = None

    def _remove_container(self) -> None:
        try:
            self._container.remove(force=True)
        except docker.errors.APIError as exc:
            if exc.status_code not in (404, 409):
                log.warning("could not remove the egress proxy: %s", exc)
        self._container = None


def remove_network(network: Any) -> None:
    """Remove a network, disconnecting whatever is still attached to it first."""
    try:
        network.reload()
        for container_id in network.attrs.get("Containers") or {}:
            network.disconnect(container_id, force=True)
        network.remove()
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as exc:
        log.warning("could not remove network %s: %s", network.name, exc)
