#!/usr/bin/env bash
# Make sure a Docker daemon answers. Uses a running one as it is; otherwise, as root on
# Debian/Ubuntu, installs Debian's docker.io and starts dockerd in the background.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# The gVisor runtime for `--runtime runsc` (images/ensure-runsc.sh); a machine where it cannot
# run still gets Docker: the runsc tests then fail with the reason.
runsc_runtime() {
    bash "$HERE/ensure-runsc.sh" || echo "warning: no usable runsc runtime (see above)" >&2
}

LOG=${DEVAGENT_DOCKERD_LOG:-/var/log/devagent-dockerd.log}
WAIT_S=${DEVAGENT_DOCKERD_WAIT:-60}

daemon_answers() {
    if command -v docker >/dev/null 2>&1; then
        docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && return 0
    fi
    [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && command -v curl >/dev/null 2>&1 \
        && curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null 2>&1
}

if daemon_answers; then
    runsc_runtime
    exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
    echo "error: DOCKER_HOST=$DOCKER_HOST is set but no daemon answers there." >&2
    echo "  Start that daemon, or unset DOCKER_HOST to use a local one." >&2
    exit 1
fi

is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }
if [ "$(id -u)" != 0 ] || ! is_debian; then
    cat >&2 <<'MSG'
error: no Docker daemon is reachable, and this script only installs one as root on Debian/Ubuntu.
  Install Docker Engine for your system (https://docs.docker.com/engine/install/), start it,
  and make sure your user may use it (e.g. `sudo usermod -aG docker $USER`, then log in again).
  Check with: docker version
MSG
    exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "==> installing Debian's docker.io (no Docker daemon found)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends docker.io ca-certificates curl >/dev/null
fi

runsc_runtime  # before dockerd starts, so that it reads the runtime from daemon.json
echo "==> starting dockerd in the background (log: $LOG)"
mkdir -p "$(dirname "$LOG")"
# setsid + nohup: the daemon outlives make's shell.
setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &

for _ in $(seq 1 "$WAIT_S"); do
    if daemon_answers; then
        echo "==> dockerd is up"
        exit 0
    fi
    sleep 1
done
echo "error: dockerd did not answer within ${WAIT_S}s. Last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
