"""After every command, nothing it started keeps running, and the sandbox stays usable.

Observed before: a fork bomb returned at once and left the container at its pids limit; a builtin
busy loop survived its timeout (the kill function clobbered its own arguments and never killed
the session leader); `setsid` children survived; `kill -9 -1` killed the keep-alive so the next
call raised SandboxDied."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.runsc]

LIST = "for d in /proc/[0-9]*; do printf '%s ' \"$(tr '\\0' ' ' < $d/cmdline)\"; echo; done"


def running(sb) -> str:
    """Every process's command line, one per line (no ps in the image: /proc, from a shell)."""
    return sb.exec(LIST, timeout=30, session=False).output


def listed_outside(sb, docker_client) -> str:
    """`running`, read by an exec of its own: not the sandbox's exec, which the command running
    in another thread holds (and `docker top` does not see inside gVisor)."""
    run = docker_client.api.exec_create(sb.container.id, ["sh", "-c", LIST], user=sb.user)
    return docker_client.api.exec_start(run["Id"]).decode(errors="replace")


def strays(sb) -> list[str]:
    """Processes other than the sandbox's own: keep-alive, its sleep, the two shells, their
    exec wrappers, and the one-shot shell listing them."""
    own = ("bash -c trap", "sleep 2147483647", "setsid -w bash", "bash --noprofile --norc")
    lines = [line.strip() for line in running(sb).splitlines() if line.strip()]
    return [line for line in lines if not line.startswith(own) and "/proc/[0-9]*" not in line]


def test_background_job_is_gone_after_its_command(sb):
    sb.exec("sleep 901 &", timeout=30)
    assert "sleep 901" not in running(sb)


def test_setsid_child_is_gone_after_its_command(sb):
    sb.exec("setsid sleep 902 >/dev/null 2>&1 < /dev/null &", timeout=30)
    sb.exec("nohup setsid sleep 903 >/dev/null 2>&1 &", timeout=30, session=False)
    listed = running(sb)
    assert "sleep 902" not in listed and "sleep 903" not in listed


def test_background_service_survives_when_asked_for(make_sandbox):
    sb = make_sandbox(keep_background=True)
    sb.exec("sleep 904 &", timeout=30)
    assert "sleep 904" in running(sb)


def test_fork_bomb_leaves_the_sandbox_usable(sb, sandbox_runtime, request):
    if sandbox_runtime == "runsc":  # seen once in 5 runs under load: the next command got 137
        request.applymarker(
            pytest.mark.xfail(
                strict=False,
                reason="under Debian's 2022 runsc the session shell sometimes dies with the bomb",
            )
        )
    sb.exec("bomb() { bomb | bomb & }; bomb", timeout=10)
    result = sb.exec("echo still here", timeout=30)
    assert result.exit_code == 0 and "still here" in result.output
    assert result.output.strip() == "still here"
    assert strays(sb) == []


def test_builtin_busy_loop_is_killed_at_its_timeout(sb):
    result = sb.exec("while :; do :; done", timeout=2)
    assert result.timed_out
    after = sb.exec("echo ok", timeout=30)
    assert after.output.strip() == "ok"
    assert strays(sb) == []


def test_kill_everything_from_inside_leaves_the_sandbox_usable(sb):
    sb.exec("cd /tmp && export KEEP=me", timeout=30)
    sb.exec("kill -9 -1", timeout=30)
    result = sb.exec("echo alive; pwd", timeout=30)
    assert result.exit_code == 0
    assert "alive" in result.output
    assert strays(sb) == []


def test_writing_to_the_keep_alives_output_fills_no_host_log(sb, docker_client):
    sb.exec("head -c 1000000 /dev/zero > /proc/1/fd/1", timeout=30)
    attrs = docker_client.api.inspect_container(sb.container.id)
    assert attrs["HostConfig"]["LogConfig"]["Type"] == "none"


def test_interrupt_from_another_thread_stops_the_running_command(sb, docker_client):
    import threading

    sb.exec("cd /tmp && export KEEP=me", timeout=30)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(sb.exec("sleep 600", timeout=900)))
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "sleep 600" not in listed_outside(sb, docker_client):
        time.sleep(0.05)
    assert sb.interrupt()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert result[0].exit_code == 130 and "stopped by the user" in result[0].output
    after = sb.exec("echo $KEEP; pwd", timeout=30)
    assert after.output.split() == ["me", "/tmp"]
    assert sb.interrupt() is False  # nothing running


def test_leftovers_are_swept_while_a_process_started_from_outside_runs(sb, docker_client):
    outside = docker_client.api.exec_create(sb.container.id, ["sleep", "907"], user=sb.user)
    docker_client.api.exec_start(outside["Id"], detach=True)
    sb.exec("sleep 905 &", timeout=30)
    sb.exec("setsid sleep 906 >/dev/null 2>&1 < /dev/null &", timeout=30)
    listed = running(sb)
    assert "sleep 905" not in listed and "sleep 906" not in listed
    assert "sleep 907" in listed  # an exec root is not a command's leftover


KILL_CONTROL = (
    "for d in /proc/[0-9]*; do p=${d#/proc/}; [ $p = $$ ] && continue; "
    "[ \"$(tr '\\0' ' ' < $d/cmdline)\" = 'bash --noprofile --norc ' ] && kill -9 $p; done; true"
)


def test_a_control_shell_killed_by_a_command_is_replaced_so_interrupt_still_works(
    sb, docker_client
):
    import threading

    sb.exec(KILL_CONTROL, timeout=30)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(sb.exec("sleep 601", timeout=900)))
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "sleep 601" not in listed_outside(sb, docker_client):
        time.sleep(0.05)
    assert sb.interrupt()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert result[0].exit_code == 130
