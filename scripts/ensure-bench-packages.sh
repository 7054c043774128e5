#!/usr/bin/env bash
# Installs the Debian packages the load test (make load, bench/load.py) needs, only those missing
# (dpkg -s first, so this costs a few milliseconds when everything is there):
#   wrk  the HTTP load generator; bench/load.lua spreads its requests over the bench's URLs
# Kept apart from ensure-system-packages.sh: the tests and `make run` do not need it.
set -euo pipefail

exec bash "$(dirname "$0")/apt-install-missing.sh" wrk "$@"
