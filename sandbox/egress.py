"""The egress allowlist as values: `allow:LIST` parsing, squid's configuration, its log. Pure.

A list is comma-separated entries: `host` (ports 80 and 443), `host:port`, `*.domain` (the domain's
subdomains), an IPv4 address, or the preset `registries` (the package indexes the host's pip and
npm are configured with: `registry_rules`). Whatever the list says, the proxy refuses addresses
that are private, link-local, loopback or the host's own after it resolved the name
(`BLOCKED_NETWORKS` plus the host's addresses given to `squid_conf`).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sandbox.errors import SandboxError
from sandbox.hostconfig import HostIndexConfig

ALLOW_PREFIX = "allow:"
PROXY_PORT = 3128
DEFAULT_PIP_HOSTS = ("pypi.org", "files.pythonhosted.org")
DEFAULT_NPM_HOSTS = ("registry.npmjs.org",)
BLOCKED_NETWORKS = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8",
)  # fmt: skip
"""Refused after resolution whatever the list says: private, shared, loopback, link-local
(the cloud metadata address), multicast and reserved ranges; IPv4-mapped IPv6 too."""
LOG_FORMAT = "%ts.%03tu %>rm %>rd %>rP %>Hs %Ss"
"""squid's access log fields: time, method, host, port, status, squid's verdict."""


class AllowlistError(SandboxError, ValueError):
    """An `allow:` list entry is not a host, host:port, *.domain, IPv4 address or preset."""


@dataclass(frozen=True)
class EgressRule:
    """One allowed destination."""

    host: str
    """Lower-case host name, `.domain` for a domain's subdomains, or an IPv4 address."""
    port: int | None = None
    """None: the web ports, 80 and 443."""

    def __str__(self) -> str:
        host = "*" + self.host if self.host.startswith(".") else self.host
        return host if self.port is None else f"{host}:{self.port}"


@dataclass(frozen=True)
class EgressEvent:
    """One connection the proxy saw."""

    time: float
    host: str
    port: int
    allowed: bool
    method: str = ""
    status: int = 0

    def to_json(self) -> str:
        return json.dumps(
            {
                "time": self.time,
                "host": self.host,
                "port": self.port,
                "allowed": self.allowed,
                "method": self.method,
                "status": self.status,
            }
        )


def is_allowlist(network: str) -> bool:
    """Whether a `--network` value is an allowlist (`allow:...`)."""
    return network.startswith(ALLOW_PREFIX)


def _is_host_name(name: str) -> bool:
    return bool(name) and all(
        part and len(part) < 64 and part.replace("-", "").isalnum() and part.isascii()
        for part in name.split(".")
    )


def _host_rule(host: str, port: int | None, entry: str) -> EgressRule:
    host = host.strip().lower().rstrip(".")
    if host.startswith("*."):
        host = host[1:]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _is_host_name(host.removeprefix(".")):
            expected = "expected host, host:port, *.domain or registries"
            raise AllowlistError(f"not a host name: {entry!r} ({expected})") from None
        return EgressRule(host, port)
    if address.version != 4:
        raise AllowlistError(f"{entry!r}: IPv6 addresses are not supported; name the host")
    return EgressRule(str(address), port)


def parse_entry(entry: str) -> EgressRule:
    """One list entry (not a preset) as a rule."""
    text = entry.strip()
    if "://" in text:
        parts = urlsplit(text)
        return _host_rule(parts.hostname or "", parts.port, entry)
    host, sep, port_text = text.rpartition(":")
    if not sep or text.count(":") > 1:  # none, or a bare IPv6 address
        return _host_rule(text, None, entry)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise AllowlistError(f"{entry!r}: the port must be a number from 1 to 65535")
    return _host_rule(host, int(port_text), entry)


def parse_allowlist(network: str, registries: Sequence[EgressRule] = ()) -> tuple[EgressRule, ...]:
    """The rules of `allow:LIST` (or of LIST alone), `registries` standing for that preset;
    duplicates dropped, order kept. An empty list allows nothing."""
    text = network.removeprefix(ALLOW_PREFIX)
    rules: list[EgressRule] = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        found = list(registries) if entry.lower() == "registries" else [parse_entry(entry)]
        rules.extend(rule for rule in found if rule not in rules)
    return tuple(rules)


def needs_registries(network: str) -> bool:
    """Whether an allowlist names the `registries` preset (reading it costs a pip/npm call)."""
    text = network.removeprefix(ALLOW_PREFIX)
    return any(entry.strip().lower() == "registries" for entry in text.split(","))


def _url_rule(url: str) -> EgressRule | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        return _host_rule(parts.hostname, parts.port, url)
    except AllowlistError:
        return None


def registry_rules(host: HostIndexConfig) -> tuple[EgressRule, ...]:
    """The `registries` preset: the host's pip index and extra indexes (pypi.org and
    files.pythonhosted.org when no index is set) and npm's registry (registry.npmjs.org when
    unset); http(s) hosts only."""
    pip_urls = [host.pip_index_url, *host.pip_extra_index_urls]
    pip = [r for r in map(_url_rule, [u for u in pip_urls if u]) if r]
    if not host.pip_index_url or not pip:
        pip = [EgressRule(h) for h in DEFAULT_PIP_HOSTS] + pip
    npm = _url_rule(host.npm_registry) if host.npm_registry else None
    found = [*pip, *(EgressRule(h) for h in DEFAULT_NPM_HOSTS)] if npm is None else [*pip, npm]
    return tuple(dict.fromkeys(found))


def _acl_target(rule: EgressRule) -> str:
    try:
        ipaddress.ip_address(rule.host)
    except ValueError:
        return f"dstdomain {rule.host}"
    return f"dst {rule.host}/32"


def squid_conf(
    rules: Sequence[EgressRule],
    *,
    client_network: str,
    blocked: Iterable[str] = (),
    errors_dir: str = "/tmp/squid/errors",
) -> str:
    """squid.conf for one sandbox: clients from `client_network` only; a listed host and port
    is forwarded unless its resolved address is in `BLOCKED_NETWORKS` or `blocked` (the host's
    own addresses); anything else is denied before any name is resolved. `errors_dir` holds
    squid's error templates and `deny_pages`."""
    lines = [
        f"http_port {PROXY_PORT}",
        f"acl sandbox src {client_network}",
        "acl blocked dst " + " ".join([*BLOCKED_NETWORKS, *blocked]),
    ]
    names = []
    for i, rule in enumerate(rules):
        ports = str(rule.port) if rule.port else "80 443"
        lines += [f"acl r{i}_host {_acl_target(rule)}", f"acl r{i}_port port {ports}"]
        lines.append(f"acl r{i} all-of r{i}_host r{i}_port")
        names.append(f"r{i}")
    nothing = "src 255.255.255.255/32"  # an empty list: an ACL that matches no client
    lines.append("acl listed " + ("any-of " + " ".join(names) if names else nothing))
    lines += [
        "http_access deny !sandbox",
        "http_access deny !listed",  # before `blocked`: no lookup of an unlisted name
        "http_access deny blocked",
        "http_access allow listed",
        "http_access deny all",
        # squid names the innermost ACL it checked last: every part of `listed` gets the page
        "deny_info ERR_NOT_LISTED listed " + " ".join(_parts(names)),
        "deny_info ERR_BLOCKED blocked",
        f"error_directory {errors_dir}",  # squid's own pages and the two of `deny_pages`
        f"logformat devagent {LOG_FORMAT}",
        "access_log stdio:/dev/stdout devagent",
        "cache_log stdio:/dev/stderr",
        "cache deny all",
        "cache_mem 8 MB",
        "pid_filename none",
        "coredump_dir none",
        "pinger_enable off",
        "icp_port 0",
        "htcp_port 0",
        "via off",
        "forwarded_for delete",
        "shutdown_lifetime 0 seconds",
        "dns_timeout 10 seconds",
        "connect_timeout 20 seconds",
    ]
    return "\n".join(lines) + "\n"


def _parts(names: Sequence[str]) -> list[str]:
    return [part for name in names for part in (name, f"{name}_host", f"{name}_port")]


def deny_pages(allow_text: str) -> dict[str, str]:
    """The error pages squid answers a denial with (`%H` host, `%p` port): for a host not on
    the list, and for a listed host whose address is private or the host's own."""
    flag = f"--network {allow_text}" if allow_text else "--network allow:..."
    return {
        "ERR_NOT_LISTED": f"devagent: egress to %H:%p is not on the allowlist ({flag})\n",
        "ERR_BLOCKED": (
            "devagent: egress to %H:%p is refused: it resolves to a private, link-local or "
            f"host address, which the sandbox may never reach ({flag})\n"
        ),
    }


def parse_log_line(line: str) -> EgressEvent | None:
    """An event from one access-log line in `LOG_FORMAT`; None for anything else."""
    parts = line.split()
    if len(parts) != 6:
        return None
    when, method, host, port, status, verdict = parts
    try:
        return EgressEvent(
            time=float(when),
            host=host,
            port=int(port) if port.isdigit() else 0,
            allowed=not verdict.startswith("TCP_DENIED") and status != "403",
            method=method,
            status=int(status) if status.isdigit() else 0,
        )
    except ValueError:
        return None


def denial_note(events: Iterable[EgressEvent], allow_text: str) -> str:
    """One line for a command's observation naming the destinations the proxy refused; ''
    when it refused none."""
    denied = list(dict.fromkeys(f"{e.host}:{e.port}" for e in events if not e.allowed))
    if not denied:
        return ""
    more = f" and {len(denied) - 5} more" if len(denied) > 5 else ""
    shown = ", ".join(denied[:5]) + more
    return f"[devagent: egress refused to {shown}; the sandbox may reach only {allow_text}]"
