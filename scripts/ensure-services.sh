#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis that the tests use answer on 127.0.0.1.
#
#   PostgreSQL: `pg_isready -h 127.0.0.1 -p 5432`; if it fails, start the Debian cluster
#               (pg_ctlcluster), installing the `postgresql` package first if it is missing.
#   Redis:      `redis-cli -h 127.0.0.1 ping`; if it fails, start redis-server (no persistence),
#               installing `redis-server` first if it is missing.
#
# A service is skipped when DATABASE_URL / REDIS_URL point somewhere else (another host or
# port, or a socket other than the system one): then it is not ours to start.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=300)

py=python3
[ -x .venv/bin/python ] && py=.venv/bin/python

# Prints "local" when URL ($1) names this machine's default server on port $2.
is_local() {
    "$py" - "$1" "$2" <<'PY'
import sys
from urllib.parse import parse_qs, urlsplit
url, default_port = sys.argv[1], int(sys.argv[2])
u = urlsplit(url)
host = u.hostname or parse_qs(u.query).get("host", [""])[0]
try:
    port = u.port or default_port
except ValueError:
    port = -1
local_hosts = {"", "127.0.0.1", "localhost", "::1", "/var/run/postgresql", "/run/postgresql"}
print("local" if host in local_hosts and port == default_port else "elsewhere")
PY
}

apt_install() {
    echo "==> apt-get install $*"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install "${APT_OPTS[@]}" "$@" >/dev/null
}

wait_for() { # seconds, command...
    local seconds=$1; shift
    for _ in $(seq "$((seconds * 4))"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    return 1
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }

ensure_postgres() {
    if command -v pg_isready >/dev/null 2>&1 && pg_ready; then return 0; fi
    if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
        apt_install postgresql
        # A cluster we installed ourselves: let local connections in without a password,
        # as on this project's machines (first matching pg_hba line wins).
        local version hba
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        hba=/etc/postgresql/$version/main/pg_hba.conf
        if [ -f "$hba" ] && ! grep -q '# rotation-registry: trust' "$hba"; then
            $SUDO sed -i '1i # rotation-registry: trust local connections (dev/CI machine)\nlocal all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
        fi
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "==> Starting PostgreSQL $version (cluster main)"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    if ! wait_for 30 pg_ready; then
        echo "ensure-services: PostgreSQL does not answer on 127.0.0.1:5432 (see /var/log/postgresql/)." >&2
        exit 1
    fi
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
}

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

ensure_redis() {
    if command -v redis-cli >/dev/null 2>&1 && redis_ready; then return 0; fi
    if ! command -v redis-server >/dev/null 2>&1; then
        apt_install redis-server
        wait_for 5 redis_ready && return 0
    fi
    echo "==> Starting Redis on 127.0.0.1:6379"
    $SUDO mkdir -p /var/lib/redis /var/log/redis
    $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    if ! wait_for 15 redis_ready; then
        echo "ensure-services: Redis does not answer on 127.0.0.1:6379 (see /var/log/redis/ci.log)." >&2
        exit 1
    fi
}

# The settings' database (DATABASE_URL or the default rotation_registry): Django's system checks
# (GeneratedField asks the server's version) need it to exist before any manage.py command runs.
ensure_database() {
    local name
    name=$("$py" -c 'import sys; from urllib.parse import urlsplit; print(urlsplit(sys.argv[1]).path.lstrip("/"))' \
        "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rotation_registry}")
    [ -n "$name" ] || return 0
    if ! psql -h 127.0.0.1 -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$name'" postgres | grep -q 1; then
        echo "==> Creating database $name"
        createdb -h 127.0.0.1 -U postgres "$name"
    fi
}

if [ -n "${DATABASE_URL:-}" ] && [ "$(is_local "$DATABASE_URL" 5432)" != local ]; then
    echo "==> DATABASE_URL points elsewhere: not managing PostgreSQL"
else
    ensure_postgres
    ensure_database
fi

if [ -n "${REDIS_URL:-}" ] && [ "$(is_local "$REDIS_URL" 6379)" != local ]; then
    echo "==> REDIS_URL points elsewhere: not managing Redis"
else
    ensure_redis
fi
