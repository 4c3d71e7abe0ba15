"""`network='allow'` against the real daemon: the registries are reachable through the proxy, any
other destination is refused by the proxy (or has no route), every connection is logged, and
nothing is left behind.

Traffic goes only to this machine and to the package registries: every refusal below happens at
the proxy (its ACL, before it connects anywhere) or inside the sandbox's namespace (no route)."""

from __future__ import annotations

import errno
import http.server
import ipaddress
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.egress import registry_rules
from sandbox.errors import SandboxStartError
from sandbox.hostconfig import DEFAULT_CA_BUNDLE, read_host_config
from sandbox.lifecycle import gc
from sandbox.proxy import host_addresses
from sandbox.shell import sh_quote
from tests.sandbox.conftest import TEST_IMAGE

pytestmark = pytest.mark.docker

IMAGE_CA = "/etc/ssl/certs/devagent-ca.crt"
"""Where env images put the host's CA bundle (sandbox.images.IMAGE_CA_PATH); the base image
used here gets it mounted at the same place, so pip trusts an intercepting proxy's certificate
as it does in an env image."""


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"the host answered\n")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def host_server() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on all of this host's addresses; what it was asked for."""
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Counting.hits
    server.shutdown()


def _bridge_gateway(docker_client) -> str:
    """The host's address on Docker's bridge: its IPAM gateway, which a daemon may leave
    unstated for the default bridge (then the subnet's first address, Docker's choice)."""
    config = docker_client.networks.get("bridge").attrs["IPAM"]["Config"][0]
    return str(config.get("Gateway") or next(ipaddress.ip_network(config["Subnet"]).hosts()))


@pytest.fixture(scope="module")
def allowed(docker_client, host_server) -> tuple[str, ...]:
    """The registries, and (listed on purpose) the metadata address and the host's own
    listeners: the proxy must refuse those after resolving them."""
    port = host_server[0]
    host_listeners = [f"{a}:{port}" for a in ["localhost", _bridge_gateway(docker_client)]]
    host_listeners += [f"{a}:{port}" for a in host_addresses()]
    rules = registry_rules(read_host_config())
    return (*(str(r) for r in rules), "169.254.169.254", *host_listeners)


@pytest.fixture(scope="module")
def box(docker_client, allowed, tmp_path_factory) -> Iterator[tuple[DockerSandbox, Path]]:
    log = tmp_path_factory.mktemp("egress") / "egress.jsonl"
    config = SandboxConfig(
        image=TEST_IMAGE,
        network="allow",
        allow=allowed,
        egress_log=log,
        extra_mounts={str(DEFAULT_CA_BUNDLE): IMAGE_CA} if DEFAULT_CA_BUNDLE.is_file() else {},
        env={"PIP_CERT": IMAGE_CA, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    sb = DockerSandbox(config, client=docker_client).start()
    yield sb, log
    sb.close()


def _fetch(sb: DockerSandbox, url: str, *, proxy: bool = True) -> tuple[str, float]:
    """What python's urllib in the sandbox gets for `url` (status or error, and the body)."""
    script = (
        "import urllib.request as u, urllib.error as e, sys\n"
        f"opener = u.build_opener({'' if proxy else 'u.ProxyHandler({})'})\n"
        "try:\n"
        f"    r = opener.open({url!r}, timeout=15); print(r.status, r.read().decode())\n"
        "except e.HTTPError as x:\n"
        "    print(x.code, x.read().decode())\n"
        "except Exception as x:\n"
        "    print('error', x)\n"
    )
    start = time.monotonic()
    result = sb.exec(f"python3 -c {sh_quote(script)}")
    return result.output, time.monotonic() - start


def test_pip_installs_from_the_registries_through_the_proxy(box):
    sb, _ = box
    result = sb.exec(
        "pip install --no-deps --no-compile -q --target /tmp/t iniconfig==2.0.0 "
        "&& PYTHONPATH=/tmp/t python3 -c 'import iniconfig; print(iniconfig.__name__)'",
        timeout=180,
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("iniconfig")


def test_a_host_not_on_the_list_is_refused_at_once_with_the_reason(box):
    sb, _ = box
    output, took = _fetch(sb, "http://example.org/")
    assert output.startswith("403 devagent: egress to example.org:80 is not on the allowlist")
    assert "[devagent: egress refused to example.org:80;" in output
    assert took < 5


def test_https_to_an_unlisted_host_is_a_403_and_a_note(box):
    sb, _ = box
    output, _ = _fetch(sb, "https://example.org/")
    assert "403" in output
    assert output.rstrip().endswith(
        "the sandbox may reach only allow:" + ",".join(sb.config.allow) + "]"
    )


def test_the_metadata_address_is_refused_by_the_proxy_even_when_listed(box):
    sb, _ = box
    output, took = _fetch(sb, "http://169.254.169.254/latest/meta-data/")
    assert output.startswith("403 devagent: egress to 169.254.169.254:80 is refused")
    assert took < 5


def test_the_hosts_own_listener_is_refused_by_the_proxy_even_when_listed(
    box, docker_client, host_server
):
    sb, _ = box
    port, hits = host_server
    for address in ["localhost", _bridge_gateway(docker_client), *host_addresses()]:
        output, _ = _fetch(sb, f"http://{address}:{port}/from-the-sandbox")
        assert output.startswith(f"403 devagent: egress to {address}:{port} is refused"), output
    assert hits == []


def _connect(sb: DockerSandbox, address: str, port: int) -> str:
    script = (
        "import socket, time\n"
        "s = socket.socket(); s.settimeout(10); t = time.monotonic()\n"
        "try:\n"
        f"    s.connect(({address!r}, {port})); print('connected')\n"
        "except OSError as x:\n"
        "    print(x.errno, round(time.monotonic() - t, 1))\n"
    )
    return sb.exec(f"python3 -c {sh_quote(script)}").output.strip()


def test_without_the_proxy_nothing_has_a_route(box, docker_client, host_server):
    """A direct connection fails inside the sandbox's namespace (no host on its network to
    route through), not by waiting on a remote address."""
    sb, _ = box
    port, hits = host_server
    unreachable = {str(errno.EHOSTUNREACH), str(errno.ENETUNREACH)}
    for address in ["169.254.169.254", _bridge_gateway(docker_client), *host_addresses()]:
        code, took = _connect(sb, address, port).split()
        assert code in unreachable
        assert float(took) < 8  # the neighbour lookup gives up; never the 10 s timeout
    assert hits == []


def test_names_outside_the_network_do_not_resolve(box):
    sb, _ = box
    result = sb.exec("getent hosts pypi.org || echo unresolved")
    assert result.output.strip() == "unresolved"
    assert result.duration_s < 5


def test_the_log_has_allowed_and_denied_connections(box):
    sb, log = box
    sb.exec("pip download --no-deps -q -d /tmp/d iniconfig==2.0.0", timeout=180)
    _fetch(sb, "http://example.org/")
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert {"host": "pypi.org", "port": 443, "allowed": True} in [
        {k: e[k] for k in ("host", "port", "allowed")} for e in events
    ]
    assert {"host": "example.org", "port": 80, "allowed": False} in [
        {k: e[k] for k in ("host", "port", "allowed")} for e in events
    ]
    assert all(isinstance(e["time"], float) for e in events)


def test_closing_removes_the_proxy_and_the_network(docker_client, tmp_path):
    config = SandboxConfig(image=TEST_IMAGE, network="allow", allow=("pypi.org",))
    sb = DockerSandbox(config, client=docker_client).start()
    label = f"devagent.session={sb.session_id}"
    assert len(docker_client.containers.list(filters={"label": label})) == 2
    assert len(docker_client.networks.list(filters={"label": label})) == 1
    sb.close()
    assert docker_client.containers.list(all=True, filters={"label": label}) == []
    assert docker_client.networks.list(filters={"label": label}) == []


def test_a_sandbox_that_cannot_start_leaves_no_proxy_or_network(docker_client):
    config = SandboxConfig(image="devagent/no-such-image:x", network="allow", allow=("pypi.org",))
    sb = DockerSandbox(config, client=docker_client)
    with pytest.raises(SandboxStartError, match="not found"):
        sb.start()
    assert _left(docker_client, sb.session_id) == []


_HOLDER = """
import sys, time
from sandbox.config import SandboxConfig
from sandbox.docker import DockerSandbox
with DockerSandbox(SandboxConfig(image=sys.argv[1], network="allow", allow=("pypi.org",))) as sb:
    print(sb.session_id, flush=True)
    time.sleep(120)
"""


def _left(docker_client, session: str) -> list[str]:
    label = f"devagent.session={session}"
    found = docker_client.containers.list(all=True, filters={"label": label})
    return [c.name for c in found] + [
        n.name for n in docker_client.networks.list(filters={"label": label})
    ]


def _holder(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER)
    proc = subprocess.Popen(
        [sys.executable, str(script), TEST_IMAGE],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_removes_the_proxy_and_the_network(docker_client, tmp_path, sig):
    proc, session = _holder(tmp_path)
    assert len(_left(docker_client, session)) == 3  # sandbox, proxy, network
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert _left(docker_client, session) == []


def test_gc_removes_what_a_killed_run_left(docker_client, tmp_path):
    proc, session = _holder(tmp_path)
    proc.kill()
    proc.wait(timeout=30)
    assert len(_left(docker_client, session)) == 3
    removed = gc(docker_client, session=session)
    assert f"devagent-egress-{session}" in removed
    assert _left(docker_client, session) == []
