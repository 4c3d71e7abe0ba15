#!/usr/bin/env bash
# Shells the tests check `devagent completion` scripts with (zsh, fish; bash is always there).
# As root on Debian, installs those missing; elsewhere says what the completion tests lack.
set -euo pipefail

missing=()
for shell in zsh fish; do command -v "$shell" >/dev/null 2>&1 || missing+=("$shell"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's ${missing[*]} (the completion scripts are checked with them)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "note: ${missing[*]} not found; their completion scripts are not checked" >&2
fi
