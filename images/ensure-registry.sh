#!/usr/bin/env bash
# Debian's docker-registry: the image-sharing tests serve a registry of their own on 127.0.0.1
# (and `devagent cluster` operators may serve theirs with it). As root on Debian, installs it
# when missing (its own service, on every interface, is left stopped); elsewhere says what the
# registry tests lack.
set -euo pipefail

command -v docker-registry >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's docker-registry (the image-sharing tests serve one on 127.0.0.1)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
    # the package's service would listen on every interface: the tests serve their own
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now docker-registry >/dev/null 2>&1 || true
    fi
else
    echo "note: docker-registry not found; the registry tests will fail (apt-get install docker-registry)" >&2
fi
