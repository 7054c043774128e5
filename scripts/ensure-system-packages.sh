#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing (dpkg -s first, so this
# costs a few milliseconds when everything is there):
#   fonts-liberation2  Liberation Serif (Times-metric, full Vietnamese) for the PDF documents
#   poppler-utils      pdftotext / pdffonts / pdftoppm, to read generated PDFs back in tests
#   chromium           the browser the end-to-end tests drive (tests/e2e/, Playwright with
#                      executable_path=/usr/bin/chromium: `playwright install` cannot download one)
#   postgresql-15      initdb / pg_ctl / pg_dump of PostgreSQL 15 (/usr/lib/postgresql/15/bin): the fault
#                      tests (tests/faults/) start and restart a cluster of their own
#   redis-server       the fault tests start, stop and freeze a redis-server of their own
# Extra package names can be given as arguments.
set -euo pipefail

packages=(fonts-liberation2 poppler-utils chromium postgresql-15 redis-server "$@")
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
        echo "ensure-system-packages: missing ${missing[*]}, and no root to install them." >&2
        echo "  Install them: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
echo "==> apt-get install ${missing[*]}"
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" >/dev/null
