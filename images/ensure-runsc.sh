#!/usr/bin/env bash
# Make sure Docker has a working `runsc` (gVisor) runtime, for `--runtime runsc`.
# As root on Debian/Ubuntu: installs Debian's runsc, registers it in /etc/docker/daemon.json
# (keeping whatever else the file has) with the first platform that runs here (systrap where
# this runsc has it, else ptrace), and makes a running dockerd reload its runtimes with SIGHUP.
# Elsewhere it only reports. Exits non-zero, with the reason, when runsc cannot run here.
# DEVAGENT_RUNSC=0 skips it all.
set -euo pipefail

[ "${DEVAGENT_RUNSC:-1}" = 0 ] && exit 0

CONF=${DEVAGENT_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
PROBE_S=${DEVAGENT_RUNSC_PROBE_S:-60}

registered() {
    docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'
}

is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }
if [ "$(id -u)" != 0 ] || ! is_debian; then
    registered && exit 0
    echo "note: Docker has no runsc runtime; \`--runtime runsc\` needs gVisor installed and" >&2
    echo "  registered (https://gvisor.dev/docs/user_guide/install/)." >&2
    exit 0
fi

if ! command -v runsc >/dev/null 2>&1; then
    echo "==> installing Debian's runsc (gVisor)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends runsc >/dev/null 2>&1 || {
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends runsc >/dev/null
    }
fi
RUNSC=$(command -v runsc)

# The platforms this build knows, best first; the first one whose probe runs is registered.
# (Debian bookworm's 2022 build has ptrace and kvm; systrap came later.)
candidates=()
"$RUNSC" flags 2>&1 | grep -q systrap && candidates+=(systrap)
candidates+=(ptrace)

platform=""
why=""
for p in "${candidates[@]}"; do
    out=$(cd /tmp && timeout "$PROBE_S" "$RUNSC" --platform="$p" --network=none do echo runsc-ok 2>&1) \
        && [[ "$out" == *runsc-ok* ]] && { platform=$p; break; }
    why="$why  platform $p: $(printf '%s' "$out" | tail -n 3)"$'\n'
done
if [ -z "$platform" ]; then
    echo "error: runsc ($("$RUNSC" --version 2>&1 | head -n 1)) runs on no platform here:" >&2
    printf '%s' "$why" >&2
    exit 1
fi

# gVisor's own network stack: Debian's 2022 build takes any network namespace for the host's
# on Linux >= 6.7 (/proc/sys/net/core/rmem_default is there in every one now; gVisor issue
# 10704) and refuses to start. Then register it with --network=none: sandboxes under runsc
# have only loopback, and devagent refuses a runsc sandbox with network.
args=("--platform=$platform")
out=$(cd /tmp && timeout "$PROBE_S" "$RUNSC" --platform="$platform" do echo runsc-ok 2>&1) || true
if [[ "$out" != *runsc-ok* ]]; then
    args+=("--network=none")
    echo "note: runsc's network stack does not start here, so it is registered with" \
        "--network=none (no network under runsc): $(printf '%s' "$out" | tail -n 1)" >&2
fi

mkdir -p "$(dirname "$CONF")"
changed=$(python3 - "$CONF" "$RUNSC" "${args[@]}" <<'PY'
import json, os, sys
path, runsc, args = sys.argv[1], sys.argv[2], sys.argv[3:]
conf = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
want = {"path": runsc, "runtimeArgs": args}
runtimes = conf.setdefault("runtimes", {})
if runtimes.get("runsc") == want:
    print("no")
    sys.exit(0)
runtimes["runsc"] = want
tmp = path + ".devagent-tmp"
with open(tmp, "w") as f:
    json.dump(conf, f, indent=2)
    f.write("\n")
os.replace(tmp, path)
print("yes")
PY
)
[ "$changed" = yes ] && echo "==> registered runsc (${args[*]}) in $CONF"

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    exit 0  # no daemon yet: it reads the file when it starts
fi
if [ "$changed" = yes ] || ! registered; then
    # dockerd reloads its runtimes on SIGHUP; running containers are untouched.
    pids=$(pidof dockerd 2>/dev/null || pgrep -x dockerd || true)
    if [ -z "$pids" ]; then
        echo "error: runsc is in $CONF but the daemon is not a local dockerd to reload;" >&2
        echo "  restart the Docker daemon to pick it up." >&2
        exit 1
    fi
    kill -HUP $pids
    for _ in $(seq 1 20); do registered && break; sleep 0.5; done
fi
if ! registered; then
    echo "error: dockerd did not load the runsc runtime from $CONF (see its log)." >&2
    exit 1
fi
echo "==> Docker runtime runsc ready (${args[*]})"
