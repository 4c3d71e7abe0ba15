#!/usr/bin/env bash
# The headless browser the run-page tests open pages in: Debian's chromium and its driver
# (chromium-driver, /usr/bin/chromedriver). As root on Debian, installs those missing;
# elsewhere says what the page tests lack (CI, as root, always has them).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's ${missing[*]} (the run pages are tested in a headless browser)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "note: ${missing[*]} not found; the run-page browser tests are skipped (CI fails them)" >&2
fi
