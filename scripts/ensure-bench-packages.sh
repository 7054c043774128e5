#!/usr/bin/env bash
# Installs the Debian packages the load test (make load, bench/load.py) needs, only those missing
# (dpkg -s first, so this costs a few milliseconds when everything is there):
#   wrk  the HTTP load generator; bench/load.lua spreads its requests over the bench's URLs
# Kept apart from ensure-system-packages.sh: the tests and `make run` do not need it.
set -euo pipefail

packages=(wrk "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "ensure-bench-packages: missing ${missing[*]}, and no root to install them." >&2
        echo "  Install them: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
echo "==> apt-get install ${missing[*]}"
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" >/dev/null
