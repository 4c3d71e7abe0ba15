"""The host's package-index configuration that image builds pass through, credentials removed.

The pure core parses text (apt sources, `pip config list` output, PIP_* variables) and renders the
files a build needs (pip.conf, npmrc); `read_host_config` is the thin shell that gathers the text.
Nothing here ever keeps a user name, password or token: URLs lose their `user:password@` part and
only index locations and the CA bundle's path are kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
_PIP_KEYS = {"index-url", "extra-index-url", "trusted-host", "cert"}


REGISTRY_ENV = "DEVAGENT_REGISTRY"
"""The variable `read_host_config` takes the registry from (HOST:PORT)."""
_ADDRESS = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")


def check_registry(text: str) -> str:
    """`text` as a registry address (HOST or HOST:PORT, no scheme, no path); ValueError when it
    is not one. Pure."""
    value = text.strip()
    if value and not _ADDRESS.match(value):
        raise ValueError(
            f"{text!r} is not a registry address: give HOST:PORT, e.g. 10.0.0.5:5000 "
            "(no http://, no path)"
        )
    return value


def image_registry(environ: Mapping[str, str] | None = None) -> str:
    """$DEVAGENT_REGISTRY of `environ` (this process's environment when None), checked."""
    return check_registry((os.environ if environ is None else environ).get(REGISTRY_ENV, ""))


@dataclass(frozen=True)
class HostIndexConfig:
    """Where the host installs packages from. Safe to put in an image: holds no credentials."""

    apt_mirror: str = ""
    apt_security_mirror: str = ""
    pip_index_url: str = ""
    pip_extra_index_urls: tuple[str, ...] = ()
    pip_trusted_hosts: tuple[str, ...] = ()
    npm_registry: str = ""
    ca_bundle: Path | None = None
    image_registry: str = ""
    """HOST:PORT of the operator's registry images are pulled from before a build and pushed to
    after one ($DEVAGENT_REGISTRY); "" for none. Never part of an image or of its hash."""


def strip_credentials(url: str) -> str:
    """`https://user:pw@host/x` -> `https://host/x`; query strings (may hold tokens) go too."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip()
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _usable_url(url: str) -> str:
    """A URL that a container can use, or "" (file:// and relative paths exist only on the host)."""
    cleaned = strip_credentials(url)
    return cleaned if urlsplit(cleaned).scheme in ("http", "https") else ""


def parse_sources_list(text: str) -> list[str]:
    """Mirror URIs of `deb` lines in one-line format (`/etc/apt/sources.list`)."""
    uris: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        words = line.split()
        if not words or words[0] != "deb":
            continue
        rest = words[1:]
        if rest and rest[0].startswith("["):  # options: [arch=amd64 signed-by=...]
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if rest:
            uris.append(strip_credentials(rest[0]))
    return uris


def parse_deb822_sources(text: str) -> list[str]:
    """Mirror URIs of enabled `Types: deb` stanzas in deb822 format (`*.sources`)."""
    uris: list[str] = []
    for stanza in _deb822_stanzas(text):
        if "deb" not in stanza.get("types", "").split():
            continue
        if stanza.get("enabled", "yes").lower() == "no":
            continue
        uris.extend(strip_credentials(uri) for uri in stanza.get("uris", "").split())
    return uris


def _deb822_stanzas(text: str) -> list[dict[str, str]]:
    stanzas: list[dict[str, str]] = [{}]
    key = ""
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            stanzas.append({})
            continue
        if raw[0] in " \t" and key:
            stanzas[-1][key] += " " + raw.strip()
            continue
        name, _, value = raw.partition(":")
        key = name.strip().lower()
        stanzas[-1][key] = value.strip()
    return [s for s in stanzas if s]


def pick_debian_mirror(uris: Sequence[str], archive: str = "debian") -> str:
    """The Debian archive named `archive` among apt URIs (`debian` is the main one, not
    `debian-security`; third-party repositories never match)."""
    for uri in uris:
        path = urlsplit(uri).path.rstrip("/")
        if path.endswith("/" + archive) and _usable_url(uri):
            return uri.rstrip("/")
    return ""


def parse_pip_config(text: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Pip settings from `pip config list` lines (`global.index-url='...'`) and PIP_* variables.

    Variables win over files, as they do for pip itself."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if not sep:
            continue
        key = name.rsplit(".", 1)[-1].strip()
        if key in _PIP_KEYS and not name.startswith(":env:"):
            values[key] = value.strip().strip("'\"")
    for key in _PIP_KEYS:
        env_value = (environ or {}).get("PIP_" + key.upper().replace("-", "_"))
        if env_value:
            values[key] = env_value
    return values


def build_host_config(
    *, apt_uris: Sequence[str], pip_values: Mapping[str, str], npm_registry: str
) -> HostIndexConfig:
    """Combine parsed values, keeping only what a container can use and dropping credentials."""
    extra = [_usable_url(u) for u in pip_values.get("extra-index-url", "").split()]
    cert = pip_values.get("cert", "")
    ca_bundle = Path(cert) if cert else None
    if ca_bundle is None or not ca_bundle.is_file():
        ca_bundle = DEFAULT_CA_BUNDLE if DEFAULT_CA_BUNDLE.is_file() else None
    return HostIndexConfig(
        apt_mirror=pick_debian_mirror(apt_uris),
        apt_security_mirror=pick_debian_mirror(apt_uris, "debian-security"),
        pip_index_url=_usable_url(pip_values.get("index-url", "")),
        pip_extra_index_urls=tuple(u for u in extra if u),
        pip_trusted_hosts=tuple(pip_values.get("trusted-host", "").split()),
        npm_registry=_usable_url(npm_registry),
        ca_bundle=ca_bundle,
    )


def render_pip_conf(config: HostIndexConfig, ca_path: str) -> str:
    """pip.conf for the image: the host's indexes, and the CA bundle at `ca_path` in the image."""
    lines = ["[global]", f"cert = {ca_path}", "disable-pip-version-check = true"]
    if config.pip_index_url:
        lines.append(f"index-url = {config.pip_index_url}")
    if config.pip_extra_index_urls:
        lines.append("extra-index-url = " + " ".join(config.pip_extra_index_urls))
    if config.pip_trusted_hosts:
        lines.append("trusted-host = " + " ".join(config.pip_trusted_hosts))
    return "\n".join(lines) + "\n"


def render_npmrc(config: HostIndexConfig, ca_path: str) -> str:
    """npmrc for the image: the host's registry and the CA bundle at `ca_path` in the image."""
    lines = [f"cafile={ca_path}", "fund=false", "audit=false", "update-notifier=false"]
    if config.npm_registry:
        lines.append(f"registry={config.npm_registry}")
    return "\n".join(lines) + "\n"


def host_context_files(config: HostIndexConfig, ca_path: str) -> dict[str, bytes]:
    """The files an image build copies to /etc/devagent: pip.conf, npmrc and the CA bundle."""
    return {
        "host/pip.conf": render_pip_conf(config, ca_path).encode(),
        "host/npmrc": render_npmrc(config, ca_path).encode(),
        "host/ca.crt": config.ca_bundle.read_bytes() if config.ca_bundle else b"",
    }


def _outputs(commands: Sequence[Sequence[str]], environ: Mapping[str, str] | None) -> list[str]:
    """The stdout of each command, run side by side ("" for one that fails or cannot start)."""
    procs: list[subprocess.Popen[str] | None] = []
    for argv in commands:
        try:
            procs.append(
                subprocess.Popen(
                    list(argv),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    env=environ,
                )
            )
        except OSError:
            procs.append(None)
    outputs = []
    for proc in procs:
        try:
            out = proc.communicate(timeout=30)[0] if proc else ""
        except subprocess.TimeoutExpired:
            proc.kill()  # type: ignore[union-attr]
            proc.communicate()  # type: ignore[union-attr]
            out = ""
        outputs.append(out if proc and proc.returncode == 0 else "")
    return outputs


def read_apt_uris(apt_dir: Path = Path("/etc/apt")) -> list[str]:
    """URIs from `sources.list` and `sources.list.d/*.list|*.sources` (disabled files ignored)."""
    uris: list[str] = []
    one_line = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in one_line:
        if path.is_file():
            uris.extend(parse_sources_list(path.read_text(errors="replace")))
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        uris.extend(parse_deb822_sources(path.read_text(errors="replace")))
    return uris


def read_host_config(
    *,
    environ: Mapping[str, str] | None = None,
    apt_dir: Path = Path("/etc/apt"),
    pip_command: Sequence[str] = (sys.executable, "-m", "pip"),
    npm_command: Sequence[str] = ("npm",),
) -> HostIndexConfig:
    """Gather the host's apt, pip and npm configuration.

    `environ` is the environment pip and npm run with, and the source of PIP_* variables and of
    the image registry ($DEVAGENT_REGISTRY); with None they run with this process's environment
    and only pip's config files (and the registry variable) are read."""
    pip_text, npm_text = _outputs(
        [[*pip_command, "config", "list"], [*npm_command, "config", "get", "registry"]], environ
    )
    npm_text = npm_text.strip()
    config = build_host_config(
        apt_uris=read_apt_uris(apt_dir),
        pip_values=parse_pip_config(pip_text, environ),
        npm_registry=npm_text if npm_text != "undefined" else "",
    )
    return dataclasses.replace(config, image_registry=image_registry(environ))


def describe(config: HostIndexConfig) -> str:
    """One line for progress output (no credentials are ever held, so all of it is printable)."""
    parts = [f"apt={config.apt_mirror or '-'}", f"pip={config.pip_index_url or 'default'}"]
    parts.append(f"npm={config.npm_registry or 'default'}")
    parts.append(f"ca={config.ca_bundle or '-'}")
    return " ".join(parts)


HOST_CONFIG_TTL_S = 3600.0
"""How long a read of the host's configuration is reused while nothing it came from changed."""
_CONFIG_FILES = (
    "/etc/pip.conf", "/etc/xdg/pip/pip.conf", "~/.pip/pip.conf", "~/.config/pip/pip.conf",
    "~/.npmrc", "/etc/npmrc", "/usr/etc/npmrc", "/usr/local/etc/npmrc",
)  # fmt: skip
_ENV_PREFIXES = (
    "PIP_", "NPM_CONFIG_", "npm_config_", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", REGISTRY_ENV,
)  # fmt: skip


def _sources_key(environ: Mapping[str, str], apt_dir: Path) -> str:
    """What the host configuration is read from: the variables pip and npm heed, and the
    identity (path, size, mtime) of every config file they and apt read."""
    home = Path(environ.get("HOME") or Path.home())
    paths = [Path(p.replace("~", str(home), 1)) for p in _CONFIG_FILES]
    for name in ("PIP_CONFIG_FILE", "NPM_CONFIG_USERCONFIG", "npm_config_userconfig"):
        if environ.get(name):
            paths.append(Path(environ[name]))
    if environ.get("VIRTUAL_ENV"):
        paths.append(Path(environ["VIRTUAL_ENV"]) / "pip.conf")
    paths += [Path(sys.prefix) / "pip.conf", apt_dir / "sources.list"]
    paths += sorted((apt_dir / "sources.list.d").glob("*"))
    parts = [f"{k}={v}" for k, v in sorted(environ.items()) if k.startswith(_ENV_PREFIXES)]
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _config_from(values: dict[str, Any]) -> HostIndexConfig:
    tuples = {k: tuple(values[k]) for k in ("pip_extra_index_urls", "pip_trusted_hosts")}
    bundle = Path(values["ca_bundle"]) if values["ca_bundle"] else None
    return HostIndexConfig(**{**values, **tuples, "ca_bundle": bundle})


def cached_host_config(
    cache_dir: Path,
    *,
    environ: Mapping[str, str],
    apt_dir: Path = Path("/etc/apt"),
    now: float | None = None,
) -> HostIndexConfig:
    """`read_host_config`, reused for `HOST_CONFIG_TTL_S` while its sources are unchanged
    (running pip and npm costs half a second of CPU on every run otherwise)."""
    now = time.time() if now is None else now
    key = _sources_key(environ, apt_dir)
    path = cache_dir / "host-config.json"
    try:
        stored = json.loads(path.read_text())
        if stored["key"] == key and now - stored["at"] < HOST_CONFIG_TTL_S:
            return _config_from(stored["config"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    config = read_host_config(environ=environ, apt_dir=apt_dir)
    values = dataclasses.asdict(config) | {"ca_bundle": str(config.ca_bundle or "") or None}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, "at": now, "config": values}))
        tmp.replace(path)
    except OSError:
        pass  # a cache: the next run reads the configuration again
    return config
