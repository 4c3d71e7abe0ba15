"""The Docker runtime a sandbox runs under (runc, gVisor's runsc): registered or not, with which
arguments, what it refuses, and a probe that starts a sandbox under it."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import docker.errors
from docker.types import Ulimit

from sandbox.config import SandboxConfig
from sandbox.errors import SandboxError, SandboxStartError

SETUP_HINT = "`make setup` installs Debian's runsc and registers it (images/ensure-runsc.sh)"
NO_NETSTACK = (
    "Docker's runsc runtime is registered with --network=none: gVisor's own network stack does "
    "not start on this machine (Debian's 2022 runsc takes every network namespace for the "
    "host's on Linux >= 6.7, gVisor issue 10704), so a runsc sandbox has only loopback"
)


RUNSC_TASKS_PER_PROCESS = 16
"""Host tasks (threads and stub processes) one process in a runsc sandbox costs under the ptrace
platform, with room (measured: 10 to 13 each; 64 bash processes held 807); Docker's pids limit
counts those."""
RUNSC_BASE_TASKS = 64
"""Host tasks of an idle runsc sandbox: its kernel's threads and file proxy (measured: 39)."""


def process_limits(config: SandboxConfig) -> dict[str, Any]:
    """Docker's create options that hold a sandbox to `config.pids_limit` processes. Under runc,
    the pids cgroup. Under runsc the cgroup counts the host tasks of gVisor's kernel, and one
    that runs out of them crashes with the whole sandbox; so gVisor's kernel counts the
    processes itself (RLIMIT_NPROC, which it enforces per sandbox: a fork past it fails with
    EAGAIN) and the cgroup is a backstop sized for what those processes cost on the host."""
    if config.runtime != "runsc":
        return {"pids_limit": config.pids_limit}
    n = config.pids_limit
    return {
        "pids_limit": n * RUNSC_TASKS_PER_PROCESS + RUNSC_BASE_TASKS,
        "ulimits": [Ulimit(name="nproc", soft=n, hard=n)],
    }


def registered_runtimes(client: Any) -> dict[str, list[str]]:
    """The daemon's runtimes, each with the arguments it is registered with."""
    try:
        runtimes = client.info().get("Runtimes") or {}
    except docker.errors.APIError as exc:
        raise SandboxError(f"could not ask Docker for its runtimes: {exc.explanation}") from exc
    return {name: list(spec.get("runtimeArgs") or []) for name, spec in runtimes.items()}


def refusal(config: SandboxConfig, runtimes: Mapping[str, Sequence[str]]) -> str | None:
    """Why a sandbox with `config` cannot run under its runtime, given the daemon's `runtimes`
    (name -> runtimeArgs); None when it can (or no runtime was asked for)."""
    name = config.runtime
    if name is None:
        return None
    if name not in runtimes:
        known = ", ".join(sorted(runtimes)) or "none"
        hint = f"; {SETUP_HINT}" if name == "runsc" else ""
        return f"Docker has no runtime {name!r} (it has: {known}){hint}"
    if config.network != "none" and "--network=none" in runtimes[name]:
        return (
            f"a sandbox with network cannot run under {name}: {NO_NETSTACK}. Run it without "
            f"`--runtime {name}`, or register a runsc built after August 2024"
        )
    return None


def check_runtime(config: SandboxConfig, client: Any) -> None:
    """Raise `SandboxStartError` naming the runtime and the reason when `refusal` has one."""
    if config.runtime is None:
        return
    reason = refusal(config, registered_runtimes(client))
    if reason is not None:
        raise SandboxStartError(reason)


@dataclass(frozen=True)
class RuntimeProbe:
    """What starting one sandbox under a runtime showed."""

    runtime: str
    problem: str | None
    """Why no sandbox ran (None: one started and ran a command in its session shell)."""
    seconds: float = 0.0
    """Start, one command and removal."""
    args: tuple[str, ...] = ()
    """The arguments the runtime is registered with."""
    limits: tuple[str, ...] = ()
    """What works differently under it here, one short sentence each."""

    @property
    def ok(self) -> bool:
        return self.problem is None


STATX_NOTE = (
    "`ls -l` and `stat` fail with 'Invalid argument': this runsc rejects the statx flag "
    "AT_NO_AUTOMOUNT that coreutils passes (`find -printf`, Python's os.stat work)"
)
PROBE = "echo probe-ok; stat -c %u / >/dev/null 2>&1 || echo statx-rejected"


def probe_runtime(client: Any, image: str, runtime: str) -> RuntimeProbe:
    """Start a hardened sandbox from `image` under `runtime`, run one command, remove it."""
    from sandbox.docker import DockerSandbox  # the sandbox is built on this module's check

    began = time.monotonic()
    try:
        args = tuple(registered_runtimes(client).get(runtime, ()))
        with DockerSandbox(SandboxConfig(image=image, runtime=runtime), client=client) as sb:
            result = sb.exec(PROBE, timeout=60)
    except SandboxError as exc:
        return RuntimeProbe(runtime, str(exc), time.monotonic() - began)
    seconds = time.monotonic() - began
    if not result.output.startswith("probe-ok\n"):
        problem = f"the probe command gave exit {result.exit_code}: {result.output[-300:]!r}"
        return RuntimeProbe(runtime, problem, seconds, args)
    limits = [STATX_NOTE] if "statx-rejected" in result.output else []
    if "--network=none" in args:
        limits.append("no network: a sandbox with network is refused")
    return RuntimeProbe(runtime, None, seconds, args, tuple(limits))
