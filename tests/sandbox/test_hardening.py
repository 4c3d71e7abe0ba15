"""Each hardening default is shown by a test that would fail without it."""

from __future__ import annotations

import resource
import subprocess

import pytest

from sandbox import SandboxDied, SandboxStartError
from sandbox.config import SandboxConfig
from sandbox.runtime import refusal, registered_runtimes

pytestmark = [pytest.mark.docker, pytest.mark.runsc]


def interfaces(sb) -> list[str]:
    """The container's network interfaces (from /proc/net/dev: gVisor has no /sys/class/net)."""
    lines = sb.exec("tail -n +3 /proc/net/dev").output.splitlines()
    return sorted(line.split(":")[0].strip() for line in lines)


def test_network_is_unreachable_by_default(sb):
    result = sb.exec("echo > /dev/tcp/172.17.0.1/80", timeout=20)
    assert result.exit_code != 0
    # runc: the kernel has no route at all; runsc: gVisor's stack says no route to host.
    assert "Network is unreachable" in result.output or "No route to host" in result.output
    assert interfaces(sb) == ["lo"]


def test_network_can_be_turned_on_when_asked(make_sandbox, sandbox_runtime, docker_client):
    asked = SandboxConfig(runtime=sandbox_runtime, network="bridge")
    if refusal(asked, registered_runtimes(docker_client)) is not None:
        with pytest.raises(SandboxStartError, match=f"network cannot run under {sandbox_runtime}"):
            make_sandbox(network="bridge")
        return
    sb = make_sandbox(network="bridge")
    assert "eth0" in interfaces(sb)


def test_host_environment_is_invisible(monkeypatch, make_sandbox):
    monkeypatch.setenv("DEVAGENT_TEST_SECRET", "s3cr3t-value")
    sb = make_sandbox()
    for session in (True, False):
        env = sb.exec("env", session=session).output
        assert "s3cr3t-value" not in env
        assert "DEVAGENT_TEST_SECRET" not in env
    assert "HOME=/home/agent" in sb.exec("env").output


def test_runs_as_non_root_with_no_capabilities(sb):
    assert sb.exec("id -u").output.strip() != "0"
    caps = dict(
        line.split(":\t")
        for line in sb.exec("cat /proc/self/status").output.splitlines()
        if line.startswith("Cap")
    )
    assert caps["CapEff"] == "0000000000000000"
    assert caps["CapBnd"] == "0000000000000000"
    no_new_privs = "import ctypes; print(ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))"  # GET_NO_NEW_
    assert sb.exec(f"python3 -c '{no_new_privs}'").output == "1\n"  # (gVisor: not in status)


def test_root_filesystem_is_read_only_but_work_dirs_are_writable(sb):
    # gVisor checks the user's permission before the mount's: "Permission denied" there.
    assert sb.exec("touch /x").exit_code == 1
    assert sb.exec("touch /etc/x").exit_code == 1
    root_options = sb.exec("awk '$2 == \"/\" {print $4}' /proc/mounts").output
    assert root_options.split(",")[0] == "ro"
    assert sb.exec("touch /tmp/x && touch ~/x && touch /workspace/x").exit_code == 0


def test_docker_socket_is_not_mounted(sb):
    assert sb.exec("test -e /var/run/docker.sock").exit_code == 1


GVISOR_BOMB_CRASH = (
    "Debian's 2022 runsc (ptrace) sometimes crashes (exit 2) while a fork bomb at its process "
    "limit is being killed (1 run in 4 here); the host stayed protected"
)


def test_fork_bomb_is_contained_by_the_pids_limit(make_sandbox, sandbox_runtime):
    sb = make_sandbox(pids_limit=64)
    try:
        result = sb.exec("bomb() { bomb | bomb & }; bomb; sleep 1000", timeout=3)
    except SandboxDied as died:
        assert subprocess.run(["true"], timeout=10).returncode == 0  # the host still forks
        if sandbox_runtime == "runsc" and "exit 2" in str(died):
            pytest.xfail(f"{GVISOR_BOMB_CRASH}: {died}")
        raise
    assert result.timed_out
    assert "retry: Resource temporarily unavailable" in result.output
    assert subprocess.run(["true"], timeout=10).returncode == 0  # the host still forks
    after = sb.exec("echo alive; echo /proc/[0-9]* | wc -w", timeout=30)
    assert after.output.startswith("alive\n")
    assert int(after.output.split()[1]) < 20


def test_memory_hog_is_killed_and_reported(make_sandbox, sandbox_runtime, request):
    if sandbox_runtime == "runsc":  # seen once in 3 full runs: SandboxDied instead of the restart
        request.applymarker(
            pytest.mark.xfail(
                strict=False,
                reason="under Debian's 2022 runsc an out-of-memory kill sometimes ends the sandbox",
            )
        )
    sb = make_sandbox(memory="128m")
    result = sb.exec("head -c 1G /dev/zero | tail", timeout=60)
    assert result.exit_code == 137
    assert "out-of-memory" in result.output
    assert sb.exec("echo fine").output == "fine\n"


def test_sleep_times_out_and_the_next_command_works(sb):
    result = sb.exec("echo before; sleep 1000", timeout=1)
    assert result.timed_out
    assert result.exit_code == 124
    assert "before" in result.output
    assert sb.exec("echo next").output == "next\n"


def test_timeout_kills_background_children(sb):
    sb.exec("sleep 777 & sleep 778 & sleep 1000", timeout=1)
    leftover = sb.exec("grep -l '[s]leep.77[78]' /proc/[0-9]*/cmdline 2>/dev/null | wc -l")
    assert leftover.output.strip() == "0"


def test_one_shot_timeout_kills_its_whole_session(sb):
    result = sb.exec("sleep 779 & sleep 1000", timeout=1, session=False)
    assert result.timed_out
    leftover = sb.exec("grep -l '[s]leep.779' /proc/[0-9]*/cmdline 2>/dev/null | wc -l")
    assert leftover.output.strip() == "0"


def test_a_shell_stuck_in_a_builtin_loop_is_restarted(sb):
    sb.exec("cd /tmp && export MARK=1")
    result = sb.exec("while :; do :; done", timeout=1)
    assert result.timed_out and result.restarted
    assert sb.exec("pwd; echo $MARK").output == "/tmp\n1\n"


def test_output_flood_is_capped_while_streaming(make_sandbox):
    sb = make_sandbox(output_limit=64 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # 256 MiB: five times what the host may grow by, a minute less under gVisor than 1 GiB
    result = sb.exec("yes | head -c 256M", timeout=300)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.truncated
    assert result.dropped_bytes == 256 * 1024**2 - 64 * 1024
    assert len(result.output) < 70 * 1024
    assert "bytes of output dropped" in result.output
    assert grown_kib < 50 * 1024
