"""`SandboxConfig`: how a sandbox container is made. Hardened defaults, each one overridable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_IMAGE = "devagent/base:latest"


def default_cpus(host_cores: int | None) -> float:
    """Half the host's cores, at least one."""
    return max(1.0, (host_cores or 2) / 2)


class SandboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    image: str = DEFAULT_IMAGE
    """Image to run; its PATH and user home come with it."""
    workspace: Path | None = None
    """Host directory bind-mounted read-write at /workspace. None: an empty /workspace tmpfs."""
    network: Literal["none", "bridge", "allow"] = "none"
    """'none' unless the user asks for network; 'allow': only the `allow` destinations, through
    a proxy on an internal network (sandbox.proxy)."""
    allow: tuple[str, ...] = ()
    """With network='allow': `host`, `host:port`, `*.domain` or IPv4 entries (presets expanded;
    see sandbox.egress). Private, link-local and the host's addresses stay refused."""
    egress_log: Path | None = None
    """With network='allow': a JSONL file every connection the proxy saw is appended to."""
    runtime: str | None = None
    """Docker runtime to run the container with, e.g. 'runsc' (gVisor: a kernel of its own
    between the commands and the host's). None: the daemon's default (runc)."""
    user: str | None = None
    """'uid:gid' to run as. None: the workspace owner's ids, or 1000:1000 when that is root."""
    memory: str = "4g"
    """Memory limit; swap is capped at the same value (no extra swap)."""
    pids_limit: int = 512
    cpus: float = Field(default_factory=lambda: default_cpus(os.cpu_count()))
    """CPU quota in cores: by default half the host's, at least one, so that a runaway command
    leaves the host (devagent itself, other sandboxes) cores of its own."""
    tmp_size: str = "1g"
    """Size cap of the /tmp tmpfs."""
    home_size: str = "512m"
    read_only: bool = True
    """Read-only root filesystem; /workspace, /tmp and the home stay writable."""
    env: dict[str, str] = Field(default_factory=dict)
    """The only variables passed in (besides HOME, LANG, TERM). Nothing of the host leaks in."""
    keep_background: bool = False
    """Let processes a command starts outlive it (background services the person asked for).
    Off: after every command, whatever it left running is killed (see `__da_sweep`)."""
    default_timeout: float = 600.0
    output_limit: int = 128 * 1024
    """Bytes of output kept per command (head and tail); the rest is counted and dropped."""
    home: str = "/home/agent"
    labels: dict[str, str] = Field(default_factory=dict)
    extra_mounts: dict[str, str] = Field(default_factory=dict)
    """host path -> container path, read-only. Never the Docker socket."""
