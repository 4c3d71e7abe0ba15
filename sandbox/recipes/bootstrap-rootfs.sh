#!/usr/bin/env bash
# Offline bootstrap of a Debian root filesystem image, for hosts where `docker pull` is impossible.
#
#   bootstrap-rootfs.sh MIRROR TAG [LABEL=VALUE]
#
# Runs `debootstrap --variant=minbase bookworm DIR MIRROR` (installing debootstrap with apt-get
# when it is missing and we are root), then `tar -C DIR -c . | docker import - TAG`.
# MIRROR is the host's Debian mirror (e.g. http://deb.debian.org/debian); the caller reads it
# from the host's apt sources. The optional LABEL=VALUE is set on the imported image.
set -euo pipefail

MIRROR=${1:?usage: bootstrap-rootfs.sh MIRROR TAG [LABEL=VALUE]}
TAG=${2:?usage: bootstrap-rootfs.sh MIRROR TAG [LABEL=VALUE]}
LABEL=${3:-}
SUITE=bookworm

if [ "$(id -u)" != 0 ]; then
    echo "error: debootstrap needs root; run as root or build devagent/base where a registry is reachable" >&2
    exit 1
fi
if ! command -v docker >/dev/null 2>&1; then
    echo "error: the docker CLI is needed for 'docker import'; install docker.io (make setup)" >&2
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "==> installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends debootstrap >/dev/null
fi

DIR=$(mktemp -d /var/tmp/devagent-rootfs.XXXXXX)
cleanup() { rm -rf "$DIR"; }
trap cleanup EXIT

echo "==> debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$DIR" "$MIRROR"
# Keep the image small: package caches are not needed in the rootfs.
rm -rf "$DIR"/var/cache/apt/archives/*.deb "$DIR"/var/lib/apt/lists/*

echo "==> docker import $TAG"
change=()
if [ -n "$LABEL" ]; then
    change=(--change "LABEL $LABEL")
fi
tar -C "$DIR" --numeric-owner -c . | docker import "${change[@]}" - "$TAG"
echo "==> imported $TAG"
