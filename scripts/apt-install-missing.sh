#!/usr/bin/env bash
# Installs the given Debian packages, only those missing (dpkg -s first: a few milliseconds when all are there).
# Used by ensure-system-packages.sh (the tests) and ensure-bench-packages.sh (the load test).
set -euo pipefail

missing=()
for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "$(basename "$0"): missing ${missing[*]}, and no root to install them." >&2
        echo "  Install them: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
echo "==> apt-get install ${missing[*]}"
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" >/dev/null
