#!/usr/bin/env bash
# Host tools devagent uses beside Python: ripgrep for the `search` tool (a pure-Python search is
# the fallback, so without root this only says what is missing). As root on Debian, installs it.
set -euo pipefail

command -v rg >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's ripgrep (the search tool's fast engine)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends ripgrep >/dev/null
else
    echo "note: ripgrep (rg) not found; the search tool uses its slower pure-Python engine" >&2
fi
